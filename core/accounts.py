"""Account steps that end sessions: logout, a new password, deactivation and reactivation.

Each ends every session cookie and deletes every API token of the user at once
(:func:`core.users.end_sessions`), so that a cookie or token copied earlier stops working
everywhere. The services take the acting user (``by``, None for the command line), write the
audit event and never commit.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.passwords import password_problems
from core.users import ApiToken, User, end_sessions, find_user

audit.ACTION_LABELS.update({
    "user.password_changed": _l("Password changed"),
    "user.deactivated": _l("Account deactivated"),
    "user.reactivated": _l("Account reactivated"),
})


def get_user(username: str) -> User:
    """Raises NotFound for an unknown username."""
    user = find_user(username or "")
    if user is None:
        raise NotFound(_l("There is no user %(username)s.", username=username))
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.username)))


def log_out_everywhere(user: User) -> None:
    """Logout: every session of the user ends, on every device, and every token with it."""
    end_sessions(user)


def set_password(user: User, new_password: str, *, by: User | None) -> User:
    """Give ``user`` a new password and end every session and token they had.

    Raises ValidationError (``new_password``) when the policy refuses the password.
    """
    problems = password_problems(new_password, username=user.username)
    if problems:
        raise ValidationError(_l("The password cannot be changed."), {"new_password": problems})
    user.set_password(new_password)
    end_sessions(user)
    audit.record(by, "user.password_changed", "user", user.username)
    return user


def change_own_password(user: User, current_password: str, new_password: str) -> User:
    """A user changes their own password, proving the current one first.

    Raises ValidationError naming ``current_password`` when it is wrong, and naming
    ``new_password`` when the policy refuses the new one or it is the same.
    """
    if not user.check_password(current_password or ""):
        raise ValidationError(_l("The current password is not right."),
                               {"current_password": [_l("The current password is not right.")]})
    if new_password == current_password:
        raise ValidationError(_l("The password cannot be changed."),
                              {"new_password": [_l("The new password must differ from the current one.")]})
    return set_password(user, new_password, by=user)


def deactivate(user: User, *, by: User | None) -> None:
    """Stop ``user`` from logging in and end every session and token they had at once.

    Raises Conflict when an admin tries to deactivate their own account (nobody would be
    left to reactivate it on the page) and when the account is inactive already.
    """
    if by is not None and by.id == user.id:
        raise Conflict(_l("You cannot deactivate your own account."))
    if not user.active:
        raise Conflict(_l("The account %(username)s is inactive already.", username=user.username))
    user.active = False
    end_sessions(user)
    audit.record(by, "user.deactivated", "user", user.username, {"active": [True, False]})


def reactivate(user: User, *, by: User | None) -> None:
    """Let ``user`` log in again (with the password they had). Raises Conflict when active already."""
    if user.active:
        raise Conflict(_l("The account %(username)s is active already.", username=user.username))
    user.active = True
    audit.record(by, "user.reactivated", "user", user.username, {"active": [False, True]})
    db.session.flush()


def revoke_token(row: ApiToken) -> None:
    """End one API token (the client says it is done with it)."""
    db.session.delete(row)
    db.session.flush()
