"""What maintenance holds back from lending: an open repair or inspection, a failed last
inspection not yet repaired, and a preventive inspection that is overdue (devices.holds)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select

from core import clock, dates
from core.db import db
from devices.holds import Hold
from devices.models import Device
from maintenance.models import OPEN_STATES, WorkKind, WorkOrder, WorkStatus
from maintenance.services.orders import SERVICE_KINDS
from maintenance.services.preventive import service_due

OPEN_WORK_ORDER = "open_work_order"
FAILED_INSPECTION = "failed_inspection"
SERVICE_OVERDUE = "service_overdue"
HOLDING_KINDS = (WorkKind.REPAIR, WorkKind.INSPECTION, WorkKind.PREVENTIVE)


def _open_order_hold(order: WorkOrder) -> Hold:
    if order.status == WorkStatus.COST_APPROVAL:
        reason = _l("The work is finished; its costs wait for a supervisor's approval.")
    elif order.kind == WorkKind.REPAIR:
        reason = (_l("A repair is open: %(what)s", what=order.description) if order.description
                  else _l("A repair is open."))
    else:
        reason = _l("An inspection is open and not finished.")
    return Hold(OPEN_WORK_ORDER, f"order:{order.id}", reason, order.opened_at,
                step=("maintenance.order_view", {"order_id": order.id}), step_label=_l("Open the work order"))


def _failed_inspections(ids: list[int]) -> dict[int, WorkOrder]:
    """The devices whose last inspection failed an item and had no repair finished after it."""
    last_inspection: dict[int, WorkOrder] = {}
    last_repair = {}
    for order in db.session.scalars(select(WorkOrder).where(
            WorkOrder.device_id.in_(ids), WorkOrder.status == WorkStatus.DONE,
            WorkOrder.kind.in_((*SERVICE_KINDS, WorkKind.REPAIR))).order_by(WorkOrder.finished_at, WorkOrder.id)):
        if order.kind == WorkKind.REPAIR:
            last_repair[order.device_id] = order.finished_at
        else:
            last_inspection[order.device_id] = order
    return {device_id: order for device_id, order in last_inspection.items()
            if "fail" in (order.checklist or {}).values()
            and (last_repair.get(device_id) is None or last_repair[device_id] < order.finished_at)}


def holds(_sender, devices: list[Device], **_kw) -> dict[int, list[Hold]]:
    """The ``collect-holds`` receiver."""
    ids = [device.id for device in devices]
    found: dict[int, list[Hold]] = {device_id: [] for device_id in ids}
    for order in db.session.scalars(select(WorkOrder).where(
            WorkOrder.device_id.in_(ids), WorkOrder.status.in_(OPEN_STATES), WorkOrder.kind.in_(HOLDING_KINDS))
            .order_by(WorkOrder.id)):
        found[order.device_id].append(_open_order_hold(order))
    for device_id, order in _failed_inspections(ids).items():
        failed = [item for item, result in order.checklist.items() if result == "fail"]
        found[device_id].append(Hold(
            FAILED_INSPECTION, f"inspection:{order.id}",
            _l("Its last inspection failed (%(items)s) and no repair has been finished since.",
               items=", ".join(failed)), order.finished_at,
            step=("maintenance.device_work", {"tag": order.device.tag}), step_label=_l("Start an inspection"),
            step_method="post"))
    for due in service_due(devices=devices).items:
        if due.open_order_id is not None:
            continue  # the open inspection already holds it
        reason = (_l("Its preventive inspection is overdue since %(date)s.",
                     date=dates.LazyDate(clock.local_date(due.due_at)))
                  if due.by_days and due.due_at else
                  lazy_ngettext("Its preventive inspection is due after %(num)d loan.",
                                "Its preventive inspection is due after %(num)d loans.", due.loans_since))
        found[due.device_id].append(Hold(SERVICE_OVERDUE, "service_due", reason, due.due_at,
                                         step=("maintenance.start_service", {"tag": due.device.tag}),
                                         step_label=_l("Start the inspection"), step_method="post"))
    return found
