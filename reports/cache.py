"""Figures of a period, counted once and kept until a change could alter them.

At province scale (100,000 devices, ten years of history) counting the people served in a year,
their ADL change and every lead time reads hundreds of thousands of rows. A closed year hardly
ever changes, and the current one changes only when someone records something. So the counts
behind the outcome and service reports (never the labels: a kept result serves every language)
are kept in ``report_results``, and used again while they are still true.

How a kept result stays true:

- Every committed change to what the reports read carries the **fiscal year of the earliest
  day it can alter**: a follow-up visit its visit day, a loan its delivery and return, a journal
  entry its date, a decision its time, a person's death the day of it (old and new values both,
  so a date moved back counts from the earlier). A change that alters every year (a person's
  birth date, chronic diseases or moo, a device type's price, a device moved to another type, a
  work order's kind or payment, any bulk statement) counts from the beginning. Changes to what
  no report reads (a device's status, a phone number, the next follow-up's date) count for
  nothing. ``TRACKED`` says which columns count and how.
- When the session commits, the row of that fiscal year in ``report_versions`` is incremented,
  in the same transaction as the change (the last statement before the commit, so its lock is
  held only for the commit itself).
- A kept result records, beside the period, the sum of the versions of every fiscal year up to
  its last day's. Versions only grow, so the sum is unchanged exactly when no change that could
  alter the period has been committed since; otherwise the result is counted again. A period
  that reaches today is also kept for that day only.
- A session with changes of its own not yet committed neither uses nor keeps results.

A result is written in a short transaction of its own (on SQLite, by a request that only reads,
once the request has committed), or in the session's transaction where it already holds
SQLite's write lock; when that fails (another writer holds the lock) the figures are simply not
kept. Changes made outside the app (by hand in ``psql``) are not seen: empty ``report_results``
after one, and in a migration that changes what the reports read. ``tests/test_report_cache.py`` makes changes of
every kind and compares the kept figures with figures counted from scratch after each.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import after_this_request, g, has_request_context
from sqlalchemy import Date, Integer, String, Text, UniqueConstraint, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import Delete, Insert, Update

from core import clock
from core.db import UTCDateTime, db, holds_write_lock, utcnow
from reports.periods import Period

log = logging.getLogger(__name__)
T = TypeVar("T")
BEGINNING = 0   # the fiscal year of a change that can alter every year
DIRTY = "reports_dirty_from"   # session.info: the earliest fiscal year the pending changes alter


class ReportVersion(db.Model):
    """How many committed changes could have altered each fiscal year (and the years after it)."""

    __tablename__ = "report_versions"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)


class ReportResult(db.Model):
    """The counts behind a report for a period, as JSON, with the versions they were counted at."""

    __tablename__ = "report_results"
    __table_args__ = (UniqueConstraint("name", "first_day", "last_day", name="uq_report_results_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    stamp: Mapped[str] = mapped_column(String(80))
    payload: Mapped[str] = mapped_column(Text)
    counted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class Rule:
    """Which columns of a table the reports read, and the days a change to them can alter.

    ``dated``: columns whose values (old and new) are the days a change alters; a change to
    other tracked columns alters the days of the row's dated columns. ``only_dated``: when set,
    a change to a tracked column outside it alters every year (a person's birth date)."""

    columns: frozenset[str]
    dated: tuple[str, ...] = ()
    only_dated: frozenset[str] | None = None
    new_rows: bool = True   # False: a new row alters nothing until something refers to it


def _rule(columns: Iterable[str], dated: Iterable[str] = (), only_dated: Iterable[str] | None = None,
          new_rows: bool = True) -> Rule:
    return Rule(frozenset(columns), tuple(dated), frozenset(only_dated) if only_dated is not None else None,
                new_rows)


TRACKED: dict[str, Rule] = {
    "loans": _rule(("delivered_at", "returned_at", "person_id", "device_id", "request_id"),
                   ("delivered_at", "returned_at")),
    "follow_ups": _rule(("visited_on", "adl_total", "outcome", "visitor_id", "loan_id"), ("visited_on",)),
    "assessments": _rule(("assessed_on", "adl_total", "dependency_group", "request_id"), ("assessed_on",)),
    "requests": _rule(("created_at", "channel", "person_id"), ("created_at",)),
    "request_items": _rule(("decided_at", "status", "request_id"), ("decided_at",)),
    "people": _rule(("birth_date", "birth_year", "chronic_conditions", "tambon", "moo", "life_status",
                     "life_status_on"), ("life_status_on",), only_dated=("life_status", "life_status_on"),
                    new_rows=False),
    "devices": _rule(("type_id",), new_rows=False),
    "device_types": _rule(("reference_price_satang",), new_rows=False),
    "journal_entries": _rule(("entry_date", "reverses_id"), ("entry_date",)),
    "postings": _rule(("entry_id", "account_id", "amount_satang")),
    "spendings": _rule(("entry_id", "device_type_id")),
    "work_orders": _rule(("kind", "spending_id"), new_rows=False),
    "accounts": _rule(("code", "kind"), new_rows=False),
}


def fiscal_year(day: dt.date) -> int:
    """The fiscal year (October to September) a day falls in, named by the year it ends in."""
    return day.year + 1 if day.month >= 10 else day.year


def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return clock.local_date(value)
    return value if isinstance(value, dt.date) else None


def _values(obj, key: str) -> list:
    """The attribute's value now (loaded if need be) and the one it replaces, if any."""
    return [getattr(obj, key), *inspect(obj).attrs[key].history.deleted]


def _altered_from(obj, *, new: bool = False, deleted: bool = False) -> int | None:
    """The earliest fiscal year a pending change to ``obj`` can alter; None when it alters none."""
    table = getattr(obj, "__tablename__", None)
    rule = TRACKED.get(table)
    if rule is None or (new and not rule.new_rows):
        return None
    state = inspect(obj)
    keys = {attr.key: attr.columns[0].name for attr in state.mapper.column_attrs}
    if not (new or deleted):
        changed = {column for key, column in keys.items()
                   if column in rule.columns and state.attrs[key].history.has_changes()}
        if not changed:
            return None
        if rule.only_dated is not None and not changed <= rule.only_dated:
            return BEGINNING
    if not rule.dated:
        return BEGINNING if not new else _entry_year(obj)
    by_column = {column: key for key, column in keys.items()}
    days = [d for column in rule.dated for d in map(_day, _values(obj, by_column[column])) if d is not None]
    return fiscal_year(min(days, default=clock.today()))


def _entry_year(obj) -> int:
    """A new posting or spending alters its journal entry's year (the beginning if it is not at hand)."""
    entry = inspect(obj).attrs["entry"].loaded_value if "entry" in inspect(obj).mapper.relationships else None
    day = getattr(entry, "entry_date", None)
    return fiscal_year(day) if isinstance(day, dt.date) else BEGINNING


def _note(session: Session, year: int | None) -> None:
    if year is None:
        return
    current = session.info.get(DIRTY)
    session.info[DIRTY] = year if current is None else min(current, year)


@event.listens_for(Session, "before_flush")
def _track_flush(session: Session, _context, _instances) -> None:
    for obj in session.new:
        _note(session, _altered_from(obj, new=True))
    for obj in session.dirty:
        _note(session, _altered_from(obj))
    for obj in session.deleted:
        _note(session, _altered_from(obj, deleted=True))


@event.listens_for(Session, "do_orm_execute")
def _track_statement(state) -> None:
    """A bulk INSERT, UPDATE or DELETE through the session alters every year when it touches a tracked
    column (an UPDATE of a device's status alters none)."""
    statement = state.statement
    if not isinstance(statement, Insert | Update | Delete):
        return
    table = getattr(statement.table, "name", None)
    rule = TRACKED.get(table)
    if rule is None:
        return
    if isinstance(statement, Update):
        columns = {getattr(column, "key", str(column)) for column in (statement._values or {})}
        if columns and not columns & rule.columns:
            return
    _note(state.session, BEGINNING)


@event.listens_for(Session, "before_commit")
def _bump_versions(session: Session) -> None:
    session.flush()
    year = session.info.pop(DIRTY, None)
    if year is None:
        return
    table = ReportVersion.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(table).values(year=year, version=1)
                    .on_conflict_do_update(index_elements=[table.c.year], set_={"version": table.c.version + 1}))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(DIRTY, None)


def _stamp(period: Period) -> str | None:
    """What a kept result for ``period`` must match: the versions' sum up to its last fiscal year,
    the zone its days are counted in, and today when the period reaches it. None: do not keep."""
    total = db.session.scalar(select(func.coalesce(func.sum(ReportVersion.version), 0))
                              .where(ReportVersion.year <= fiscal_year(period.last)))
    if db.session.info.get(DIRTY) is not None:
        return None   # this session's own changes are not committed yet
    today = clock.today()
    until = today.isoformat() if period.last >= today else ""
    return f"{int(total)}|{clock.center_tz().key}|{until}"


def _keep(name: str, period: Period, stamp: str, payload: str) -> None:
    """Keep a result: in a short transaction of its own, or, where the session already holds
    SQLite's write lock (a command, a request that writes), in the session's transaction."""
    table = ReportResult.__table__
    values = {"name": name, "first_day": period.first, "last_day": period.last, "stamp": stamp,
              "payload": payload, "counted_at": utcnow()}
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values).on_conflict_do_update(
        index_elements=[table.c.name, table.c.first_day, table.c.last_day],
        set_={key: values[key] for key in ("stamp", "payload", "counted_at")})
    if dialect == "sqlite" and holds_write_lock():
        db.session.execute(statement)
    elif dialect == "sqlite" and has_request_context():
        # A request that only reads: written once it has committed (after_this_request runs after
        # the unit of work), so that a write of its own later in the request still takes the lock.
        waiting = g.setdefault("report_results_to_keep", [])
        if not waiting:
            after_this_request(_keep_waiting)
        waiting.append((name, statement))
    else:
        _write(name, statement)


def _write(name: str, statement) -> None:
    try:
        with db.engine.begin() as conn:
            conn.execute(statement)
    except DBAPIError as exc:   # busy, or the database is read-only: count again next time
        log.info("report result %s not kept: %s", name, exc)


def _keep_waiting(response):
    for name, statement in g.pop("report_results_to_keep", []):
        _write(name, statement)
    return response


def remember(name: str, period: Period, count: Callable[[], T], encode: Callable[[T], Any],
             decode: Callable[[Any], T]) -> T:
    """``count()`` for ``period``, or the result kept from an earlier count while still true."""
    stamp = _stamp(period)
    if stamp is None:
        return count()
    kept = db.session.execute(select(ReportResult.stamp, ReportResult.payload).where(
        ReportResult.name == name, ReportResult.first_day == period.first,
        ReportResult.last_day == period.last)).first()
    if kept is not None and kept.stamp == stamp:
        return decode(json.loads(kept.payload))
    found = count()
    _keep(name, period, stamp, json.dumps(encode(found), separators=(",", ":")))
    return found
