"""Preventive service: each type's interval in days or in loans, whichever comes first.

A device in stock (available or reserved) or on loan is due an inspection when the days
since its last inspection reach the type's interval, or the loans since then reach the
type's number. A device on loan is inspected at the home, at its next follow-up visit.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from core.db import db, utcnow
from devices.models import Device, DeviceStatus, DeviceType
from lending.services import loans
from maintenance.models import OPEN_STATES, WorkOrder, WorkStatus
from maintenance.services.orders import SERVICE_KINDS

SERVED = (DeviceStatus.AVAILABLE, DeviceStatus.RESERVED, DeviceStatus.ON_LOAN)


@dataclass(frozen=True)
class ServiceDue:
    device: Device
    last_service_at: dt.datetime | None   # None: never inspected (counted from acquisition)
    due_at: dt.datetime | None            # by days; None when the type counts loans only
    loans_since: int
    by_days: bool
    by_loans: bool
    next_visit_on: dt.date | None         # on loan: inspect at this follow-up visit
    open_order_id: int | None             # an inspection already opened

    @property
    def on_loan(self) -> bool:
        return self.device.status == DeviceStatus.ON_LOAN


def _baseline(device: Device) -> dt.datetime:
    if device.acquired_on:
        return dt.datetime.combine(device.acquired_on, dt.time(), tzinfo=dt.UTC)
    return device.created_at


def _evaluate(device: Device, last: dt.datetime | None, deliveries, now: dt.datetime, **extra) -> ServiceDue | None:
    device_type = device.type
    since = last or _baseline(device)
    due_at = since + dt.timedelta(days=device_type.service_interval_days) if device_type.service_interval_days \
        else None
    loans_since = sum(1 for at in deliveries if at > since)
    by_days = due_at is not None and due_at <= now
    by_loans = bool(device_type.service_interval_loans) and loans_since >= device_type.service_interval_loans
    if not (by_days or by_loans):
        return None
    return ServiceDue(device=device, last_service_at=last, due_at=due_at, loans_since=loans_since,
                      by_days=by_days, by_loans=by_loans, **extra)


def _last_services(device_ids=None) -> dict[int, dt.datetime]:
    query = (select(WorkOrder.device_id, func.max(WorkOrder.finished_at))
             .where(WorkOrder.kind.in_(SERVICE_KINDS), WorkOrder.status == WorkStatus.DONE)
             .group_by(WorkOrder.device_id))
    if device_ids is not None:
        query = query.where(WorkOrder.device_id.in_(list(device_ids)))
    return dict(db.session.execute(query).all())


def _open_services(device_ids=None) -> dict[int, int]:
    query = (select(WorkOrder.device_id, func.min(WorkOrder.id))
             .where(WorkOrder.kind.in_(SERVICE_KINDS), WorkOrder.status.in_(OPEN_STATES))
             .group_by(WorkOrder.device_id))
    if device_ids is not None:
        query = query.where(WorkOrder.device_id.in_(list(device_ids)))
    return dict(db.session.execute(query).all())


def service_due(now: dt.datetime | None = None, type_code: str = "", devices=None) -> list[ServiceDue]:
    """Every device in stock or on loan that is due an inspection, the longest overdue first.

    ``devices`` limits the answer to those devices (e.g. the ones on a visit list).
    """
    now = now or utcnow()
    query = (select(Device).join(Device.type)
             .where(Device.status.in_(SERVED),
                    or_(DeviceType.service_interval_days.is_not(None), DeviceType.service_interval_loans.is_not(None))))
    if type_code:
        query = query.where(DeviceType.code == type_code)
    ids = None
    if devices is not None:
        ids = [device.id for device in devices]
        query = query.where(Device.id.in_(ids))
    candidates = list(db.session.scalars(query))
    if not candidates:
        return []
    last, opened = _last_services(ids), _open_services(ids)
    deliveries, visits = loans.delivery_times(ids), loans.next_visits(ids)
    due = [found for device in candidates
           if (found := _evaluate(device, last.get(device.id), deliveries.get(device.id, ()), now,
                                  next_visit_on=visits.get(device.id), open_order_id=opened.get(device.id)))]
    return sorted(due, key=lambda d: (d.due_at or now, d.device.tag))


def service_due_for(device: Device, now: dt.datetime | None = None) -> ServiceDue | None:
    """Is this one device due an inspection (for its scan page)?"""
    found = service_due(now, devices=[device])
    return found[0] if found else None
