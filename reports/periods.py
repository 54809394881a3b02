"""The periods a report covers: the Thai fiscal year, a calendar year or any range of days.

A period is a run of the center's (Bangkok) days, first and last included. The Thai government's
fiscal year runs from 1 October to 30 September and is named by the year it ends in: fiscal
year 2569 (Buddhist Era) is 1 October 2025 to 30 September 2026. Years typed from 2400 on are read
as Buddhist Era, earlier ones as Common Era, as everywhere in the app (core.dates).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import force_locale, get_locale, gettext
from flask_babel import lazy_gettext as _l

from core import clock
from core.dates import BE_FROM_YEAR, BE_OFFSET, FIRST_YEAR, LAST_YEAR, format_date, parse_date_input
from core.errors import ValidationError

FISCAL, CALENDAR, RANGE = "fiscal_year", "year", "range"
KINDS = (FISCAL, CALENDAR, RANGE)
MAX_DAYS = 366 * 20 + 5   # a range spans at most twenty years


@dataclass(frozen=True)
class Period:
    kind: str
    first: dt.date      # the first day, included
    last: dt.date       # the last day, included

    @property
    def year(self) -> int:
        """The Common Era year that names a fiscal or calendar year (a fiscal year: the one it ends in)."""
        return self.last.year

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def starts(self) -> dt.datetime:
        """The period's first moment (UTC), for comparing stored times."""
        return clock.start_of_day(self.first)

    def ends(self) -> dt.datetime:
        """The moment after the period's last day (UTC): times are ``< ends()``."""
        return clock.start_of_day(self.last + dt.timedelta(days=1))

    def __contains__(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    def previous(self) -> Period:
        """The period before, to compare with: the year before, or as many days just before."""
        if self.kind == FISCAL:
            return fiscal_year(self.year - 1)
        if self.kind == CALENDAR:
            return calendar_year(self.year - 1)
        last = self.first - dt.timedelta(days=1)
        return Period(RANGE, last - dt.timedelta(days=self.days - 1), last)

    def shown_year(self, locale: str | None = None) -> int:
        """The year as the reader writes it: Buddhist Era in Thai."""
        locale = locale or str(get_locale() or "th")
        return self.year + BE_OFFSET if locale == "th" else self.year

    def label(self, locale: str | None = None) -> str:
        if locale is not None and locale != str(get_locale()):
            with force_locale(locale):
                return self.label()
        locale = str(get_locale() or "th")
        year = self.shown_year(locale)
        if self.kind == FISCAL:
            return gettext("Fiscal year %(year)s", year=year)
        if self.kind == CALENDAR:
            return gettext("Year %(year)s", year=year)
        return f"{format_date(self.first, locale)} – {format_date(self.last, locale)}"

    def as_json(self) -> dict:
        return {"kind": self.kind, "first_day": self.first, "last_day": self.last,
                "label": self.label()}

    def query(self) -> dict[str, str]:
        """The query arguments that name this period (for links and exports)."""
        if self.kind == RANGE:
            return {"period": RANGE, "from": self.first.isoformat(), "to": self.last.isoformat()}
        return {"period": self.kind, "year": str(self.year)}


def fiscal_year(year: int) -> Period:
    """The fiscal year ending on 30 September of ``year`` (Common Era)."""
    return Period(FISCAL, dt.date(year - 1, 10, 1), dt.date(year, 9, 30))


def calendar_year(year: int) -> Period:
    return Period(CALENDAR, dt.date(year, 1, 1), dt.date(year, 12, 31))


def fiscal_year_of(day: dt.date) -> Period:
    return fiscal_year(day.year + 1 if day.month >= 10 else day.year)


def current(kind: str = FISCAL) -> Period:
    """This fiscal or calendar year, by the center's today."""
    today = clock.today()
    return fiscal_year_of(today) if kind == FISCAL else calendar_year(today.year)


def date_range(first: dt.date, last: dt.date) -> Period:
    if last < first:
        raise ValidationError(_l("The period ends before it starts."),
                              {"to": [_l("The last day comes before the first.")]})
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError(_l("A period spans at most twenty years."), {"from": [_l("Choose a shorter period.")]})
    return Period(RANGE, first, last)


def _year(text: str) -> int:
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ValidationError(_l("Enter the year as four digits."), {"year": [_l("Enter a year such as 2569.")]})
    year = int(text)
    year = year - BE_OFFSET if year >= BE_FROM_YEAR else year
    if not FIRST_YEAR < year <= LAST_YEAR:
        raise ValidationError(_l("Enter the year as four digits."), {"year": [_l("Enter a year such as 2569.")]})
    return year


def _day(args: Mapping[str, str], name: str) -> dt.date:
    text = (args.get(name) or "").strip()
    try:
        return parse_date_input(text)
    except ValueError:
        raise ValidationError(_l("Enter the period's first and last day."),
                              {name: [_l("Enter a date such as 30/11/2569.")]}) from None


def from_args(args: Mapping[str, str], default: str = FISCAL) -> Period:
    """The period named by query arguments: ``period=fiscal_year|year`` with ``year`` (Buddhist or
    Common Era; this year if absent), or ``period=range`` with ``from`` and ``to``; with none,
    this fiscal year. Raises ValidationError naming the argument at fault."""
    kind = (args.get("period") or "").strip() or default
    if kind not in KINDS:
        raise ValidationError(_l("Choose a fiscal year, a calendar year or a range of days."),
                              {"period": [_l("Choose one of: %(kinds)s.", kinds=", ".join(KINDS))]})
    if kind == RANGE:
        return date_range(_day(args, "from"), _day(args, "to"))
    if not (args.get("year") or "").strip():
        return current(kind)
    year = _year(args["year"])
    return fiscal_year(year) if kind == FISCAL else calendar_year(year)
