"""Preventive service: each type's interval in days or in loans, whichever comes first.

A device in stock (available or reserved) or on loan is due an inspection when the days
since its last inspection reach the type's interval, or the loans since then reach the
type's number. A device on loan is inspected at the home, at its next follow-up visit.

The due list is worked out from plain rows (no ORM objects) so that it stays fast on tens
of thousands of devices; only the devices of the page asked for are loaded
(``bench/maintenance.py`` measures it).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select

from core.db import db, utcnow
from devices.models import Device, DeviceStatus, DeviceType
from lending.services import loans
from maintenance.models import OPEN_STATES, ServiceState, WorkOrder, WorkStatus
from maintenance.services.orders import SERVICE_KINDS

SERVED = (DeviceStatus.AVAILABLE, DeviceStatus.RESERVED, DeviceStatus.ON_LOAN)


@dataclass
class ServiceDue:
    device_id: int
    last_service_at: dt.datetime | None   # None: never inspected (counted from acquisition)
    due_at: dt.datetime | None            # by days; None when the type counts loans only
    loans_since: int
    by_days: bool
    by_loans: bool
    next_visit_on: dt.date | None         # on loan: inspect at this follow-up visit
    open_order_id: int | None             # an inspection already opened
    device: Device | None = None          # loaded for the rows that are shown

    @property
    def on_loan(self) -> bool:
        return self.device is not None and self.device.status == DeviceStatus.ON_LOAN


@dataclass
class DueList:
    total: int
    items: list[ServiceDue]


def _grouped(query, ids) -> dict:
    if ids is not None:
        query = query.where(WorkOrder.device_id.in_(ids))
    return dict(db.session.execute(query.group_by(WorkOrder.device_id)).all())


def count_due(now: dt.datetime | None = None) -> int:
    """How many devices ``service_due`` lists (the dashboard's figure): one count over the index of
    the maintained service states (service_states.py), whatever the size of the fleet."""
    now = now or utcnow()
    return db.session.scalar(select(func.count()).select_from(ServiceState)
                             .where(ServiceState.served.is_(True), ServiceState.due_from <= now)) or 0


def service_due(now: dt.datetime | None = None, type_code: str = "", devices=None, *, offset: int = 0,
                limit: int | None = None) -> DueList:
    """Devices in stock or on loan due an inspection, the longest overdue first.

    ``devices`` limits the answer to those (loaded) devices, e.g. the ones on a visit list or
    a scan page: two indexed reads whatever the size of the fleet (:func:`due_of`); the whole
    fleet's list reads the maintained service states (service_states.py);
    ``offset`` and ``limit`` choose the page whose devices are loaded.
    """
    now = now or utcnow()
    if devices is not None:
        due = due_of(list(devices), now)
        return DueList(len(due), due[offset:None if limit is None else offset + limit])
    return _due_from_states(now, type_code, offset, limit)


def _due_from_states(now: dt.datetime, type_code: str, offset: int, limit: int | None) -> DueList:
    """The due list read from the maintained states (service_states.py): the longest due first
    (since the day due by days, or the delivery that reached the type's loans), then by tag."""
    query = select(ServiceState).where(ServiceState.served.is_(True), ServiceState.due_from <= now)
    if type_code:
        query = query.where(ServiceState.type_id == select(DeviceType.id).where(DeviceType.code == type_code)
                            .scalar_subquery())
    total = db.session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
    rows = db.session.scalars(query.order_by(ServiceState.due_from, ServiceState.tag).offset(offset).limit(limit))
    page = [ServiceDue(row.device_id, row.last_service_at, row.due_at, row.loans_since,
                       row.due_at is not None and row.due_at <= now, row.due_by_loans, None, None) for row in rows]
    return DueList(total, _with_devices(page))


def _with_devices(page: list[ServiceDue]) -> list[ServiceDue]:
    """Load what the shown rows need: the device, an inspection already open, the next visit."""
    if page:
        page_ids = [item.device_id for item in page]
        loaded = {d.id: d for d in db.session.scalars(select(Device).where(Device.id.in_(page_ids)))}
        opened = _grouped(select(WorkOrder.device_id, func.min(WorkOrder.id))
                          .where(WorkOrder.kind.in_(SERVICE_KINDS), WorkOrder.status.in_(OPEN_STATES)), page_ids)
        visits = loans.next_visits(page_ids)
        for item in page:
            item.device, item.open_order_id = loaded[item.device_id], opened.get(item.device_id)
            item.next_visit_on = visits.get(item.device_id)
    return page


def _reckon(device_id: int, acquired_on: dt.date | None, created_at: dt.datetime, days: int | None,
            loan_limit: int | None, last: dt.datetime | None, deliveries, now: dt.datetime) -> ServiceDue | None:
    """One device's standing: due (by days, by loans or both) or None."""
    since = last or (dt.datetime.combine(acquired_on, dt.time(), tzinfo=dt.UTC) if acquired_on else created_at)
    due_at = since + dt.timedelta(days=days) if days else None
    loans_since = sum(1 for at in deliveries if at > since)
    by_days = due_at is not None and due_at <= now
    by_loans = bool(loan_limit) and loans_since >= loan_limit
    if not (by_days or by_loans):
        return None
    return ServiceDue(device_id, last, due_at, loans_since, by_days, by_loans, None, None)


def due_of(devices: list[Device], now: dt.datetime | None = None,
           service_orders: dict[int, tuple[dt.datetime | None, int | None]] | None = None) -> list[ServiceDue]:
    """The loaded ``devices`` that are due, the longest overdue first: one read of their service
    orders (the last inspection finished and the first one open, unless the caller read them
    already: ``service_orders``) and one of their loans, each by device."""
    now = now or utcnow()
    served = [d for d in devices if d.status in SERVED
              and (d.type.service_interval_days or d.type.service_interval_loans)]
    if not served:
        return []
    ids = [d.id for d in served]
    if service_orders is None:
        service_orders = {device_id: (last, opened) for device_id, last, opened in db.session.execute(
            select(WorkOrder.device_id,
                   func.max(case((WorkOrder.status == WorkStatus.DONE, WorkOrder.finished_at))),
                   func.min(case((WorkOrder.status.in_(OPEN_STATES), WorkOrder.id))))
            .where(WorkOrder.device_id.in_(ids), WorkOrder.kind.in_(SERVICE_KINDS)).group_by(WorkOrder.device_id))}
    times = loans.loan_times(ids)
    due = []
    for device in served:
        last, opened = service_orders.get(device.id, (None, None))
        deliveries, next_visit = times.get(device.id, ((), None))
        item = _reckon(device.id, device.acquired_on, device.created_at, device.type.service_interval_days,
                       device.type.service_interval_loans, last, deliveries, now)
        if item is not None:
            item.device, item.open_order_id, item.next_visit_on = device, opened, next_visit
            due.append(item)
    due.sort(key=lambda item: (item.due_at or now, item.device.tag))
    return due


def service_due_for(device: Device, now: dt.datetime | None = None) -> ServiceDue | None:
    """Is this one device due an inspection (for its scan page)? Two indexed reads, none for a
    device out of service or of a type without a service interval."""
    found = due_of([device], now)
    return found[0] if found else None
