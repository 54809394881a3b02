"""The center's clock: what "now" and "today" are, wherever the server runs.

Times are stored as aware UTC. The center's day (default dates, due dates, "today" lists,
the fiscal year and so the receipt numbers) is the day in the center's time zone
(``CENTER_TIMEZONE``, default Asia/Bangkok), never the server clock's: on a server kept in
UTC, 00:00 to 07:00 in Bangkok is still yesterday there. Nothing else in the app reads
the clock; a test fails on any ``date.today()`` or naive ``datetime.now()`` elsewhere.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Bangkok"


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
    return dt.datetime.now(dt.UTC)


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
