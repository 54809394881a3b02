"""A supervisor's yes or no to a work order's costs that wait (maintenance.services.costs).

Approving pays the recorded costs from the fund and closes the order, in the same unit of
work as the approval, exactly as finishing would have: the same postings and allocations, and
the device may go back in stock. Declining pays nothing: the order goes back to the workshop
(in progress) with the reason, and the device stays out of service until the order is finished
again within the limit, approved, cancelled, or the device retired.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.audit import AuditEvent
from core.db import db, utcnow
from core.errors import InvalidTransition, PermissionDenied, ValidationError
from core.users import User
from maintenance.labels import STATUS_LABELS
from maintenance.models import WorkOrder, WorkStatus
from maintenance.services import orders
from maintenance.steps import STEPS


def _expect_waiting(order: WorkOrder) -> None:
    if order.status != WorkStatus.COST_APPROVAL:
        raise InvalidTransition(_l("Work order %(id)d is %(state)s; only costs waiting for approval can be "
                                   "approved or declined.", id=order.id, state=STATUS_LABELS[order.status]),
                                order.status.value)


def _decided(order: WorkOrder, approved: bool, note: str, by: User) -> None:
    order.costs_decided_by_id, order.costs_decided_at = by.id, utcnow()
    order.costs_approved, order.costs_decision_note = approved, note


def submitted_by_id(order: WorkOrder) -> int | None:
    """Who recorded the costs now waiting (the audit trail's latest ``costs_submitted`` of the order)."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "work_order.costs_submitted", AuditEvent.object_type == "device",
        AuditEvent.object_id == order.device.tag).order_by(AuditEvent.id.desc()))
    return next((event.actor_id for event in events if event.changes.get("work_order") == order.id), None)


def approve(order: WorkOrder, note: str = "", *, by: User) -> WorkOrder:
    """Approve the costs: the fund pays them now and the order is done.

    Raises PermissionDenied for a role that may not approve costs or for the one who recorded
    them (four eyes), InvalidTransition (409) unless the costs wait for approval, Conflict when
    the fund cannot pay (nothing is written).
    """
    STEPS.check(by, "approve_costs")
    _expect_waiting(order)
    if submitted_by_id(order) == by.id:
        raise PermissionDenied(_l("Costs you recorded yourself are approved by someone else."))
    _decided(order, True, (note or "").strip(), by)
    audit.record(by, "work_order.costs_approved", "device", order.device.tag,
                 {"work_order": order.id, "cost_satang": order.total_satang})
    return orders.pay_and_close(order, by=by)


def decline(order: WorkOrder, reason: str, *, by: User) -> WorkOrder:
    """Decline the costs: nothing is paid; the order goes back to the workshop with the reason.

    Raises PermissionDenied, InvalidTransition as ``approve``; ValidationError naming
    ``reason`` when none is given.
    """
    STEPS.check(by, "approve_costs")
    _expect_waiting(order)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("Say why the costs are not approved."), {"reason": [_l("A reason is required.")]})
    _decided(order, False, reason, by)
    order.status = WorkStatus.IN_PROGRESS
    order.notes = (order.notes + "\n" + reason).strip()
    db.session.flush()
    audit.record(by, "work_order.costs_declined", "device", order.device.tag,
                 {"work_order": order.id, "cost_satang": order.total_satang, "reason": reason})
    return order


def waiting_query():
    """Orders whose costs wait for a supervisor, oldest first."""
    return (select(WorkOrder).where(WorkOrder.status == WorkStatus.COST_APPROVAL)
            .order_by(WorkOrder.opened_at, WorkOrder.id))
