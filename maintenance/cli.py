"""Maintenance commands: rebuild the maintained summaries from scratch (after a bulk load)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db import db
from maintenance.services import service_states

maintenance = AppGroup("maintenance", help="Maintenance: the summaries the due list reads.")


@maintenance.command("rebuild-summaries")
def rebuild_command():
    """Work every device's service state out again from its history."""
    count = service_states.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"{count} service states rebuilt")
