"""The head of center's dashboard: the day's work in figures, as at now.

Every figure is a bounded SQL aggregate (GROUP BY over an index, or a count), so the page
answers alike on a hundred devices or a hundred thousand; Python walks only the groups
(device types, steps, moos), never the rows. The domains' own services give the figures
they already compute: devices by status, the waitlist's query, the preventive due list,
the holds on a device, the funds' balances. Ages are whole Bangkok days (``clock``).

Held back for safety: devices in stock (available or reserved) that a hold keeps from the
next person. The database picks the devices that may be held (an open problem report, an
unusable condition, an open repair or inspection, an inspection with a failed item);
``devices.holds.blocking_for`` then decides for those few, as reservation and delivery do
(a supervisor's override lifts the holds it covers). A device whose only reason is an
overdue preventive inspection is counted under ``inspections_overdue`` (the maintenance due
list), which covers devices on loan too.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select, union

from core import clock
from core.db import db
from core.users import User
from devices import holds
from devices.models import Condition, Device, DeviceStatus, DeviceType, ProblemReport, ReportKind
from fund.services import ledger
from fund.steps import STEPS as FUND_STEPS
from lending.models import OPEN_REQUEST_STATES, LendingRequest, Loan, Person
from lending.services import waitlist
from lending.services.worklist import moo_order
from maintenance.models import OPEN_STATES, ServiceState, WorkKind, WorkOrder, WorkStatus
from maintenance.services.holds import HOLDING_KINDS
from maintenance.services.preventive import count_due
from reports.steps import STEPS

FOLLOW_UP_HORIZON_DAYS = 7        # as the follow-up page's default: visits due within a week
IN_STOCK = (DeviceStatus.AVAILABLE, DeviceStatus.RESERVED)
OUT_OF_SERVICE = (DeviceStatus.RETIRED, DeviceStatus.LOST)


def _days(value: dt.datetime | dt.date | None) -> int | None:
    return None if value is None else clock.days_since(value)


def _devices() -> dict[str, Any]:
    """Devices by status, and by type and status: one pass over the covering index on (type, status)."""
    by_status = {status.value: 0 for status in DeviceStatus}
    per_type: dict[int, dict[str, Any]] = {}
    counted = (select(Device.type_id, Device.status, func.count().label("devices"))
               .group_by(Device.type_id, Device.status).subquery())
    for type_id, code, name_th, name_en, status, count in db.session.execute(
            select(DeviceType.id, DeviceType.code, DeviceType.name_th, DeviceType.name_en, counted.c.status,
                   counted.c.devices).join(counted, counted.c.type_id == DeviceType.id)):
        row = per_type.setdefault(type_id, {"type_code": code, "name_th": name_th, "name_en": name_en, "total": 0,
                                            "by_status": {s.value: 0 for s in DeviceStatus}})
        row["by_status"][status.value] = count
        row["total"] += count
        by_status[status.value] += count
    return {"total": sum(by_status.values()), "by_status": by_status,
            "by_type": sorted(per_type.values(), key=lambda row: row["type_code"])}


def _utilisation(by_status: dict[str, int]) -> dict[str, Any]:
    """Devices on loan out of the devices the center can lend at all (all but retired and lost)."""
    lendable = sum(count for status, count in by_status.items() if DeviceStatus(status) not in OUT_OF_SERVICE)
    on_loan = by_status[DeviceStatus.ON_LOAN.value]
    return {"on_loan": on_loan, "lendable": lendable, "share": on_loan / lendable if lendable else None}


def _waitlist() -> dict[str, Any]:
    items = waitlist.waitlist_query().order_by(None).subquery()
    lend_type = func.coalesce(items.c.recommended_type_id, items.c.device_type_id)
    since = func.min(func.coalesce(items.c.waitlisted_at, items.c.decided_at))
    rows = db.session.execute(
        select(DeviceType.code, DeviceType.name_th, DeviceType.name_en, func.count(items.c.id), since)
        .join(items, lend_type == DeviceType.id)
        .group_by(DeviceType.code, DeviceType.name_th, DeviceType.name_en).order_by(DeviceType.code)).all()
    by_type = [{"type_code": code, "name_th": th, "name_en": en, "waiting": count, "oldest_since": oldest,
                "oldest_days": _days(oldest)} for code, th, en, count, oldest in rows]
    oldest = min((row["oldest_since"] for row in by_type if row["oldest_since"]), default=None)
    return {"total": sum(row["waiting"] for row in by_type), "oldest_days": _days(oldest), "by_type": by_type}


def _requests() -> dict[str, Any]:
    """Open requests by the step they wait at, each step's longest wait, and the longest of all."""
    found = {status: (count, since) for status, count, since in db.session.execute(
        select(LendingRequest.status, func.count(), func.min(LendingRequest.status_changed_at))
        .where(LendingRequest.status.in_(OPEN_REQUEST_STATES)).group_by(LendingRequest.status))}
    by_step = []
    for status in OPEN_REQUEST_STATES:
        count, since = found.get(status, (0, None))
        by_step.append({"status": status.value, "count": count, "oldest_since": since, "oldest_days": _days(since)})
    oldest = None
    row = db.session.execute(
        select(LendingRequest.id, LendingRequest.status, LendingRequest.status_changed_at)
        .where(LendingRequest.status.in_(OPEN_REQUEST_STATES))
        .order_by(LendingRequest.status_changed_at, LendingRequest.id).limit(1)).first()
    if row is not None:
        oldest = {"request_id": row.id, "status": row.status.value, "since": row.status_changed_at,
                  "days": _days(row.status_changed_at)}
    return {"waiting": sum(step["count"] for step in by_step), "by_step": by_step, "oldest": oldest}


def _follow_ups(today: dt.date) -> dict[str, Any]:
    """Visits of open loans (no pickup asked for): overdue before today, due from today to the horizon."""
    horizon = today + dt.timedelta(days=FOLLOW_UP_HORIZON_DAYS)
    overdue = func.sum(case((Loan.next_follow_up_on < today, 1), else_=0))
    due = func.sum(case((Loan.next_follow_up_on >= today, 1), else_=0))
    rows = db.session.execute(
        select(Person.tambon, Person.moo, due, overdue, func.min(Loan.next_follow_up_on))
        .join(Loan, Loan.person_id == Person.id)
        .where(Loan.returned_at.is_(None), Loan.pickup_requested_on.is_(None), Loan.next_follow_up_on <= horizon)
        .group_by(Person.tambon, Person.moo)).all()
    by_moo = sorted(({"tambon": tambon, "moo": moo, "due": int(d or 0), "overdue": int(o or 0),
                      "oldest_due_on": first, "oldest_overdue_days": max(_days(first), 0) if o else None}
                     for tambon, moo, d, o, first in rows),
                    key=lambda row: (row["tambon"], moo_order(row["moo"])))
    return {"horizon_days": FOLLOW_UP_HORIZON_DAYS, "due": sum(row["due"] for row in by_moo),
            "overdue": sum(row["overdue"] for row in by_moo), "by_moo": by_moo}


def _pickups() -> dict[str, Any]:
    count, oldest = db.session.execute(
        select(func.count(Loan.id), func.min(Loan.pickup_requested_on))
        .where(Loan.returned_at.is_(None), Loan.pickup_requested_on.is_not(None))).one()
    return {"pending": count, "oldest_requested_on": oldest, "oldest_days": _days(oldest)}


def _maintenance() -> dict[str, Any]:
    found = dict(db.session.execute(select(WorkOrder.kind, func.count()).where(WorkOrder.status.in_(OPEN_STATES))
                                    .group_by(WorkOrder.kind)).all())
    waiting_costs = db.session.scalar(select(func.count()).where(WorkOrder.status == WorkStatus.COST_APPROVAL))
    return {"open_orders": sum(found.values()),
            "by_kind": [{"kind": kind.value, "count": found.get(kind, 0)} for kind in WorkKind],
            "waiting_cost_approval": waiting_costs,
            "inspections_overdue": count_due()}


def _held_back() -> dict[str, Any]:
    # Each reason is a small set of device ids read over its own index (never a test per device
    # in stock): unusable devices, open problem reports, open repairs and inspections, a last
    # inspection with a failed item and no repair since (kept in the service states).
    reasons = union(
        select(Device.id).where(Device.condition == Condition.UNUSABLE),
        select(ProblemReport.device_id).where(ProblemReport.handled_at.is_(None),
                                              ProblemReport.kind == ReportKind.PROBLEM),
        select(WorkOrder.device_id).where(WorkOrder.status.in_(OPEN_STATES), WorkOrder.kind.in_(HOLDING_KINDS)),
        select(ServiceState.device_id).where(ServiceState.inspection_failed.is_(True))).subquery()
    candidates = list(db.session.scalars(select(Device).where(Device.id.in_(select(reasons.c[0])),
                                                              Device.status.in_(IN_STOCK))))
    blocking = holds.blocking_for(candidates)
    held = [found for found in blocking.values() if found]
    by_reason: dict[str, int] = {}
    for found in held:
        for code in dict.fromkeys(hold.code for hold in found):
            by_reason[code] = by_reason.get(code, 0) + 1
    return {"devices": len(held),
            "by_reason": [{"code": code, "devices": count} for code, count in sorted(by_reason.items())]}


def _funds(by: User) -> list[dict[str, Any]] | None:
    if not FUND_STEPS.allows(by, "keep_books"):
        return None
    return [{"code": fund.code, "name_th": fund.name_th, "name_en": fund.name_en, "restricted": fund.restricted,
             "balance_satang": balance} for fund, balance in ledger.balances()]


def dashboard(*, by: User) -> dict[str, Any]:
    """The dashboard's figures, as at now, ready for JSON. ``fund_balances`` is None for a reader
    the fund's ``keep_books`` step leaves out. Raises PermissionDenied for a reader the
    ``dashboard`` step leaves out."""
    STEPS.check(by, "dashboard")
    today = clock.today()
    found_devices = _devices()
    return {
        "as_of": clock.now(),
        "today": today,
        "devices": found_devices,
        "utilisation": _utilisation(found_devices["by_status"]),
        "waitlist": _waitlist(),
        "requests": _requests(),
        "follow_ups": _follow_ups(today),
        "pickups": _pickups(),
        "maintenance": _maintenance(),
        "held_back": _held_back(),
        "fund_balances": _funds(by),
    }


def rebuild_kept() -> None:
    """Count the kept figures the dashboard reads again from scratch (the fund balances, for a
    database whose postings were loaded before their trigger existed)."""
    ledger.rebuild_balances()
