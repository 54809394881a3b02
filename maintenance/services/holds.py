"""What maintenance holds back from lending: an open repair or inspection, a failed last
inspection not yet repaired, and a preventive inspection that is overdue (devices.holds)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import and_, or_, select

from core import clock, dates
from core.db import db, utcnow
from devices.holds import Hold
from devices.models import Device
from maintenance.models import OPEN_STATES, ServiceState, WorkKind, WorkOrder, WorkStatus
from maintenance.services.orders import SERVICE_KINDS
from maintenance.services.preventive import due_of

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


def _failed_inspections(done: list[WorkOrder]) -> dict[int, WorkOrder]:
    """The devices whose last inspection failed an item and had no repair finished after it
    (``done``: their finished orders, in the order they were finished)."""
    last_inspection: dict[int, WorkOrder] = {}
    last_repair = {}
    for order in done:
        if order.kind == WorkKind.REPAIR:
            last_repair[order.device_id] = order.finished_at
        elif order.kind in SERVICE_KINDS:
            last_inspection[order.device_id] = order
    return {device_id: order for device_id, order in last_inspection.items()
            if "fail" in (order.checklist or {}).values()
            and (last_repair.get(device_id) is None or last_repair[device_id] < order.finished_at)}


def _service_orders(orders: list[WorkOrder]) -> dict[int, tuple]:
    """By device: the last inspection finished and the first one open (preventive.due_of)."""
    found: dict[int, tuple] = {}
    for order in orders:
        if order.kind not in SERVICE_KINDS:
            continue
        last, opened = found.get(order.device_id, (None, None))
        if order.status == WorkStatus.DONE and order.finished_at and (last is None or order.finished_at > last):
            last = order.finished_at
        elif order.status in OPEN_STATES and (opened is None or order.id < opened):
            opened = order.id
        found[order.device_id] = (last, opened)
    return found


def held_devices(_sender, **_kw):
    """The ``held-devices`` receiver: the same holds as ``holds``, as a condition on Device (an
    open repair or inspection; the last inspection failed; a preventive inspection due), read from
    the device's maintained service state by its key."""
    now = utcnow()
    state = (select(ServiceState.device_id)
             .where(ServiceState.device_id == Device.id,
                    or_(ServiceState.inspection_failed.is_(True),
                        and_(ServiceState.served.is_(True), ServiceState.due_from <= now)))
             .correlate(Device))
    return or_(Device.id.in_(select(WorkOrder.device_id).where(WorkOrder.status.in_(OPEN_STATES),
                                                               WorkOrder.kind.in_(HOLDING_KINDS))),
               state.exists())


def holds(_sender, devices: list[Device], **_kw) -> dict[int, list[Hold]]:
    """The ``collect-holds`` receiver: one read of the devices' repairs and inspections (open or
    finished) answers the open orders, the failed inspections and the last inspection's date."""
    ids = [device.id for device in devices]
    found: dict[int, list[Hold]] = {device_id: [] for device_id in ids}
    orders = list(db.session.scalars(select(WorkOrder).where(
        WorkOrder.device_id.in_(ids), WorkOrder.kind.in_(HOLDING_KINDS),
        WorkOrder.status.in_((*OPEN_STATES, WorkStatus.DONE))).order_by(WorkOrder.id)))
    for order in orders:
        if order.status in OPEN_STATES:
            found[order.device_id].append(_open_order_hold(order))
    done = sorted((o for o in orders if o.status == WorkStatus.DONE),  # unfinished times first, as SQLite sorts
                  key=lambda o: (o.finished_at is not None, o.finished_at or o.opened_at, o.id))
    for device_id, order in _failed_inspections(done).items():
        failed = [item for item, result in order.checklist.items() if result == "fail"]
        found[device_id].append(Hold(
            FAILED_INSPECTION, f"inspection:{order.id}",
            _l("Its last inspection failed (%(items)s) and no repair has been finished since.",
               items=", ".join(failed)), order.finished_at,
            step=("maintenance.device_work", {"tag": order.device.tag}), step_label=_l("Start an inspection"),
            step_method="post"))
    for due in due_of(devices, service_orders=_service_orders(orders)):
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
