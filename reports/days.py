"""The center's calendar days in SQL, so lead times are counted by the database, not row by row.

A lead time is the number of Bangkok calendar days between two moments: a request taken on
1 October at 23:30 and assessed on 3 October took two days, whatever the hours. The reports
group such differences (``GROUP BY days``) and take medians from the counts, so Python sees a
few hundred groups, never a row per request.

:func:`day_number` turns a stored value into a whole number of days; only differences of two
day numbers mean anything (each database counts from its own epoch):

- PostgreSQL: the UTC time at the center's zone, as a date (``timezone(zone, at)::date``),
  minus 1 January 1970: exact in any zone, summer time included.
- SQLite, in a zone of one fixed offset (Bangkok has been UTC+7 since 1920): the Julian day
  of the stored UTC text moved by that offset (``julianday(at, '+420 minutes')``), rounded
  down to the civil day.
- SQLite, in a zone with summer time: ``center_day(at, zone)``, a Python function the
  connection registers (core/db.py), exact and slower.

A date column (a day already) is a day number as it is.
"""
from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Integer, cast, func, literal, literal_column
from sqlalchemy.sql.elements import ColumnElement

from core import clock
from core.db import db

EPOCH = dt.date(1970, 1, 1)


@functools.lru_cache(maxsize=8)
def fixed_offset_minutes(zone_name: str) -> int | None:
    """The zone's offset from UTC in minutes if it has kept one offset since 1970; else None."""
    zone = ZoneInfo(zone_name)
    offsets = {zone.utcoffset(dt.datetime(year, month, 1)) for year in range(1970, 2101) for month in (1, 7)}
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds() // 60)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def day_number(column) -> ColumnElement[int]:
    """Whole days of ``column`` (a stored UTC time, or a date) on the center's calendar."""
    is_date = isinstance(column.type, Date)
    zone = clock.center_tz().key
    if _dialect() == "postgresql":
        day = column if is_date else cast(func.timezone(zone, column), Date)
        return cast(day - literal(EPOCH, Date), Integer)
    if is_date:
        return cast(func.julianday(column) + 0.5, Integer)
    offset = fixed_offset_minutes(zone)
    if offset is None:
        return func.center_day(column, zone)
    # julianday() is fractional from noon: + 0.5 and truncation give the civil day's number.
    return cast(func.julianday(column, literal_column(f"'{offset:+d} minutes'")) + 0.5, Integer)


def days_between(start, end) -> ColumnElement[int]:
    """Calendar days from ``start`` to ``end`` (columns of stored UTC times or dates)."""
    return day_number(end) - day_number(start)
