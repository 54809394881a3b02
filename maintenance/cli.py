"""Maintenance commands: rebuild the maintained summaries from scratch (after a bulk load)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core.db import db
from maintenance.services import service_states, upkeep_states

maintenance = AppGroup("maintenance", help="Maintenance: the summaries the due list and the figures read.")


@maintenance.command("rebuild-summaries")
def rebuild_command():
    """Work every device's service and upkeep states out again from its history."""
    count = service_states.rebuild(db.session.connection())
    upkeep_states.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"{count} devices' service and upkeep states rebuilt")
