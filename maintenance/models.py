"""Work orders: cleaning between users, inspection, repair and preventive service."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, enum_column, utcnow
from core.users import User
from devices.models import Device


class WorkKind(enum.StrEnum):
    CLEANING = "cleaning"
    INSPECTION = "inspection"
    REPAIR = "repair"
    PREVENTIVE = "preventive"


class WorkStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING_PARTS = "waiting_parts"
    COST_APPROVAL = "cost_approval"   # finished, its costs wait for a supervisor before any money moves
    DONE = "done"
    CANCELLED = "cancelled"


# The states a technician works in.
WORKING_STATES = (WorkStatus.OPEN, WorkStatus.IN_PROGRESS, WorkStatus.WAITING_PARTS)
# Not finished: the order holds its device out of service (waiting for cost approval too).
OPEN_STATES = (*WORKING_STATES, WorkStatus.COST_APPROVAL)

# Used when a device type has no checklist of its own.
DEFAULT_CLEANING = ("ล้างคราบสกปรกด้วยน้ำผสมผงซักฟอก", "เช็ดน้ำยาฆ่าเชื้อทุกจุดที่ผู้ใช้สัมผัส",
                    "ทิ้งให้น้ำยาเปียกตามเวลาสัมผัสที่กำหนด", "เช็ดให้แห้งและคลุมหรือบรรจุถุง")
DEFAULT_INSPECTION = ("โครงและรอยเชื่อม", "ชิ้นส่วนที่เคลื่อนไหวและตัวล็อก", "พื้นผิวที่ผู้ใช้สัมผัส")


class WorkOrder(db.Model):
    __tablename__ = "work_orders"
    __table_args__ = (
        # A device has at most one open cleaning order (the cleaning gate).
        Index("uq_work_orders_one_open_cleaning", "device_id", unique=True,
              sqlite_where=text("kind = 'cleaning' AND status IN ('open', 'in_progress', 'waiting_parts')"),
              postgresql_where=text("kind = 'cleaning' AND status IN ('open', 'in_progress', 'waiting_parts')")),
        CheckConstraint("labour_hours >= 0 AND other_cost_satang >= 0 AND labour_rate_satang >= 0",
                        name="costs_not_negative"),
        CheckConstraint("estimate_satang IS NULL OR estimate_satang >= 0", name="estimate_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    kind: Mapped[WorkKind] = enum_column(WorkKind)
    status: Mapped[WorkStatus] = enum_column(WorkStatus, default=WorkStatus.OPEN, index=True)
    source: Mapped[str] = mapped_column(String(20), default="manual")  # return, problem, inspection, manual
    problem_report_id: Mapped[int | None] = mapped_column(ForeignKey("problem_reports.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    checklist: Mapped[dict] = mapped_column(JSON, default=dict)     # item -> "pass" | "fail"
    labour_hours: Mapped[float] = mapped_column(Float, default=0)
    labour_rate_satang: Mapped[int] = mapped_column(Integer, default=0)
    other_cost_satang: Mapped[int] = mapped_column(Integer, default=0)
    spending_id: Mapped[int | None] = mapped_column(ForeignKey("spendings.id"), index=True)
    # A repair's estimated cost, set before the work: past 60% of the type's new price the
    # system suggests retiring instead.
    estimate_satang: Mapped[int | None] = mapped_column(Integer)
    # When the device went back in stock after this order (the end of its downtime).
    ready_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The last decision on costs that waited for approval: who, when, approved or not, and why not.
    costs_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    costs_decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    costs_approved: Mapped[bool | None] = mapped_column(Boolean)
    costs_decision_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    device: Mapped[Device] = relationship(lazy="joined", innerjoin=True)
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    costs_decided_by: Mapped[User | None] = relationship(foreign_keys=[costs_decided_by_id])
    parts: Mapped[list[WorkOrderPart]] = relationship(back_populates="work_order", order_by="WorkOrderPart.id",
                                                      cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def is_workable(self) -> bool:
        """A technician may still change it (its costs are not waiting for a supervisor)."""
        return self.status in WORKING_STATES

    @property
    def parts_satang(self) -> int:
        return sum(p.quantity * p.unit_cost_satang for p in self.parts)

    @property
    def total_satang(self) -> int:
        return self.parts_satang + round(self.labour_hours * self.labour_rate_satang) + self.other_cost_satang


class WorkOrderPart(db.Model):
    __tablename__ = "work_order_parts"
    __table_args__ = (CheckConstraint("quantity > 0 AND unit_cost_satang >= 0", name="part_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_cost_satang: Mapped[int] = mapped_column(Integer)

    work_order: Mapped[WorkOrder] = relationship(back_populates="parts")


class RetirementKind(enum.StrEnum):
    RETIRE = "retire"
    LOST = "lost"


class DecisionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RetirementRequest(db.Model):
    """A request to retire a device, or to record it lost; a supervisor decides."""

    __tablename__ = "retirement_requests"
    __table_args__ = (
        # One undecided request per device.
        Index("uq_retirement_requests_one_pending", "device_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    kind: Mapped[RetirementKind] = enum_column(RetirementKind)
    status: Mapped[DecisionStatus] = enum_column(DecisionStatus, default=DecisionStatus.PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"))
    estimate_satang: Mapped[int | None] = mapped_column(Integer)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")

    device: Mapped[Device] = relationship(lazy="joined", innerjoin=True)
    work_order: Mapped[WorkOrder | None] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ServiceState(db.Model):
    """When each device falls due for its preventive inspection: kept up to date in the flush that
    changes what it is worked out from (maintenance/services/service_states.py), so that the due
    list reads an index instead of every device's history."""

    __tablename__ = "service_states"
    __table_args__ = (
        Index("ix_service_states_due", "served", "due_from", "tag"),
        Index("ix_service_states_type_due", "type_id", "served", "due_from", "tag"),
    )

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("device_types.id"))
    tag: Mapped[str] = mapped_column(String(32))
    served: Mapped[bool] = mapped_column(Boolean)                  # in stock or on loan
    last_service_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    loans_since: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)      # by days
    due_by_loans: Mapped[bool] = mapped_column(Boolean)
    inspection_failed: Mapped[bool] = mapped_column(Boolean)    # and no repair finished since
    # The earlier of the day due by days and the delivery that reached the type's loans.
    due_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class UpkeepState(db.Model):
    """What each device adds to its type's upkeep figures (MTBF, downtime, cost), in seconds since
    the epoch so that the figures sum it in SQL at any moment: kept in the flush that changes it
    (maintenance/services/upkeep_states.py). A down interval still open runs from
    ``open_since_s`` to now; ``down_fixed_s`` is the rest of the device's downtime."""

    __tablename__ = "upkeep_states"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("device_types.id"), index=True)
    start_s: Mapped[float] = mapped_column(Float)                   # acquired (or registered)
    end_s: Mapped[float | None] = mapped_column(Float)              # retirement approved
    down_fixed_s: Mapped[float] = mapped_column(Float)
    open_since_s: Mapped[float | None] = mapped_column(Float)
    repairs: Mapped[int] = mapped_column(Integer)
    cost_satang: Mapped[int] = mapped_column(Integer)


class UpkeepTurnaround(db.Model):
    """A return turned around (its cleaning order ready): the days it took, by type, so that the
    median is read from an index."""

    __tablename__ = "upkeep_turnarounds"
    __table_args__ = (Index("ix_upkeep_turnarounds_type_days", "type_id", "days"),)

    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id", ondelete="CASCADE"), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("device_types.id"))
    days: Mapped[float] = mapped_column(Float)
