"""Reading the access log: who looked at whose personal data, filtered, paged and exported."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from core import audit, clock
from core.audit import AccessEvent
from core.spreadsheets import csv_text
from core.db import db
from core.errors import ValidationError
from core.users import User, find_user
from privacy.steps import STEPS

CSV_COLUMNS = ("id", "at", "user", "object_type", "object_id", "purpose", "detail", "request_id")
MAX_EXPORT = 100_000


@dataclass(frozen=True)
class LogFilter:
    person_id: int | None = None
    actor: str = ""                  # a username
    since: dt.date | None = None     # Bangkok days, both ends included
    until: dt.date | None = None

    def describe(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v)
                for k, v in (("person_id", self.person_id), ("actor", self.actor), ("since", self.since),
                             ("until", self.until)) if v}


def log_query(filters: LogFilter, *, by: User) -> Select:
    """Access events matching ``filters``, newest first.

    Raises PermissionDenied for roles other than admin and DPO, ValidationError for an unknown
    actor or a date range that ends before it starts.
    """
    STEPS.check(by, "read_access_log")
    query = select(AccessEvent).order_by(AccessEvent.id.desc())
    if filters.person_id is not None:
        query = query.where(AccessEvent.object_type == "person", AccessEvent.object_id == str(filters.person_id))
    if filters.actor:
        user = find_user(filters.actor)
        if user is None:
            raise ValidationError(_l("There is no user %(username)s.", username=filters.actor),
                                  {"actor": [_l("No user has this username.")]})
        query = query.where(AccessEvent.user_id == user.id)
    if filters.since and filters.until and filters.until < filters.since:
        raise ValidationError(_l("The range ends before it starts."),
                              {"until": [_l("Give a day on or after the first day.")]})
    if filters.since:
        query = query.where(AccessEvent.at >= clock.start_of_day(filters.since))
    if filters.until:
        query = query.where(AccessEvent.at < clock.start_of_day(filters.until + dt.timedelta(days=1)))
    return query


def export_csv(filters: LogFilter, *, by: User) -> str:
    """The filtered log as CSV text (UTF-8 with a BOM for spreadsheets); the export is logged.

    Raises what :func:`log_query` raises.
    """
    events = list(db.session.scalars(log_query(filters, by=by).limit(MAX_EXPORT)))
    text = csv_text(CSV_COLUMNS, ([e.id, clock.to_local(e.at).isoformat(), e.user.username, e.object_type,
                                   e.object_id, e.purpose, e.detail or "", e.request_id or ""] for e in events))
    audit.record(by, "access_log.exported", "access_log", "csv", {**filters.describe(), "rows": len(events)})
    audit.record_access(by, "access_log", "csv", "export.access_log",
                        detail=" ".join(f"{k}={v}" for k, v in filters.describe().items())[:300] or None)
    return text
