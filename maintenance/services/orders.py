"""Work orders: the cleaning gate, checklists, parts and costs, and reissue.

A device that comes back gets a cleaning work order by itself and stays out of stock
until that order is done. Finishing the last open order puts the device back in stock,
which proposes it to the head of the waitlist. Costs are paid from the fund through the
fund's own services, so its allocation and restricted-fund rules hold here too.
"""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db, utcnow
from core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.users import User
from devices import services as devices
from devices.labels import STATUS_LABELS as DEVICE_STATUS_LABELS
from devices.models import Condition, Device, DeviceStatus, ProblemReport, ReportKind, ReportSource
from fund import memos
from fund.models import Purpose
from fund.services import spending
from maintenance.labels import STATUS_LABELS
from maintenance.models import (DEFAULT_CLEANING, DEFAULT_INSPECTION, OPEN_STATES, WorkKind, WorkOrder, WorkOrderPart,
                                WorkStatus)
from maintenance.services import costs
from maintenance.steps import STEPS

# An inspection of a device on loan is done at the home, often at a follow-up visit.
SERVICE_KINDS = (WorkKind.INSPECTION, WorkKind.PREVENTIVE)


def _require(user: User | None, step: str) -> None:
    if user is not None:  # None: the system itself (an order opened on a return)
        STEPS.check(user, step)


def at_home(order: WorkOrder) -> bool:
    """An inspection of a device on loan: done at the home, by whoever visits."""
    return order.kind in SERVICE_KINDS and order.device.status == DeviceStatus.ON_LOAN


def may_work_on(order: WorkOrder, user: User) -> bool:
    return STEPS.allows(user, "work_at_home" if at_home(order) else "work")


def _require_worker(order: WorkOrder, user: User | None) -> None:
    if user is not None and not may_work_on(order, user):
        raise PermissionDenied(_l("Your role may not do maintenance work."))


def get_order(order_id: int) -> WorkOrder:
    order = db.session.get(WorkOrder, order_id)
    if order is None:
        raise NotFound(_l("There is no work order %(id)d.", id=order_id), {"id": [_l("Unknown work order.")]})
    return order


def open_orders(device: Device) -> list[WorkOrder]:
    return list(db.session.scalars(select(WorkOrder).where(WorkOrder.device_id == device.id,
                                                           WorkOrder.status.in_(OPEN_STATES))
                                   .order_by(WorkOrder.id)))


def checklist_for(order: WorkOrder) -> list[str]:
    device_type = order.device.type
    if order.kind == WorkKind.CLEANING:
        steps = list(device_type.cleaning_steps or DEFAULT_CLEANING)
        return steps + [f"เวลาสัมผัสน้ำยาฆ่าเชื้ออย่างน้อย {device_type.contact_time_minutes} นาที"]
    if order.kind in (WorkKind.INSPECTION, WorkKind.PREVENTIVE):
        return list(device_type.inspection_items or DEFAULT_INSPECTION)
    return []


def checklist_items(order: WorkOrder) -> list[dict]:
    """What there is to tick on the order, each item with its result (``pass``, ``fail``, or None
    while not ticked): the device type's checklist while the order is open, the checklist as it
    was ticked once the order is done."""
    if order.is_open:
        return [{"item": item, "result": (order.checklist or {}).get(item)} for item in checklist_for(order)]
    return [{"item": item, "result": result} for item, result in (order.checklist or {}).items()]


def open_order(device: Device, kind: WorkKind, *, by: User | None, source: str = "manual", description: str = "",
               problem_report: ProblemReport | None = None, parent: WorkOrder | None = None) -> WorkOrder:
    """Open a work order. Raises InvalidTransition for a device out of service (retired or
    lost), Conflict when the device already has an open cleaning order."""
    if device.status in (DeviceStatus.RETIRED, DeviceStatus.LOST):
        raise InvalidTransition(_l("%(tag)s is %(state)s.", tag=device.tag, state=DEVICE_STATUS_LABELS[device.status]),
                                device.status.value)
    order = WorkOrder(device_id=device.id, kind=kind, source=source, description=description,
                      problem_report_id=problem_report.id if problem_report else None,
                      parent_id=parent.id if parent else None, opened_by_id=by.id if by else None)
    try:
        with db.session.begin_nested():
            db.session.add(order)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_l("%(tag)s already has an open cleaning order.", tag=device.tag),
                       {"state": ["cleaning_open"]}) from exc
    audit.record(by, "work_order.opened", "device", device.tag, {"work_order": order.id, "kind": kind})
    return order


def on_status_changed(device: Device, old: DeviceStatus, new: DeviceStatus, by: User | None = None, **_kw):
    if new == DeviceStatus.RETURNED:
        open_order(device, WorkKind.CLEANING, by=by, source="return")
    elif old == DeviceStatus.RETURNED and new == DeviceStatus.AVAILABLE:
        # The admin override put it back without cleaning: the order is closed as overridden.
        for order in open_orders(device):
            if order.kind == WorkKind.CLEANING:
                order.status = WorkStatus.CANCELLED
                order.finished_at = utcnow()
                order.notes = (order.notes + "\nadmin override: back in stock without cleaning").strip()
                audit.record(by, "work_order.cancelled", "device", device.tag, {"work_order": order.id,
                                                                                "reason": "override"})
        _stamp_ready(device)


def on_problem_reported(device: Device, report: ProblemReport, by: User | None = None, **_kw):
    # A problem found at a visit goes straight to the workshop as a repair, labelled as from
    # the visit; a public report waits to be triaged (and holds the device back meanwhile).
    if report.source == ReportSource.FOLLOW_UP and report.kind == ReportKind.PROBLEM and by is not None:
        open_order(device, WorkKind.REPAIR, by=by, source="follow_up", problem_report=report,
                   description=report.message)
        devices.mark_report_handled(report, by=by)


def on_report_handled(device: Device, report: ProblemReport, by: User | None = None, **_kw):
    # The last thing keeping a cleaned device in the workshop may have been this report.
    if device.status == DeviceStatus.IN_MAINTENANCE and _may_go_back(device):
        _back_in_stock(device, by, expect=(DeviceStatus.IN_MAINTENANCE,))


def _may_go_back(device: Device) -> bool:
    """Nothing left to do on it: no open order, and no problem report waiting to be triaged."""
    return not open_orders(device) and not devices.open_reports(device, ReportKind.PROBLEM)


def _expect_open(order: WorkOrder) -> None:
    # An order whose costs wait for a supervisor is frozen until one decides.
    if not order.is_workable:
        raise InvalidTransition(_l("Work order %(id)d is %(state)s; only an open order can take this step.",
                                   id=order.id, state=STATUS_LABELS[order.status]), order.status.value)


def start(order: WorkOrder, *, by: User) -> WorkOrder:
    """Begin the work; a device in stock or waiting for cleaning goes to the workshop."""
    _require_worker(order, by)
    _expect_open(order)
    order.status = WorkStatus.IN_PROGRESS
    order.started_at = order.started_at or utcnow()
    order.assignee_id = order.assignee_id or by.id
    db.session.flush()
    if order.device.status in (DeviceStatus.RETURNED, DeviceStatus.AVAILABLE):
        devices.set_status(order.device, DeviceStatus.IN_MAINTENANCE,
                           expect=(DeviceStatus.RETURNED, DeviceStatus.AVAILABLE), by=by,
                           action="device.cleaning_started", changes={"work_order": order.id})
    audit.record(by, "work_order.started", "device", order.device.tag, {"work_order": order.id})
    return order


def wait_for_parts(order: WorkOrder, note: str = "", *, by: User) -> WorkOrder:
    """Park an order until parts arrive; starting again resumes it."""
    _require_worker(order, by)
    if order.status != WorkStatus.IN_PROGRESS:
        raise InvalidTransition(_l("Work order %(id)d is %(state)s; only work in progress can wait for parts.",
                                   id=order.id, state=STATUS_LABELS[order.status]), order.status.value)
    order.status = WorkStatus.WAITING_PARTS
    if note.strip():
        order.notes = (order.notes + "\n" + note.strip()).strip()
    db.session.flush()
    audit.record(by, "work_order.waiting_parts", "device", order.device.tag, {"work_order": order.id})
    return order


def add_part(order: WorkOrder, name: str, quantity: int, unit_cost_satang: int, *, by: User) -> WorkOrderPart:
    _require_worker(order, by)
    _expect_open(order)
    errors = {}
    if not (name or "").strip():
        errors["name"] = [_l("Name the part.")]
    if quantity is None or quantity <= 0:
        errors["quantity"] = [_l("The quantity must be one or more.")]
    if unit_cost_satang is None or unit_cost_satang < 0:
        errors["unit_cost_satang"] = [_l("The cost must be zero or more.")]
    if errors:
        raise ValidationError(_l("The part cannot be added."), errors)
    costs.check_cleaning_part(order, quantity * unit_cost_satang)
    part = WorkOrderPart(work_order=order, name=name.strip(), quantity=quantity, unit_cost_satang=unit_cost_satang)
    db.session.add(part)
    db.session.flush()
    audit.record(by, "work_order.part_added", "device", order.device.tag,
                 {"work_order": order.id, "part": part.name, "cost_satang": quantity * unit_cost_satang})
    return part


def complete(order: WorkOrder, results: Mapping[str, str], *, by: User, labour_hours: float = 0,
             labour_rate_satang: int = 0, other_cost_satang: int = 0, notes: str = "",
             condition: Condition | None = None) -> WorkOrder:
    """Finish: every checklist item passes or fails; costs are paid from the fund.

    A failed inspection item opens a repair. Cleaning passes only when every step is done, and
    its consumables cost at most the cap (maintenance.services.costs). A repair records the
    device's condition afterwards (``condition``, required). Costs above the limit or the
    repair's estimate are not paid: the order waits for a supervisor (``cost_approval``) and
    the device stays out of service. Otherwise ``pay_and_close``. Raises ValidationError for
    a missing item or condition or a cleaning past the cap, Conflict when the fund cannot pay.
    """
    _require_worker(order, by)
    _expect_open(order)
    if order.kind == WorkKind.REPAIR and condition is None:
        raise ValidationError(_l("Record the device's condition after the repair."),
                              {"condition": [_l("Choose the condition the repair left it in.")]})
    items = checklist_for(order)
    missing = [item for item in items if results.get(item) not in ("pass", "fail")]
    if missing:
        raise ValidationError(_l("Tick every item of the checklist."),
                              {"checklist": [_l("“%(item)s” is not ticked.", item=item) for item in missing]})
    failed = [item for item in items if results[item] == "fail"]
    if order.kind == WorkKind.CLEANING and failed:
        raise ValidationError(_l("Cleaning is done only when every step is."),
                              {"checklist": [_l("“%(item)s” is not done.", item=item) for item in failed]})
    if labour_hours < 0 or labour_rate_satang < 0 or other_cost_satang < 0:
        raise ValidationError(_l("The costs cannot be negative."), {"costs": [_l("The costs must be zero or more.")]})
    costs.check_cleaning_cap(order, order.parts_satang + round(labour_hours * labour_rate_satang) + other_cost_satang,
                             other_cost_satang)
    order.checklist = {item: results[item] for item in items}
    order.labour_hours, order.labour_rate_satang = labour_hours, labour_rate_satang
    order.other_cost_satang = other_cost_satang
    order.notes = (notes or "").strip()
    if condition is not None and condition != order.device.condition:
        audit.record(by, "device.condition_set", "device", order.device.tag,
                     {"work_order": order.id, "condition": [order.device.condition, condition]})
        order.device.condition = condition
    if costs.needs_approval(order):
        order.status = WorkStatus.COST_APPROVAL
        db.session.flush()
        audit.record(by, "work_order.costs_submitted", "device", order.device.tag,
                     {"work_order": order.id, "cost_satang": order.total_satang,
                      "estimate_satang": order.estimate_satang})
        return order
    return pay_and_close(order, by=by)


def pay_and_close(order: WorkOrder, *, by: User) -> WorkOrder:
    """Pay the order's recorded costs from the fund and close it; the device may go back in stock.

    The caller has checked the actor's step (the worker finishing, or a supervisor approving
    the costs). Raises Conflict when the fund cannot pay (nothing is then written).
    """
    failed = [item for item, result in (order.checklist or {}).items() if result == "fail"]
    if order.total_satang > 0:
        paid = spending.spend(Purpose.REPAIR, order.total_satang, by=by, device_type=order.device.type,
                              memo=memos.work_order(order.id, order.device.tag))
        order.spending_id = paid.id
    order.status = WorkStatus.DONE
    order.finished_at = utcnow()
    db.session.flush()
    audit.record(by, "work_order.done", "device", order.device.tag,
                 {"work_order": order.id, "kind": order.kind, "cost_satang": order.total_satang,
                  "failed": failed})
    if failed:
        open_order(order.device, WorkKind.REPAIR, by=by, source="inspection", parent=order,
                   description="; ".join(failed))
    device = order.device
    if device.status in (DeviceStatus.RETURNED, DeviceStatus.IN_MAINTENANCE) and not open_orders(device):
        if _may_go_back(device):
            _back_in_stock(device, by, expect=(DeviceStatus.RETURNED, DeviceStatus.IN_MAINTENANCE), order=order)
        elif device.status == DeviceStatus.RETURNED:
            # Clean, but a reported problem waits to be triaged: it stays in the workshop.
            devices.set_status(device, DeviceStatus.IN_MAINTENANCE, expect=(DeviceStatus.RETURNED,), by=by,
                               action="device.held_in_workshop", changes={"work_order": order.id})
    return order


def _back_in_stock(device: Device, by: User | None, expect: tuple[DeviceStatus, ...],
                   order: WorkOrder | None = None) -> None:
    """The device's downtime ends: stamp its closed orders ready, and put it back in stock."""
    _stamp_ready(device)
    devices.set_status(device, DeviceStatus.AVAILABLE, expect=expect, by=by,
                       action="device.back_in_stock", changes={"work_order": order.id} if order else None)


def _stamp_ready(device: Device) -> None:
    now = utcnow()
    for closed in db.session.scalars(select(WorkOrder).where(
            WorkOrder.device_id == device.id, WorkOrder.ready_at.is_(None),
            WorkOrder.status.in_((WorkStatus.DONE, WorkStatus.CANCELLED)))):
        closed.ready_at = now


def cancel(order: WorkOrder, reason: str, *, by: User) -> WorkOrder:
    """Cancel an order opened by mistake. Cleaning cannot be cancelled: that is the gate."""
    _require(by, "cancel_order")
    _expect_open(order)
    if order.kind == WorkKind.CLEANING:
        raise Conflict(_l("A cleaning order cannot be cancelled; finish it, or an admin puts the device back in "
                          "stock without cleaning."),
                       {"kind": [_l("Cleaning is the gate between two users; it is not cancelled.")]})
    if not (reason or "").strip():
        raise ValidationError(_l("Say why the work order is cancelled."), {"reason": [_l("A reason is required.")]})
    order.status = WorkStatus.CANCELLED
    order.finished_at = utcnow()
    order.notes = (order.notes + "\n" + reason.strip()).strip()
    db.session.flush()
    audit.record(by, "work_order.cancelled", "device", order.device.tag, {"work_order": order.id, "reason": reason})
    if order.device.status == DeviceStatus.IN_MAINTENANCE and _may_go_back(order.device):
        _back_in_stock(order.device, by, expect=(DeviceStatus.IN_MAINTENANCE,), order=order)
    return order


def triage(report: ProblemReport, kind: WorkKind, *, by: User) -> WorkOrder:
    """A problem report (public, or found at a visit) becomes a work order and is marked handled."""
    _require(by, "open_order")
    order = open_order(report.device, kind, by=by, source="problem", problem_report=report,
                       description=report.message)
    devices.mark_report_handled(report, by=by)
    return order


def orders_query(status: str = "", kind: str = "", device: Device | None = None, assignee: User | None = None):
    query = select(WorkOrder).order_by(WorkOrder.opened_at, WorkOrder.id)
    if status == "open":
        query = query.where(WorkOrder.status.in_(OPEN_STATES))
    elif status:
        query = query.where(WorkOrder.status == status)
    if kind:
        query = query.where(WorkOrder.kind == kind)
    if device is not None:
        query = query.where(WorkOrder.device_id == device.id)
    if assignee is not None:
        query = query.where((WorkOrder.assignee_id == assignee.id) | WorkOrder.assignee_id.is_(None))
    return query
