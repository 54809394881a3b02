"""The maintained upkeep states (``UpkeepState``, ``UpkeepTurnaround``): what each device adds to
its type's figures (maintenance/services/figures.py), so that the figures sum a row per device
in SQL instead of walking every work order of the fleet.

A device's row is worked out from its record, its work orders (with their parts) and an approved
retirement, by the rules of ``figures.device_figures``. It is refreshed in the flush that changes
any of these (a session hook) and on a lifecycle status change (the ``device-status-changed``
signal), and can be rebuilt from scratch with ``rebuild`` (a test compares the two).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from core.db import db
from devices.models import Device, DeviceStatus
from maintenance.models import (OPEN_STATES, DecisionStatus, RetirementRequest, UpkeepState, UpkeepTurnaround,
                                WorkKind, WorkOrder, WorkOrderPart, WorkStatus)

DOWN = (DeviceStatus.RETURNED, DeviceStatus.IN_MAINTENANCE)
DAY = 86400.0
BATCH = 500
_DEVICE_FIELDS = ("acquired_on", "type_id", "created_at")


def _union_seconds(intervals) -> float:
    total, end_so_far = 0.0, None
    for start, end in sorted(intervals):
        if end_so_far is not None and start < end_so_far:
            if end > end_so_far:
                total += (end - end_so_far).total_seconds()
                end_so_far = end
            continue
        total += (end - start).total_seconds()
        end_so_far = end
    return total


def _device_row(device, orders, retired_at, parts) -> tuple[dict, list[dict]]:
    device_id, type_id, status, acquired_on, created_at = device
    start = dt.datetime.combine(acquired_on, dt.time(), tzinfo=dt.UTC) if acquired_on else created_at
    closed = [(o.opened_at, max(o.ready_at, o.opened_at)) for o in orders if o.ready_at is not None]
    still_open = [o.opened_at for o in orders if o.ready_at is None and o.status in OPEN_STATES] \
        if status in DOWN else []
    open_since = min(still_open) if still_open else None
    down_fixed = _union_seconds(closed)
    if open_since is not None:  # the part of the closed downtime the open interval covers too
        down_fixed -= _union_seconds([(max(s, open_since), e) for s, e in closed if e > open_since])
    cost = sum(parts.get(o.id, 0) + round(o.labour_hours * o.labour_rate_satang) + o.other_cost_satang
               for o in orders if o.status == WorkStatus.DONE)
    row = {"device_id": device_id, "type_id": type_id, "start_s": start.timestamp(),
           "end_s": retired_at.timestamp() if retired_at else None, "down_fixed_s": down_fixed,
           "open_since_s": open_since.timestamp() if open_since else None,
           "repairs": sum(1 for o in orders if o.kind == WorkKind.REPAIR and o.status != WorkStatus.CANCELLED),
           "cost_satang": cost}
    turnarounds = [{"work_order_id": o.id, "device_id": device_id, "type_id": type_id,
                    "days": (o.ready_at - o.opened_at).total_seconds() / DAY}
                   for o in orders if o.kind == WorkKind.CLEANING and o.source == "return" and o.ready_at is not None]
    return row, turnarounds


def compute(connection, device_ids: list[int] | None = None) -> tuple[list[dict], list[dict]]:
    """The rows of these devices (or of all): their states, and their returns turned around."""
    devices = select(Device.id, Device.type_id, Device.status, Device.acquired_on, Device.created_at)
    orders = select(WorkOrder.id, WorkOrder.device_id, WorkOrder.kind, WorkOrder.status, WorkOrder.source,
                    WorkOrder.opened_at, WorkOrder.ready_at, WorkOrder.labour_hours, WorkOrder.labour_rate_satang,
                    WorkOrder.other_cost_satang)
    retired = select(RetirementRequest.device_id, RetirementRequest.decided_at).where(
        RetirementRequest.status == DecisionStatus.APPROVED)
    parts = (select(WorkOrderPart.work_order_id, func.sum(WorkOrderPart.quantity * WorkOrderPart.unit_cost_satang))
             .group_by(WorkOrderPart.work_order_id))
    if device_ids is not None:
        devices = devices.where(Device.id.in_(device_ids))
        orders = orders.where(WorkOrder.device_id.in_(device_ids))
        retired = retired.where(RetirementRequest.device_id.in_(device_ids))
        parts = parts.where(WorkOrderPart.work_order_id.in_(
            select(WorkOrder.id).where(WorkOrder.device_id.in_(device_ids))))
    by_device: dict[int, list] = {}
    for order in connection.execute(orders):
        by_device.setdefault(order.device_id, []).append(order)
    retired_at = dict(connection.execute(retired).all())
    cost_of_parts = dict(connection.execute(parts).all())
    states, turnarounds = [], []
    for device in connection.execute(devices):
        row, turned = _device_row(device, by_device.get(device[0], []), retired_at.get(device[0]), cost_of_parts)
        states.append(row)
        turnarounds += turned
    return states, turnarounds


def _store(connection, states: list[dict], turnarounds: list[dict]) -> None:
    for table, rows in ((UpkeepState.__table__, states), (UpkeepTurnaround.__table__, turnarounds)):
        for start in range(0, len(rows), 5000):
            connection.execute(insert(table), rows[start:start + 5000])


def refresh(connection, device_ids: Iterable[int]) -> None:
    """Work these devices' rows out again and store them."""
    ids = sorted(set(device_ids))
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        states, turnarounds = compute(connection, batch)
        connection.execute(delete(UpkeepTurnaround.__table__).where(UpkeepTurnaround.device_id.in_(batch)))
        connection.execute(delete(UpkeepState.__table__).where(UpkeepState.device_id.in_(batch)))
        _store(connection, states, turnarounds)


def rebuild(connection) -> int:
    """Every device's rows from scratch (after a bulk load, or to check the maintained ones)."""
    connection.execute(delete(UpkeepTurnaround.__table__))
    connection.execute(delete(UpkeepState.__table__))
    states, turnarounds = compute(connection)
    _store(connection, states, turnarounds)
    return len(states)


def _touched(session: Session) -> set[int]:
    ids: set[int] = set()
    order_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Device):
            if obj in session.new or any(inspect(obj).attrs[f].history.has_changes() for f in _DEVICE_FIELDS):
                ids.add(obj.id)
        elif isinstance(obj, (WorkOrder, RetirementRequest)):
            ids.add(obj.device_id)
        elif isinstance(obj, WorkOrderPart):
            order_ids.add(obj.work_order_id)
    if order_ids:
        ids.update(session.connection().scalars(select(WorkOrder.device_id).where(WorkOrder.id.in_(order_ids))))
    ids.discard(None)
    return ids


def _after_flush(session: Session, _context) -> None:
    ids = _touched(session)
    if ids:
        refresh(session.connection(), ids)


def on_status_changed(device, **_kw) -> None:
    """A status set by the lifecycle's conditional UPDATE, which the flush does not see."""
    refresh(db.session.connection(), [device.id])


def connect() -> None:
    """Keep the rows in every session's flushes (once per process)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
