"""Command-line tools: accounts (``flask users create|list|set-password|deactivate|reactivate``) and
the outbox (``flask outbox send``)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from core import accounts
from core import outbox as outbox_messages
from core.db import db
from core.errors import DomainError
from core.users import Role, User, create_user

users = AppGroup("users", help="Manage user accounts.")


def _refused(exc: DomainError) -> click.ClickException:
    db.session.rollback()
    with force_locale("en"):  # the command line speaks English, like the rest of its output
        detail = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in exc.errors.items())
        message = str(exc.message)
    return click.ClickException(f"{message} ({detail})" if detail else message)


@users.command("create")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="Repeat for several roles.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="", help="Name shown in the app.")
def create(username, roles, password, display_name):
    """Create USERNAME with one or more roles."""
    try:
        user = create_user(username, password, roles, display_name=display_name)
    except DomainError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    click.echo(f"created {user.username} with roles {', '.join(sorted(user.roles))}")


def _apply(step, done: str) -> None:
    """Run one account step and commit it, or stop with the service's reason."""
    try:
        step()
    except DomainError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    click.echo(done)


@users.command("set-password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password(username, password):
    """Set a new password for USERNAME; their sessions and API tokens end."""
    _apply(lambda: accounts.set_password(accounts.get_user(username), password, by=None),
           f"password changed for {username}; their sessions and API tokens have ended")


@users.command("deactivate")
@click.argument("username")
def deactivate(username):
    """Stop USERNAME from logging in; their sessions and API tokens end at once."""
    _apply(lambda: accounts.deactivate(accounts.get_user(username), by=None),
           f"{username} deactivated; their sessions and API tokens have ended")


@users.command("reactivate")
@click.argument("username")
def reactivate(username):
    """Let USERNAME log in again."""
    _apply(lambda: accounts.reactivate(accounts.get_user(username), by=None), f"{username} reactivated")


@users.command("list")
def list_users():
    """List users and their roles."""
    for user in db.session.scalars(select(User).order_by(User.username)):
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.username:20} {', '.join(sorted(user.roles))}{state}")


outbox = AppGroup("outbox", help="E-mail waiting in the outbox.")


@outbox.command("send")
def outbox_send():
    """Send every message still pending (mail was off, or the server refused it before), and those
    a worker claimed but never finished (its lease ran out)."""
    ids = outbox_messages.due_ids()
    db.session.commit()  # the read is done; each message is claimed and recorded in its own transaction
    sent = sum(outbox_messages.deliver(message_id, current_app.config) == outbox_messages.OutboxStatus.SENT
               for message_id in ids)
    click.echo(f"{sent} of {len(ids)} pending message(s) sent")


def register(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(outbox)
