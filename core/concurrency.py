"""Optimistic locking: an edit says which version of a record it read, and a stale one is refused.

Rows that several people edit (devices, device types, people, referrals) carry a version
column. A page or a client sends back the version it showed; when someone else saved in
between, the edit becomes a 409 naming ``version`` and the one stored now, so that the editor
reloads and sees the other change instead of overwriting it.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.errors import Conflict, ValidationError


def check_version(current: int, given: int | None) -> None:
    """Let an edit of the record at version ``current`` through if it read that version.

    Raises ValidationError naming ``version`` when none was given, and Conflict (409) naming
    ``version`` with the current one when it is stale.
    """
    if given is None:
        raise ValidationError(_l("An edit must say which version of the record it changes."),
                              {"version": [_l("The version you read is required for an edit.")]})
    if given != current:
        raise Conflict(_l("Someone else changed this record meanwhile; reload it and try again."),
                       {"version": [_l("Stale: the current version is %(version)d.", version=current)]})
