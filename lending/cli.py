"""``flask privacy retention``: anonymise the people whose last loan closed long ago (PDPA s.33);
``flask lending rebuild-totals``: count the loan totals again after a bulk load."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from core import clock
from core.db import db
from lending.services import erasure, usage

privacy = AppGroup("privacy", help="Personal data: the retention rule.")


@privacy.command("retention")
@click.option("--years", type=click.IntRange(min=1), default=None,
              help="Anonymise people whose last loan closed more than this many years ago "
                   "(default: the PRIVACY_RETENTION_YEARS setting).")
@click.option("--dry-run", is_flag=True, help="List who would be anonymised; change nothing.")
def retention(years, dry_run):
    """Anonymise people with no open request or loan whose last loan closed more than N years ago."""
    years = years or current_app.config["PRIVACY_RETENTION_YEARS"]
    today = clock.today()
    due = erasure.due_for_retention(years, today)
    click.echo(f"retention {years} years: last loan closed before {erasure.cutoff(today, years).isoformat()} "
               f"(Bangkok, today {today.isoformat()})")
    for person, closed_on in due:
        click.echo(f"{'would anonymise' if dry_run else 'anonymised'} person {person.id} "
                   f"(last loan closed {closed_on.isoformat()})")
        if not dry_run:
            erasure.erase(person, by=None, reason=erasure.RETENTION)
    if dry_run:
        db.session.rollback()
        click.echo(f"{len(due)} to anonymise; nothing changed (dry run)")
    else:
        db.session.commit()
        click.echo(f"{len(due)} anonymised")


lending = AppGroup("lending", help="Lending: the totals kept for the impact pages.")


@lending.command("rebuild-totals")
def rebuild_totals():
    """Count the loan totals per device type again from every loan (after rows were loaded in bulk)."""
    rows = usage.rebuild()
    db.session.commit()
    click.echo(f"{sum(row['loans'] for row in rows.values()):,} loans counted in {len(rows)} device types")


def register(app) -> None:
    app.cli.add_command(privacy)
    app.cli.add_command(lending)
