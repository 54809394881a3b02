"""The maintained service states (``ServiceState``): when each device falls due for its
preventive inspection, so that the due list reads an index rather than every device's history.

A device's state is worked out from its record (type, status, acquisition), its finished
inspections and repairs and its loans, by the same rules as ``preventive.service_due`` and the
failed-inspection hold (``holds``). It is refreshed in the
flush that changes any of these (a session hook, so no service can forget it; a status set by the
lifecycle's conditional UPDATE through the ``device-status-changed`` signal) and can be rebuilt
from scratch with ``rebuild`` (``flask maintenance rebuild-service-states``; a test compares the
two after a run of lifecycle steps).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, event, insert, inspect, select
from sqlalchemy.orm import Session

from core.db import db
from devices.models import Device, DeviceStatus, DeviceType
from lending.models import Loan
from maintenance.models import ServiceState, WorkKind, WorkOrder, WorkStatus
from maintenance.services.orders import SERVICE_KINDS

SERVED = (DeviceStatus.AVAILABLE, DeviceStatus.RESERVED, DeviceStatus.ON_LOAN)
BATCH = 500
_DEVICE_FIELDS = ("status", "acquired_on", "type_id", "tag")
_TYPE_FIELDS = ("service_interval_days", "service_interval_loans")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def compute(connection, device_ids: list[int] | None = None) -> list[dict]:
    """The states of these devices (or of all), as rows of ``service_states``."""
    types = {type_id: (days, loans) for type_id, days, loans in connection.execute(
        select(DeviceType.id, DeviceType.service_interval_days, DeviceType.service_interval_loans))}
    devices = select(Device.id, Device.type_id, Device.tag, Device.status, Device.acquired_on, Device.created_at)
    done = (select(WorkOrder.device_id, WorkOrder.kind, WorkOrder.finished_at, WorkOrder.checklist)
            .where(WorkOrder.kind.in_((*SERVICE_KINDS, WorkKind.REPAIR)), WorkOrder.status == WorkStatus.DONE)
            .order_by(WorkOrder.finished_at, WorkOrder.id))
    deliveries = select(Loan.device_id, Loan.delivered_at)
    if device_ids is not None:
        devices = devices.where(Device.id.in_(device_ids))
        done = done.where(WorkOrder.device_id.in_(device_ids))
        deliveries = deliveries.where(Loan.device_id.in_(device_ids))
    last_service: dict[int, dt.datetime] = {}
    failed: dict[int, bool] = {}
    for device_id, kind, finished_at, checklist in connection.execute(done):
        if kind == WorkKind.REPAIR:           # a repair finished after a failed inspection clears it
            failed[device_id] = False
        else:
            last_service[device_id] = finished_at
            failed[device_id] = "fail" in (checklist or {}).values()
    delivered: dict[int, list[dt.datetime]] = {}
    for device_id, at in connection.execute(deliveries):
        delivered.setdefault(device_id, []).append(at)
    rows = []
    for device_id, type_id, tag, status, acquired_on, created_at in connection.execute(devices):
        days, loan_limit = types[type_id]
        last_at = last_service.get(device_id)
        since = last_at or (_midnight(acquired_on) if acquired_on else created_at)
        due_at = since + dt.timedelta(days=days) if days else None
        after = sorted(at for at in delivered.get(device_id, ()) if at > since)
        by_loans = bool(loan_limit) and len(after) >= loan_limit
        reached = after[loan_limit - 1] if by_loans else None
        rows.append({"device_id": device_id, "type_id": type_id, "tag": tag, "served": status in SERVED,
                     "last_service_at": last_at, "loans_since": len(after), "due_at": due_at,
                     "due_by_loans": by_loans, "inspection_failed": failed.get(device_id, False),
                     "due_from": min((t for t in (due_at, reached) if t is not None), default=None)})
    return rows


def refresh(connection, device_ids: Iterable[int]) -> None:
    """Work these devices' states out again and store them."""
    ids = sorted(set(device_ids))
    table = ServiceState.__table__
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        rows = compute(connection, batch)
        connection.execute(delete(table).where(table.c.device_id.in_(batch)))
        if rows:
            connection.execute(insert(table), rows)


def rebuild(connection) -> int:
    """Every device's state from scratch (after a bulk load, or to check the maintained ones)."""
    table = ServiceState.__table__
    connection.execute(delete(table))
    rows = compute(connection)
    for start in range(0, len(rows), 5000):
        connection.execute(insert(table), rows[start:start + 5000])
    return len(rows)


def _changed(obj, names: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _counts_for_service(obj, is_new: bool) -> bool:
    """An inspection or a repair, or a delivery: what the due day and a failed inspection are
    worked out from."""
    if isinstance(obj, WorkOrder):
        return obj.kind in (*SERVICE_KINDS, WorkKind.REPAIR) and obj.device_id is not None
    return isinstance(obj, Loan) and obj.device_id is not None and (
        is_new or _changed(obj, ("delivered_at", "device_id")))


def _touched(session: Session) -> set[int]:
    """The devices whose state the objects of this flush may change."""
    ids: set[int] = set()
    types: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        is_new = obj in session.new or obj in session.deleted
        if isinstance(obj, Device) and (is_new or _changed(obj, _DEVICE_FIELDS)):
            ids.add(obj.id)
        elif _counts_for_service(obj, is_new):
            ids.add(obj.device_id)
        elif isinstance(obj, DeviceType) and obj.id is not None and not is_new and _changed(obj, _TYPE_FIELDS):
            types.add(obj.id)
    if types:
        ids.update(session.connection().scalars(select(Device.id).where(Device.type_id.in_(types))))
    ids.discard(None)
    return ids


def _after_flush(session: Session, _context) -> None:
    ids = _touched(session)
    if ids:
        refresh(session.connection(), ids)


def on_status_changed(device, **_kw) -> None:
    """A status set by the lifecycle's conditional UPDATE (devices.services.set_status), which
    the session's flush does not see."""
    refresh(db.session.connection(), [device.id])


def connect() -> None:
    """Keep the states in every session's flushes (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
