"""What keeping devices in service costs: per device, and per type (MTBF, turnaround).

Downtime is time out of service for maintenance: from the moment a work order opened (on
return, that is the return itself) until the device was back in stock. Orders done at a
home while the device stayed on loan cost no downtime.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from statistics import mean, median
from typing import NamedTuple

from sqlalchemy import case, func, select

from core.db import db, utcnow
from devices.models import Device, DeviceStatus, DeviceType
from maintenance.models import (OPEN_STATES, DecisionStatus, RetirementRequest, UpkeepState, UpkeepTurnaround,
                                WorkKind, WorkOrder, WorkOrderPart, WorkStatus)

DAY = 86400.0
DOWN = (DeviceStatus.RETURNED, DeviceStatus.IN_MAINTENANCE)


class _Order(NamedTuple):
    """The columns of a work order that the figures need (no ORM object: a fleet has many)."""
    kind: WorkKind
    status: WorkStatus
    source: str
    opened_at: dt.datetime
    ready_at: dt.datetime | None
    labour_hours: float
    labour_rate_satang: int
    other_cost_satang: int
    parts_satang: int

    @property
    def total_satang(self) -> int:  # as WorkOrder.total_satang
        return self.parts_satang + round(self.labour_hours * self.labour_rate_satang) + self.other_cost_satang


def _union_days(intervals) -> float:
    """Total length in days of possibly overlapping intervals."""
    total, end_so_far = 0.0, None
    for start, end in sorted(intervals):
        if end_so_far is not None and start < end_so_far:
            if end > end_so_far:
                total += (end - end_so_far).total_seconds()
                end_so_far = end
            continue
        total += (end - start).total_seconds()
        end_so_far = end
    return total / DAY


def _down_intervals(orders, device_status: DeviceStatus, now: dt.datetime):
    for order in orders:
        if order.ready_at is not None:
            yield order.opened_at, max(order.ready_at, order.opened_at)
        elif order.status in OPEN_STATES and device_status in DOWN:
            yield order.opened_at, now


def device_figures(device: Device, now: dt.datetime | None = None) -> dict:
    """Lifetime repair cost, days out of service, finished orders and repairs of one device."""
    now = now or utcnow()
    orders = list(db.session.scalars(select(WorkOrder).where(WorkOrder.device_id == device.id)))
    done = [o for o in orders if o.status == WorkStatus.DONE]
    return {"orders": len(done),
            "repairs": sum(1 for o in orders if o.kind == WorkKind.REPAIR and o.status != WorkStatus.CANCELLED),
            "repair_cost_satang": sum(o.total_satang for o in done),
            "downtime_days": round(_union_days(_down_intervals(orders, device.status, now)), 1),
            "in_maintenance_now": device.status in DOWN}


def type_figures(now: dt.datetime | None = None) -> list[dict]:
    """Per device type: devices, repairs, mean time between failures, turnaround and cost, summed
    in SQL from the maintained upkeep states (upkeep_states.py) by the rules of
    ``type_figures_from_history``, which works them out from every work order (the tests compare)."""
    now = now or utcnow()
    now_s = now.timestamp()
    types = list(db.session.scalars(select(DeviceType).order_by(DeviceType.code)))
    devices: dict[int, int] = defaultdict(int)
    retired: dict[int, int] = defaultdict(int)
    for type_id, status, count in db.session.execute(
            select(Device.type_id, Device.status, func.count()).group_by(Device.type_id, Device.status)):
        devices[type_id] += count
        retired[type_id] += count if status in (DeviceStatus.RETIRED, DeviceStatus.LOST) else 0
    state = UpkeepState
    open_part = case((state.open_since_s.is_(None), 0.0), else_=now_s - state.open_since_s)
    service = func.coalesce(state.end_s, now_s) - state.start_s - state.down_fixed_s - open_part
    sums = {row[0]: row[1:] for row in db.session.execute(
        select(state.type_id, func.sum(case((service > 0, service), else_=0.0)),
               func.sum(state.down_fixed_s + open_part), func.sum(state.repairs), func.sum(state.cost_satang))
        .group_by(state.type_id))}
    turned = {row[0]: row[1:] for row in db.session.execute(
        select(UpkeepTurnaround.type_id, func.count(), func.avg(UpkeepTurnaround.days))
        .group_by(UpkeepTurnaround.type_id))}
    figures = []
    for t in types:
        service_s, down_s, repairs, cost = sums.get(t.id, (0.0, 0.0, 0, 0))
        count, mean_days = turned.get(t.id, (0, None))
        repairs = repairs or 0
        figures.append({
            "type_code": t.code, "type_name_th": t.name_th, "type_name_en": t.name_en,
            "devices": devices[t.id], "out_of_service": retired[t.id], "repairs": repairs,
            "mtbf_days": round((service_s or 0.0) / DAY / repairs, 1) if repairs else None,
            "returns_turned_around": count,
            "turnaround_mean_days": round(mean_days, 1) if count else None,
            "turnaround_median_days": round(_median_turnaround(t.id, count), 1) if count else None,
            "downtime_days": round((down_s or 0.0) / DAY, 1),
            "repair_cost_satang": cost or 0,
        })
    return figures


def _median_turnaround(type_id: int, count: int) -> float:
    # The middle one or two, read from the index on (type, days).
    middle = list(db.session.scalars(select(UpkeepTurnaround.days).where(UpkeepTurnaround.type_id == type_id)
                                     .order_by(UpkeepTurnaround.days).offset((count - 1) // 2)
                                     .limit(1 if count % 2 else 2)))
    return sum(middle) / len(middle)


def type_figures_from_history(now: dt.datetime | None = None) -> list[dict]:
    """Per device type, worked out from every work order of the fleet (slow on a large one; the
    reference ``type_figures`` is checked against).

    MTBF is the devices' days in service (from acquisition, or registration, until now or
    retirement, less downtime) divided by the repairs opened. Turnaround is the time from
    a return until the device was back in stock. Worked out from plain rows, with the
    parts' cost summed in the database, so that it stays fast on a large fleet.
    """
    now = now or utcnow()
    types = list(db.session.scalars(select(DeviceType).order_by(DeviceType.code)))
    retired_at = dict(db.session.execute(
        select(RetirementRequest.device_id, RetirementRequest.decided_at)
        .where(RetirementRequest.status == DecisionStatus.APPROVED)).all())
    parts = (select(WorkOrderPart.work_order_id,
                    func.sum(WorkOrderPart.quantity * WorkOrderPart.unit_cost_satang).label("cost"))
             .group_by(WorkOrderPart.work_order_id).subquery())
    orders_by_device: dict[int, list[_Order]] = defaultdict(list)
    for row in db.session.execute(
            select(WorkOrder.device_id, WorkOrder.kind, WorkOrder.status, WorkOrder.source, WorkOrder.opened_at,
                   WorkOrder.ready_at, WorkOrder.labour_hours, WorkOrder.labour_rate_satang,
                   WorkOrder.other_cost_satang, func.coalesce(parts.c.cost, 0))
            .outerjoin(parts, parts.c.work_order_id == WorkOrder.id)):
        orders_by_device[row[0]].append(_Order(*row[1:]))

    per_type: dict[int, dict] = {t.id: {"service_days": 0.0, "down_days": 0.0, "devices": 0, "repairs": 0,
                                        "cost": 0, "turnarounds": [], "out_of_service": 0} for t in types}
    for device_id, type_id, status, acquired_on, created_at in db.session.execute(
            select(Device.id, Device.type_id, Device.status, Device.acquired_on, Device.created_at)):
        row = per_type[type_id]
        row["devices"] += 1
        start = dt.datetime.combine(acquired_on, dt.time(), tzinfo=dt.UTC) if acquired_on else created_at
        end = retired_at.get(device_id) or now
        orders = orders_by_device.get(device_id, [])
        down = _union_days(_down_intervals(orders, status, now))
        row["service_days"] += max((end - start).total_seconds() / DAY - down, 0.0)
        row["down_days"] += down
        row["out_of_service"] += status in (DeviceStatus.RETIRED, DeviceStatus.LOST)
        for order in orders:
            if order.kind == WorkKind.REPAIR and order.status != WorkStatus.CANCELLED:
                row["repairs"] += 1
            if order.status == WorkStatus.DONE:
                row["cost"] += order.total_satang
            if order.kind == WorkKind.CLEANING and order.source == "return" and order.ready_at is not None:
                row["turnarounds"].append((order.ready_at - order.opened_at).total_seconds() / DAY)

    figures = []
    for t in types:
        row = per_type[t.id]
        turnarounds = row["turnarounds"]
        figures.append({
            "type_code": t.code, "type_name_th": t.name_th, "type_name_en": t.name_en,
            "devices": row["devices"], "out_of_service": row["out_of_service"], "repairs": row["repairs"],
            "mtbf_days": round(row["service_days"] / row["repairs"], 1) if row["repairs"] else None,
            "returns_turned_around": len(turnarounds),
            "turnaround_mean_days": round(mean(turnarounds), 1) if turnarounds else None,
            "turnaround_median_days": round(median(turnarounds), 1) if turnarounds else None,
            "downtime_days": round(row["down_days"], 1),
            "repair_cost_satang": row["cost"],
        })
    return figures
