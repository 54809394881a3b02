"""Dates, times and money as people read them.

Stored in UTC, shown in the center's time zone (core.clock, Asia/Bangkok by default).
Thai shows the Buddhist Era (BE = CE + 543, e.g. "24 พ.ย. 2569"); English shows the
Common Era ("24 Nov 2026").
"""
from __future__ import annotations

import datetime as dt

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from flask_babel import get_locale

from core.clock import to_local

BE_OFFSET = 543


def format_date(value: dt.date | dt.datetime | None, locale: str = "th") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    if locale == "th":
        return f"{babel_format_date(value, 'd MMM', locale='th')} {value.year + BE_OFFSET}"
    return babel_format_date(value, "d MMM y", locale=locale)


class LazyDate:
    """A date that prints in the reader's language when the message holding it is shown."""

    def __init__(self, value: dt.date):
        self.value = value

    def __str__(self) -> str:
        return format_date(self.value, str(get_locale() or "th"))


def format_datetime(value: dt.datetime | None, locale: str = "th") -> str:
    if value is None:
        return ""
    local = to_local(value)
    clock = local.strftime("%H:%M")
    if locale == "th":
        return f"{format_date(local.date(), 'th')} {clock} น."
    return f"{format_date(local.date(), locale)} {clock}"


def format_baht(satang: int | None, locale: str = "th") -> str:
    """Satang as baht with two decimals and the locale's grouping: "฿1,250.00"."""
    if satang is None:
        return ""
    baht = format_decimal(abs(satang) / 100, format="#,##0.00", locale=locale)
    return f"-฿{baht}" if satang < 0 else f"฿{baht}"
