"""Dates and times as people read and type them (money is core.money).

Stored in UTC, shown in the center's time zone (core.clock, Asia/Bangkok by default).
Thai shows the Buddhist Era (BE = CE + 543, e.g. "24 พ.ย. 2569"); English shows the
Common Era ("24 Nov 2026").
"""
from __future__ import annotations

import datetime as dt
import re

from babel.dates import format_date as babel_format_date
from babel.dates import get_month_names
from flask_babel import get_locale, gettext

from core.clock import to_local, today

BE_OFFSET = 543
# A typed year from here on is a Buddhist Era year (2400 BE is 1857 CE): no one types a date
# in the 25th century CE, and a birth date in BE 2400-2450 is still read right.
BE_FROM_YEAR = 2400
FIRST_YEAR, LAST_YEAR = 1800, 2300  # CE years a typed date may have


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


# --- dates typed in a form --------------------------------------------------------------------

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY = re.compile(r"(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{4})")
_DMY_DIGITS = re.compile(r"(\d{2})(\d{2})(\d{4})")
_DMY_NAMED = re.compile(r"(\d{1,2})\s*([^\d\s]+(?:\s*[^\d\s]+)*?)\s*(\d{4})")


def _month_numbers() -> dict[str, int]:
    names: dict[str, int] = {}
    for locale in ("th", "en"):
        for width in ("abbreviated", "wide"):
            for number, name in get_month_names(width, locale=locale).items():
                names[_month_key(name)] = number
    return names


def _month_key(name: str) -> str:
    return re.sub(r"[\s.]", "", name).casefold()


_MONTHS: dict[str, int] = {}


def format_date_input(value: dt.date | None, locale: str = "th") -> str:
    """A date as a form shows it for typing: "30/11/2569" in Thai (BE), "30/11/2026" in English."""
    if value is None:
        return ""
    year = value.year + BE_OFFSET if locale == "th" else value.year
    return f"{value.day:02d}/{value.month:02d}/{year}"


def date_hint() -> str:
    """The form a date is typed in on this page, with today's date as the example."""
    locale = str(get_locale() or "th")
    example = format_date_input(today(), locale)
    if locale == "th":
        return gettext("Day/month/year in the Buddhist Era, e.g. %(example)s", example=example)
    return gettext("Day/month/year, e.g. %(example)s", example=example)


def date_error() -> str:
    """What a date field says to a date it cannot read: the form to type it in."""
    locale = str(get_locale() or "th")
    example = format_date_input(today(), locale)
    if locale == "th":
        return gettext("Enter the date as day/month/year in the Buddhist Era, for example %(example)s.",
                       example=example)
    return gettext("Enter the date as day/month/year, for example %(example)s.", example=example)


def parse_date_input(text: str) -> dt.date:
    """A date typed by a person or sent by a client; raises ValueError if it is not one.

    Accepted, whatever the page's language: day/month/year with "/", ".", "-" or spaces
    between (a year from 2400 on is Buddhist Era, an earlier one Common Era), the same as
    eight digits (30112569), the day, a month's name and the year ("30 พ.ย. 2569",
    "30 Nov 2026") and ISO 8601 (2026-11-30, as tests and API clients send).
    """
    text = " ".join(text.split())
    if match := _ISO.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DMY.fullmatch(text) or _DMY_DIGITS.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _DMY_NAMED.fullmatch(text):
        if not _MONTHS:
            _MONTHS.update(_month_numbers())
        month = _MONTHS.get(_month_key(match.group(2)))
        if month is None:
            raise ValueError(f"no month named {match.group(2)!r}")
        day, year = int(match.group(1)), int(match.group(3))
    else:
        raise ValueError(f"not a date: {text!r}")
    if year >= BE_FROM_YEAR:
        year -= BE_OFFSET
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year {year} is out of range")
    return dt.date(year, month, day)  # ValueError for 31/02
