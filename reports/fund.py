"""The fund report: donations and spending by fund and by month, the largest donors, gifts in
kind and what each fund holds, all read from the books.

Money comes from the ledger's postings (fund/services/ledger.py), so a reversed donation or
spending nets out in the month of its reversal, exactly as the journal shows it:
- donations received: the credits to the income accounts (cash, and devices given in kind at
  their booked value), by the entry's date;
- spending: the debits to the purchase and repair accounts;
- what a fund holds at the period's end: its cash postings up to that day.
The largest donors and the gifts in kind read the donations themselves (a donation whose entry
was reversed is left out). A donor who did not agree to be named is shown as an anonymous donor,
here as everywhere. Balances are shown only to those who keep the books (fund.steps ``keep_books``),
as on ``/api/v1/funds``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from babel.dates import format_date as babel_format_date
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from core.db import db
from core.dates import BE_OFFSET
from core.users import User
from devices.models import Device, DeviceType
from fund.models import Account, DonatedDevice, Donation, DonationKind, Donor, Fund, JournalEntry, Posting
from fund.services import ledger
from fund.steps import STEPS as FUND_STEPS
from reports.catalog import report
from reports.periods import Period
from reports.tables import COUNT, SATANG, TEXT, Column, Report, Table, compared

INCOME = (ledger.INCOME_CASH, ledger.INCOME_KIND)
SPENDING = (ledger.PURCHASES, ledger.REPAIRS)
LARGEST = 10


def month_label(year: int, month: int) -> str:
    locale = str(get_locale() or "th")
    first = dt.date(year, month, 1)
    if locale == "th":
        return f"{babel_format_date(first, 'MMM', locale='th')} {year + BE_OFFSET}"
    return babel_format_date(first, "MMM y", locale=locale)


def months(period: Period) -> list[tuple[int, int]]:
    found, year, month = [], period.first.year, period.first.month
    while (year, month) <= (period.last.year, period.last.month):
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _postings(period: Period):
    """(fund id, account code, year, month, sum) of the period's postings on income and spending."""
    year, month = func.extract("year", JournalEntry.entry_date), func.extract("month", JournalEntry.entry_date)
    rows = db.session.execute(
        select(Posting.fund_id, Account.code, year, month, func.sum(Posting.amount_satang))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id).join(Account, Account.id == Posting.account_id)
        .where(Account.code.in_(INCOME + SPENDING), JournalEntry.entry_date.between(period.first, period.last))
        .group_by(Posting.fund_id, Account.code, year, month))
    return [(fund_id, code, int(y), int(m), int(total)) for fund_id, code, y, m, total in rows]


def _totals(period: Period, postings=None) -> dict[str, int]:
    """The period's headline sums, from its postings (read here unless given)."""
    sums: dict[str, int] = defaultdict(int)
    for _fund, code, _y, _m, total in (_postings(period) if postings is None else postings):
        sums[code] += total
    return {"cash_given": -sums[ledger.INCOME_CASH], "kind_given": -sums[ledger.INCOME_KIND],
            "purchases": sums[ledger.PURCHASES], "repairs": sums[ledger.REPAIRS],
            "spent": sums[ledger.PURCHASES] + sums[ledger.REPAIRS], "donors": _donor_count(period)}


def _standing(period: Period):
    """Donations of the period whose entry was not reversed."""
    reversal = aliased(JournalEntry)
    return (Donation.received_on.between(period.first, period.last),
            ~select(reversal.id).where(reversal.reverses_id == Donation.entry_id).exists())


def _donor_count(period: Period) -> int:
    return db.session.scalar(select(func.count(func.distinct(Donation.donor_id))).where(*_standing(period))) or 0


def _by_month(period: Period, postings) -> Table:
    cells: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _fund, code, year, month, total in postings:
        cells[(year, month)][code] += total
    rows = []
    for year, month in months(period):
        cell = cells[(year, month)]
        given = -(cell[ledger.INCOME_CASH] + cell[ledger.INCOME_KIND])
        spent = cell[ledger.PURCHASES] + cell[ledger.REPAIRS]
        rows.append({"month": month_label(year, month), "cash": -cell[ledger.INCOME_CASH],
                     "kind": -cell[ledger.INCOME_KIND], "purchases": cell[ledger.PURCHASES],
                     "repairs": cell[ledger.REPAIRS], "net": given - spent})
    return Table("by_month", _l("Donations and spending by month"), (
        Column("month", _l("Month"), TEXT), Column("cash", _l("Cash given"), SATANG),
        Column("kind", _l("Given in kind"), SATANG), Column("purchases", _l("Devices bought"), SATANG),
        Column("repairs", _l("Repairs"), SATANG), Column("net", _l("Given less spent"), SATANG)),
        rows, chart="cash")


def _held_at(day: dt.date) -> dict[int, int]:
    cash = ledger.account(ledger.CASH).id
    return dict(db.session.execute(
        select(Posting.fund_id, func.sum(Posting.amount_satang)).join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id == cash, JournalEntry.entry_date <= day).group_by(Posting.fund_id)).all())


def _restricted_to(fund: Fund) -> str:
    if not fund.restricted:
        return str(_l("Any use"))
    parts = []
    if fund.device_type is not None:
        parts.append(fund.device_type.name_th if str(get_locale() or "th") == "th" else fund.device_type.name_en)
    if fund.purpose is not None:
        parts.append(str({"purchase": _l("purchases"), "repair": _l("repairs")}[fund.purpose.value]))
    return ", ".join(parts) or str(_l("Restricted"))


def _by_fund(period: Period, postings, balances: bool) -> Table:
    given, spent = defaultdict(int), defaultdict(int)
    for fund_id, code, _y, _m, total in postings:
        if code in INCOME:
            given[fund_id] -= total
        else:
            spent[fund_id] += total
    held = _held_at(period.last) if balances else {}
    rows = [{"fund": f"{fund.code} · {fund.name_th if str(get_locale() or 'th') == 'th' else fund.name_en}",
             "use": _restricted_to(fund), "given": given[fund.id], "spent": spent[fund.id],
             **({"held": held.get(fund.id, 0)} if balances else {})} for fund in ledger.list_funds()]
    columns = (Column("fund", _l("Fund"), TEXT), Column("use", _l("May pay for"), TEXT),
               Column("given", _l("Given"), SATANG), Column("spent", _l("Spent"), SATANG))
    if balances:
        columns += (Column("held", _l("Held at the period's end"), SATANG),)
    return Table("by_fund", _l("Each fund"), columns, rows, chart="given")


def _largest(period: Period) -> Table:
    total = func.sum(Donation.amount_satang)
    rows = db.session.execute(
        select(Donor, total, func.count(Donation.id)).join(Donation, Donation.donor_id == Donor.id)
        .where(*_standing(period)).group_by(Donor.id).order_by(total.desc(), Donor.id).limit(LARGEST)).all()
    anonymous = str(_l("A donor who asked not to be named"))
    return Table("largest_donors", _l("The largest donors"), (
        Column("donor", _l("Donor"), TEXT), Column("gifts", _l("Gifts"), COUNT), Column("given", _l("Given"), SATANG)),
        [{"donor": donor.name if donor.may_be_named else anonymous, "gifts": gifts, "given": int(given or 0)}
         for donor, given, gifts in rows], chart="given",
        note=_l("Cash and gifts in kind at their booked value. Donors who did not agree to be named stay "
                "anonymous."))


def _in_kind(period: Period) -> Table:
    name = DeviceType.name_th if str(get_locale() or "th") == "th" else DeviceType.name_en
    rows = db.session.execute(
        select(name, func.count(DonatedDevice.id), func.coalesce(func.sum(DonatedDevice.value_satang), 0))
        .join(Donation, Donation.id == DonatedDevice.donation_id).join(Device, Device.id == DonatedDevice.device_id)
        .join(DeviceType, DeviceType.id == Device.type_id)
        .where(and_(*_standing(period)), Donation.kind == DonationKind.IN_KIND)
        .group_by(name).order_by(func.count(DonatedDevice.id).desc(), name)).all()
    return Table("in_kind", _l("Devices given in kind"), (
        Column("type", _l("Device type"), TEXT), Column("devices", _l("Devices"), COUNT),
        Column("value", _l("Value"), SATANG)),
        [{"type": type_name, "devices": count, "value": int(value)} for type_name, count, value in rows],
        chart="devices")


@report("fund", _l("Fund report"), "fund_report",
        _l("Donations and spending by fund and month, the largest donors, gifts in kind, what each fund holds."))
def build(period: Period, *, by: User) -> Report:
    ledger.ensure_chart()
    postings = _postings(period)
    now, before = _totals(period, postings), _totals(period.previous())
    figures = [compared("cash_given", _l("Cash given"), now, before, SATANG),
               compared("kind_given", _l("Given in kind"), now, before, SATANG),
               compared("spent", _l("Spent on devices and repairs"), now, before, SATANG),
               compared("donors", _l("Donors who gave"), now, before, COUNT)]
    balances = FUND_STEPS.allows(by, "keep_books")
    return Report("fund", _l("Fund report"), period, figures,
                  [_by_month(period, postings), _by_fund(period, postings, balances), _largest(period),
                   _in_kind(period)], period.previous())
