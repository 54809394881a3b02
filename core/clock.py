"""The center's clock: what "now" and "today" are, wherever the server runs.

Times are stored as aware UTC. The center's day (default dates, due dates, "today" lists,
the fiscal year and so the receipt numbers) is the day in the center's time zone
(``CENTER_TIMEZONE``, default Asia/Bangkok), never the server clock's: on a server kept in
UTC, 00:00 to 07:00 in Bangkok is still yesterday there. Nothing else in the app reads
the clock; a test fails on any ``date.today()`` or naive ``datetime.now()`` elsewhere.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Bangkok"
# Set only by ``replaying``: a command recording what happened earlier (the demo's history).
_replay_at: ContextVar[dt.datetime | None] = ContextVar("replay_at", default=None)


def zone(name: str) -> ZoneInfo:
    """The zone of a setting; raises ValueError naming the setting for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"CENTER_TIMEZONE: unknown time zone {name!r}") from exc


def center_tz() -> ZoneInfo:
    """The center's time zone (the app's setting; Bangkok outside an app)."""
    name = current_app.config.get("CENTER_TIMEZONE") if has_app_context() else None
    return zone(name or DEFAULT_TIMEZONE)


def now() -> dt.datetime:
    """This moment, aware, in UTC (as it is stored)."""
    return _replay_at.get() or dt.datetime.now(dt.UTC)


@contextmanager
def replaying(moment: dt.datetime) -> Iterator[None]:
    """Record steps as if they happened at ``moment`` (an aware time, not in the future): for a
    command that writes past events in order, so that every stamp and audit time agrees.
    Never used by a request."""
    if moment.tzinfo is None or moment > dt.datetime.now(dt.UTC):
        raise ValueError("replay at an aware moment that has passed")
    token = _replay_at.set(moment.astimezone(dt.UTC))
    try:
        yield
    finally:
        _replay_at.reset(token)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """The center's ``hour`` on ``day``, as an aware UTC time."""
    return dt.datetime.combine(day, dt.time(hour, minute), center_tz()).astimezone(dt.UTC)


def to_local(value: dt.datetime) -> dt.datetime:
    """A stored time in the center's zone (a naive value is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(center_tz())


def local_now() -> dt.datetime:
    return to_local(now())


def today() -> dt.date:
    """The center's today."""
    return local_now().date()


def local_date(value: dt.datetime) -> dt.date:
    """The center's calendar day of a stored time."""
    return to_local(value).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """The center's midnight starting ``day``, as an aware UTC time."""
    return dt.datetime.combine(day, dt.time(), center_tz()).astimezone(dt.UTC)


def days_since(value: dt.datetime | dt.date, day: dt.date | None = None) -> int:
    """Whole calendar days in the center from ``value`` to ``day`` (default today)."""
    start = local_date(value) if isinstance(value, dt.datetime) else value
    return ((day or today()) - start).days
