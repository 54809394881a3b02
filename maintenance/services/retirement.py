"""Repair or retire: estimates, the 60% rule, and retirement (or loss) approved by a supervisor.

A device leaves service only through a request that a supervisor approves; its whole
history stays, and its label goes on resolving to a page that says it is out of service.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit
from core.db import db, utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from core.users import User
from devices import services as devices
from devices.labels import STATUS_LABELS
from devices.models import Device, DeviceStatus
from maintenance.labels import DECISION_LABELS
from maintenance.models import (OPEN_STATES, DecisionStatus, RetirementKind, RetirementRequest, WorkKind, WorkOrder,
                                WorkStatus)
from maintenance.services.orders import _expect_open, _require
from maintenance.steps import STEPS

# Past this share of the type's reference new price, a repair is not worth it.
RETIRE_SHARE_PERCENT = 60
# A device on loan or reserved for someone must come back (or be released) first.
RETIRABLE = (DeviceStatus.AVAILABLE, DeviceStatus.RETURNED, DeviceStatus.IN_MAINTENANCE)
OUT_OF_SERVICE = {RetirementKind.RETIRE: DeviceStatus.RETIRED, RetirementKind.LOST: DeviceStatus.LOST}

def retire_threshold_satang(device: Device) -> int | None:
    """The estimate above which retiring is suggested; None when the type has no price."""
    price = device.type.reference_price_satang
    return price * RETIRE_SHARE_PERCENT // 100 if price else None


def retire_suggested(order: WorkOrder) -> bool:
    threshold = retire_threshold_satang(order.device)
    return order.estimate_satang is not None and threshold is not None and order.estimate_satang > threshold


def estimate_share_percent(order: WorkOrder) -> int | None:
    price = order.device.type.reference_price_satang
    if order.estimate_satang is None or not price:
        return None
    return round(order.estimate_satang * 100 / price)


def set_estimate(order: WorkOrder, estimate_satang: int | None, *, by: User) -> WorkOrder:
    """Record what a repair is expected to cost, before doing it."""
    _require(by, "work")
    _expect_open(order)
    if order.kind != WorkKind.REPAIR:
        raise ValidationError(_l("Work order %(id)d is not a repair; only a repair has a cost estimate.",
                                 id=order.id),
                              {"estimate_satang": [_l("Only a repair has a cost estimate.")]})
    if estimate_satang is None or estimate_satang < 0:
        raise ValidationError(_l("The estimate must be zero or more."),
                              {"estimate_satang": [_l("Enter an amount of zero or more.")]})
    order.estimate_satang = estimate_satang
    db.session.flush()
    audit.record(by, "work_order.estimated", "device", order.device.tag,
                 {"work_order": order.id, "estimate_satang": estimate_satang,
                  "retire_suggested": retire_suggested(order)})
    return order


def get_request(request_id: int) -> RetirementRequest:
    found = db.session.get(RetirementRequest, request_id)
    if found is None:
        raise NotFound(_l("There is no retirement request %(id)d.", id=request_id),
                       {"id": [_l("Unknown retirement request.")]})
    return found


def pending_for(device: Device) -> RetirementRequest | None:
    return db.session.scalar(select(RetirementRequest).where(RetirementRequest.device_id == device.id,
                                                             RetirementRequest.status == DecisionStatus.PENDING))


def approved_for(device: Device) -> RetirementRequest | None:
    """The approved request that took the device out of service (the latest)."""
    return db.session.scalar(select(RetirementRequest).where(RetirementRequest.device_id == device.id,
                                                             RetirementRequest.status == DecisionStatus.APPROVED)
                             .order_by(RetirementRequest.decided_at.desc(), RetirementRequest.id.desc()).limit(1))


def _expect_retirable(device: Device) -> None:
    if device.status not in RETIRABLE:
        raise InvalidTransition(_l("%(tag)s is %(state)s; it must be back at the center first.", tag=device.tag,
                                   state=STATUS_LABELS[device.status]), device.status.value)


def request_retirement(device: Device, kind: RetirementKind, reason: str, *, by: User,
                       work_order: WorkOrder | None = None) -> RetirementRequest:
    """Ask a supervisor to retire the device, or to record it lost.

    Raises InvalidTransition unless the device is at the center (in stock, returned or in
    maintenance), and Conflict when a request is already waiting for a decision.
    """
    STEPS.check(by, "request_retirement")
    if not (reason or "").strip():
        raise ValidationError(_l("Say why the device should leave service."), {"reason": [_l("A reason is required.")]})
    _expect_retirable(device)
    if work_order is not None and work_order.device_id != device.id:
        raise ValidationError(_l("Work order %(id)d is for another device.", id=work_order.id),
                              {"work_order_id": [_l("This work order is for another device.")]})
    request = RetirementRequest(device_id=device.id, kind=kind, reason=reason.strip(), requested_by_id=by.id,
                                work_order_id=work_order.id if work_order else None,
                                estimate_satang=work_order.estimate_satang if work_order else None)
    try:
        with db.session.begin_nested():  # the partial unique index guards a race; a loser leaves nothing
            db.session.add(request)
            db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_l("%(tag)s already has a request waiting for a decision.", tag=device.tag),
                       {"state": ["pending"]}) from exc
    action = "device.retirement_requested" if kind == RetirementKind.RETIRE else "device.loss_reported"
    audit.record(by, action, "device", device.tag, {"request": request.id, "reason": request.reason})
    return request


def decide(request: RetirementRequest, approve: bool, note: str = "", *, by: User) -> RetirementRequest:
    """A supervisor approves (the device leaves service) or rejects (a note says why).

    Approving closes the device's open work orders, cleaning included: a retired device
    is not cleaned for the next user.
    """
    STEPS.check(by, "decide_retirement")
    if request.status != DecisionStatus.PENDING:
        raise InvalidTransition(_l("Retirement request %(id)d is decided already: %(state)s.", id=request.id,
                                   state=DECISION_LABELS[request.status]), request.status.value)
    note = (note or "").strip()
    device = request.device
    if approve:
        _expect_retirable(device)
        now = utcnow()
        for order in db.session.scalars(select(WorkOrder).where(WorkOrder.device_id == device.id,
                                                                WorkOrder.status.in_(OPEN_STATES))):
            order.status, order.finished_at = WorkStatus.CANCELLED, now
            order.notes = (order.notes + f"\ncancelled: device out of service (request {request.id})").strip()
            audit.record(by, "work_order.cancelled", "device", device.tag,
                         {"work_order": order.id, "reason": "retired"})
        new = OUT_OF_SERVICE[request.kind]
        devices.set_status(device, new, expect=RETIRABLE, by=by,
                           action="device.retired" if new == DeviceStatus.RETIRED else "device.marked_lost",
                           changes={"request": request.id, "reason": request.reason})
    elif not note:
        raise ValidationError(_l("Say why it is not approved."), {"note": [_l("Required when rejecting.")]})
    else:
        audit.record(by, "device.retirement_rejected", "device", device.tag, {"request": request.id, "note": note})
    request.status = DecisionStatus.APPROVED if approve else DecisionStatus.REJECTED
    request.decided_by_id, request.decided_at, request.decision_note = by.id, utcnow(), note
    db.session.flush()
    return request


def requests_query(status: str = ""):
    """Requests, oldest first; ``status="decided"`` gives the decided ones, latest first."""
    if status == "decided":
        return (select(RetirementRequest).where(RetirementRequest.status != DecisionStatus.PENDING)
                .order_by(RetirementRequest.decided_at.desc(), RetirementRequest.id.desc()))
    query = select(RetirementRequest).order_by(RetirementRequest.requested_at, RetirementRequest.id)
    if status:
        query = query.where(RetirementRequest.status == status)
    return query

