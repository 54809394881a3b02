"""The service report: how fast requests are served, by channel; loans started and ended; devices
lent again and how long they took to come back into use; savings to families; and what it cost,
from the books, per person served and per device type.

Days are Bangkok calendar days: a request taken on 1 October and assessed on 3 October took two
days, whatever the hours. A lead time counts in the period its step happened in (the first
assessment, the first approval, the first delivery of the request), so a closed period's figures
do not change when later work is recorded. Counts and sums are SQL aggregates; medians and 90th
percentiles are taken in Python over the lead times of the period's steps only (one row each).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from core.db import db
from core.users import User
from devices.labels import TypeName
from devices.models import Device, DeviceType
from fund.models import Account, AccountKind, JournalEntry, Posting, Spending
from fund.services import ledger
from lending.labels import CHANNEL_LABELS
from lending.models import Assessment, Channel, ItemStatus, LendingRequest, Loan, RequestItem
from maintenance.models import WorkKind, WorkOrder
from reports import cache
from reports.catalog import report
from reports.days import days_between
from reports.periods import Period
from reports.tables import COUNT, DAYS, SATANG, TEXT, Column, Report, Table, compared, median, percentile

STEPS = ("assessment", "approval", "delivery")
STEP_LABELS = {"assessment": _l("Request to assessment"), "approval": _l("Request to approval"),
               "delivery": _l("Request to delivery")}
COST_KINDS = ("purchases", "repairs", "cleaning")
NO_TYPE = None   # costs booked without a device type


def _in(column, period: Period):
    return and_(column >= period.starts(), column < period.ends())


# --- lead times -------------------------------------------------------------------------------

def _first_steps(period: Period) -> dict[str, Any]:
    """Per step, a subquery (request_id, at) of the requests whose first such step fell in the period:
    the step's rows in the period with none before them for the same request (the id breaks a tie)."""
    def first(model, at, *where):
        other = aliased(model)
        other_at = getattr(other, at.key)
        earlier = select(other.id).where(other.request_id == model.request_id,
                                         or_(other_at < at, and_(other_at == at, other.id < model.id)),
                                         *[condition(other) for condition in where])
        return (select(model.request_id.label("request_id"), at.label("at"))
                .where(*[condition(model) for condition in where], ~earlier.exists()))

    def approved(model):   # decided and not rejected: approved, waitlisted or not, cancelled later or not
        return and_(model.decided_at.is_not(None), model.status != ItemStatus.REJECTED)

    return {
        "assessment": first(Assessment, Assessment.assessed_on)
        .where(Assessment.assessed_on.between(period.first, period.last)).subquery(),
        "approval": first(RequestItem, RequestItem.decided_at, approved)
        .where(_in(RequestItem.decided_at, period)).subquery(),
        "delivery": first(Loan, Loan.delivered_at).where(_in(Loan.delivered_at, period)).subquery(),
    }


def lead_times(period: Period) -> dict[str, dict[Channel, list[int]]]:
    """Step -> channel -> the lead times (days) of the requests whose first such step was in the period.

    The database counts the requests per channel and number of days (reports/days.py); the lists
    are made from those counts (a step recorded before its request's time counts as day 0)."""
    found: dict[str, dict[Channel, list[int]]] = {}
    for step, first in _first_steps(period).items():
        days = days_between(LendingRequest.created_at, first.c.at).label("days")
        rows = db.session.execute(select(LendingRequest.channel, days, func.count())
                                  .join(first, first.c.request_id == LendingRequest.id)
                                  .group_by(LendingRequest.channel, days))
        by_channel: dict[Channel, list[int]] = defaultdict(list)
        for channel, value, count in rows:
            by_channel[channel].extend([max(value, 0)] * count)
        for values in by_channel.values():
            values.sort()
        found[step] = by_channel
    return found


def requests_received(period: Period) -> dict[Channel, int]:
    return dict(db.session.execute(
        select(LendingRequest.channel, func.count()).where(_in(LendingRequest.created_at, period))
        .group_by(LendingRequest.channel)).all())


# --- loans, reissues, savings, people served ---------------------------------------------------

@dataclass
class TypeFigures:
    loans_started: int = 0
    loans_ended: int = 0
    reissued: int = 0
    turnaround: list[int] = field(default_factory=list)
    savings_satang: int = 0
    people: int = 0
    costs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COST_KINDS, 0))


def _by_type(query) -> dict[int, tuple]:
    return {row[0]: tuple(row[1:]) for row in db.session.execute(query)}


def _reissues(period: Period):
    """Loans delivered in the period, each with when its device last came back before (None: first loan)."""
    before = aliased(Loan)
    back = (select(func.max(before.returned_at))
            .where(before.device_id == Loan.device_id, before.id != Loan.id, before.returned_at.is_not(None),
                   before.returned_at <= Loan.delivered_at)
            .correlate(Loan).scalar_subquery())
    return (select(Loan.device_id.label("device_id"), Device.type_id.label("type_id"),
                   Loan.delivered_at.label("delivered_at"), back.label("back"))
            .join(Device, Device.id == Loan.device_id).where(_in(Loan.delivered_at, period)).subquery())


def served_query(period: Period):
    """Loans at a home at some moment of the period: delivered before it ended, not back before it began."""
    return and_(Loan.delivered_at < period.ends(),
                or_(Loan.returned_at.is_(None), Loan.returned_at >= period.starts()))


def loan_figures(period: Period) -> tuple[dict[int, TypeFigures], int]:
    """Device type id -> its loans, reissues, savings and people served; and the people served in all."""
    figures: dict[int, TypeFigures] = defaultdict(TypeFigures)
    started = _by_type(select(Device.type_id, func.count(Loan.id), func.sum(DeviceType.reference_price_satang))
                       .join(Device, Device.id == Loan.device_id).join(DeviceType, DeviceType.id == Device.type_id)
                       .where(_in(Loan.delivered_at, period)).group_by(Device.type_id))
    for type_id, (count, savings) in started.items():
        figures[type_id].loans_started, figures[type_id].savings_satang = count, int(savings or 0)
    ended = _by_type(select(Device.type_id, func.count(Loan.id)).join(Device, Device.id == Loan.device_id)
                     .where(Loan.returned_at.is_not(None), _in(Loan.returned_at, period)).group_by(Device.type_id))
    for type_id, (count,) in ended.items():
        figures[type_id].loans_ended = count
    reissues = _reissues(period)
    again = reissues.c.back.is_not(None)
    for type_id, (count,) in _by_type(select(reissues.c.type_id, func.count(func.distinct(reissues.c.device_id)))
                                      .where(again).group_by(reissues.c.type_id)).items():
        figures[type_id].reissued = count
    days = days_between(reissues.c.back, reissues.c.delivered_at).label("days")
    for type_id, value, count in db.session.execute(
            select(reissues.c.type_id, days, func.count()).where(again).group_by(reissues.c.type_id, days)):
        figures[type_id].turnaround.extend([max(value, 0)] * count)
    # One pass over the loans at a home in the period: each (type, person) once.
    everyone: set[int] = set()
    for type_id, person_id in db.session.execute(select(Device.type_id, Loan.person_id).distinct()
                                                 .join(Device, Device.id == Loan.device_id)
                                                 .where(served_query(period))):
        figures[type_id].people += 1
        everyone.add(person_id)
    return figures, len(everyone)


# --- costs from the ledger ---------------------------------------------------------------------

def costs(period: Period) -> dict[int | None, dict[str, int]]:
    """Device type id (None: booked with no type) -> purchases, repairs and cleaning, in satang.

    The expense lines of the journal entries dated in the period: a purchase or repair on its
    expense account, a reversal taking its amount back in the period it is posted. Each line is
    tied to the device type of the spending it pays (a reversal to the spending it undoes); a
    repair paid by a cleaning work order is cleaning.
    """
    spending_entry = func.coalesce(JournalEntry.reverses_id, JournalEntry.id)
    rows = db.session.execute(
        select(Account.code, Spending.device_type_id, WorkOrder.kind, func.sum(Posting.amount_satang))
        .select_from(Posting).join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(Account, Account.id == Posting.account_id)
        .outerjoin(Spending, Spending.entry_id == spending_entry)
        .outerjoin(WorkOrder, WorkOrder.spending_id == Spending.id)
        .where(Account.kind == AccountKind.EXPENSE, JournalEntry.entry_date.between(period.first, period.last))
        .group_by(Account.code, Spending.device_type_id, WorkOrder.kind))
    found: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COST_KINDS, 0))
    for code, type_id, work_kind, amount in rows:
        if code == ledger.PURCHASES:
            kind = "purchases"
        else:
            kind = "cleaning" if work_kind == WorkKind.CLEANING else "repairs"
        found[type_id][kind] += int(amount or 0)
    return found


# --- the report ----------------------------------------------------------------------------------

def _stats(values: Iterable[int]) -> tuple[float | None, float | None]:
    values = list(values)
    return median(values), percentile(values, 90)


def per_person(total: int, people: int) -> int | None:
    """Satang per person served, rounded; None when nobody was served (never a division by zero)."""
    return round(total / people) if people else None


@dataclass
class Found:
    received: dict[Channel, int]
    leads: dict[str, dict[Channel, list[int]]]
    types: dict[int, TypeFigures]
    people_served: int
    costs: dict[int | None, dict[str, int]]

    def all_leads(self, step: str) -> list[int]:
        return [days for values in self.leads[step].values() for days in values]

    def headline(self) -> dict[str, Any]:
        turnaround = [days for figures in self.types.values() for days in figures.turnaround]
        spent = {kind: sum(c[kind] for c in self.costs.values()) for kind in COST_KINDS}
        total = sum(spent.values())
        values = {"requests_received": sum(self.received.values()),
                  "loans_started": sum(f.loans_started for f in self.types.values()),
                  "loans_ended": sum(f.loans_ended for f in self.types.values()),
                  "devices_reissued": sum(f.reissued for f in self.types.values()),
                  "savings_satang": sum(f.savings_satang for f in self.types.values()),
                  "people_served": self.people_served, "costs_satang": total,
                  "cost_per_person_satang": per_person(total, self.people_served),
                  **{f"{kind}_satang": amount for kind, amount in spent.items()}}
        for step in STEPS:
            values[f"median_days_to_{step}"], values[f"p90_days_to_{step}"] = _stats(self.all_leads(step))
        values["median_turnaround_days"], values["p90_turnaround_days"] = _stats(turnaround)
        return values


def count(period: Period) -> Found:
    """The service report's figures for ``period``, counted from the records."""
    types, people = loan_figures(period)
    return Found(requests_received(period), lead_times(period), types, people, costs(period))


def _histogram(values: Iterable[int]) -> dict[str, int]:
    return {str(value): n for value, n in sorted(Counter(values).items())}


def _values(histogram: dict[str, int]) -> list[int]:
    return [int(value) for value, n in histogram.items() for _ in range(n)]


def _encode(found: Found) -> dict[str, Any]:
    return {"received": {channel.value: n for channel, n in found.received.items()},
            "leads": {step: {channel.value: _histogram(days) for channel, days in by_channel.items()}
                      for step, by_channel in found.leads.items()},
            "types": {str(type_id): {**asdict(f), "turnaround": _histogram(f.turnaround)}
                      for type_id, f in found.types.items()},
            "people_served": found.people_served,
            "costs": [[type_id, spent] for type_id, spent in found.costs.items()]}


def _decode(data: dict[str, Any]) -> Found:
    leads = {step: defaultdict(list, {Channel(channel): _values(days) for channel, days in by_channel.items()})
             for step, by_channel in data["leads"].items()}
    types: dict[int, TypeFigures] = defaultdict(TypeFigures)
    for type_id, f in data["types"].items():
        types[int(type_id)] = TypeFigures(**{**f, "turnaround": _values(f["turnaround"])})
    found_costs: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COST_KINDS, 0))
    found_costs.update(dict(data["costs"]))
    return Found({Channel(channel): n for channel, n in data["received"].items()}, leads, types,
                 data["people_served"], found_costs)


def gather(period: Period) -> Found:
    """The figures for ``period``, counted once and kept while no change could alter them (reports/cache.py)."""
    return cache.remember("service", period, lambda: count(period), _encode, _decode)


HEADLINE = (
    ("requests_received", _l("Requests received"), COUNT),
    ("median_days_to_assessment", _l("Days from request to assessment (median)"), DAYS),
    ("median_days_to_approval", _l("Days from request to approval (median)"), DAYS),
    ("median_days_to_delivery", _l("Days from request to delivery (median)"), DAYS),
    ("p90_days_to_delivery", _l("Days from request to delivery (90th percentile)"), DAYS),
    ("loans_started", _l("Loans started"), COUNT),
    ("loans_ended", _l("Loans ended"), COUNT),
    ("devices_reissued", _l("Devices lent again after a return"), COUNT),
    ("median_turnaround_days", _l("Days from a return to the next loan (median)"), DAYS),
    ("savings_satang", _l("Savings to families"), SATANG),
    ("people_served", _l("People served"), COUNT),
    ("purchases_satang", _l("Device purchases"), SATANG),
    ("repairs_satang", _l("Repairs"), SATANG),
    ("cleaning_satang", _l("Cleaning"), SATANG),
    ("costs_satang", _l("Costs in all"), SATANG),
    ("cost_per_person_satang", _l("Cost per person served"), SATANG),
)

STAT_COLUMNS = (Column("median", _l("Median"), DAYS), Column("p90", _l("90th percentile"), DAYS))


def _lead_table(found: Found) -> Table:
    rows = []
    for step in STEPS:
        values = found.all_leads(step)
        low, high = _stats(values)
        rows.append({"step": str(STEP_LABELS[step]), "requests": len(values), "median": low, "p90": high})
    return Table("lead_times", _l("Lead times"),
                 (Column("step", _l("From the request to"), TEXT), Column("requests", _l("Requests")), *STAT_COLUMNS),
                 rows, chart="median",
                 note=_l("Bangkok calendar days from the day the request came in; each request counts in the "
                         "period of its first assessment, first approval and first delivery."))


def _channel_table(found: Found) -> Table:
    columns = [Column("channel", _l("Channel"), TEXT), Column("received", _l("Requests received"))]
    for step in STEPS:
        columns += [Column(f"median_{step}", _l("%(step)s, median", step=STEP_LABELS[step]), DAYS),
                    Column(f"p90_{step}", _l("%(step)s, 90th percentile", step=STEP_LABELS[step]), DAYS)]
    rows = []
    for channel in Channel:
        row: dict[str, Any] = {"channel": str(CHANNEL_LABELS[channel]), "received": found.received.get(channel, 0)}
        for step in STEPS:
            row[f"median_{step}"], row[f"p90_{step}"] = _stats(found.leads[step].get(channel, ()))
        rows.append(row)
    return Table("channels", _l("By channel"), tuple(columns), rows, chart="received")


def _type_names(type_ids: Iterable[int | None]) -> dict[int | None, str]:
    ids = [type_id for type_id in type_ids if type_id is not None]
    types = db.session.scalars(select(DeviceType).where(DeviceType.id.in_(ids)).order_by(DeviceType.code)) \
        if ids else []
    names: dict[int | None, str] = {t.id: str(TypeName(t)) for t in types}
    if None in type_ids:
        names[None] = str(_l("No device type"))
    return names


def _loans_table(found: Found) -> Table:
    names = _type_names(list(found.types))
    rows = []
    for type_id, name in names.items():
        figures = found.types[type_id]
        low, high = _stats(figures.turnaround)
        rows.append({"type": name, "started": figures.loans_started, "ended": figures.loans_ended,
                     "reissued": figures.reissued, "median": low, "p90": high, "savings": figures.savings_satang})
    return Table("loans", _l("Loans by device type"),
                 (Column("type", _l("Device type"), TEXT), Column("started", _l("Loans started")),
                  Column("ended", _l("Loans ended")), Column("reissued", _l("Devices lent again")),
                  Column("median", _l("Days from return to next loan, median"), DAYS),
                  Column("p90", _l("Days from return to next loan, 90th percentile"), DAYS),
                  Column("savings", _l("Savings to families"), SATANG)),
                 rows, chart="started",
                 note=_l("A device lent again: a loan of a device that had come back before (through cleaning "
                         "and any repair). Savings to families: the new price of each device lent."))


def _costs_table(found: Found) -> Table:
    keys = set(found.costs) | {type_id for type_id, f in found.types.items() if f.people}
    names = _type_names(sorted(keys, key=lambda k: (k is None, k or 0)))
    rows = []
    for type_id, name in names.items():
        spent = found.costs.get(type_id, dict.fromkeys(COST_KINDS, 0))
        total = sum(spent.values())
        people = found.types[type_id].people if type_id in found.types else 0
        rows.append({"type": name, **spent, "total": total, "people": people,
                     "per_person": per_person(total, people)})
    return Table("costs", _l("Costs by device type"),
                 (Column("type", _l("Device type"), TEXT), Column("purchases", _l("Purchases"), SATANG),
                  Column("repairs", _l("Repairs"), SATANG), Column("cleaning", _l("Cleaning"), SATANG),
                  Column("total", _l("In all"), SATANG), Column("people", _l("People served")),
                  Column("per_person", _l("Per person served"), SATANG)),
                 rows, chart="total",
                 note=_l("From the journal entries dated in the period (a reversal counts when it is posted). "
                         "People served: everyone with a device at home at some time in the period."))


@report("service", _l("Service report"), "program_reports",
        _l("How fast requests are served, by channel; loans; devices lent again; savings to families; "
           "cost per person served."))
def build(period: Period, *, by: User) -> Report:
    found = gather(period)
    before = gather(period.previous()).headline()
    now = found.headline()
    figures = [compared(key, label, now, before, kind) for key, label, kind in HEADLINE]
    tables = [_lead_table(found), _channel_table(found), _loans_table(found), _costs_table(found)]
    return Report("service", _l("Service report"), period, figures, tables, previous=period.previous())

