"""Requests for devices: intake, the home assessment, the decision and the items lent."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String,
                        Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, enum_column, utcnow
from core.users import User
from devices.models import Device, DeviceType
from lending.models.people import Person


class Channel(enum.StrEnum):
    CALL_CENTER = "call_center_1132"
    APP = "app"
    FACEBOOK = "facebook"
    LINE = "line"
    PHONE = "phone"
    COMMUNITY_LEADER = "community_leader"
    WALK_IN = "walk_in"
    REFERRAL = "referral"


class Urgency(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


URGENCY_RANK = {Urgency.URGENT: 0, Urgency.HIGH: 1, Urgency.NORMAL: 2, Urgency.LOW: 3}


class DependencyGroup(enum.StrEnum):
    SOCIAL_BOUND = "social_bound"   # ติดสังคม, ADL >= 12
    HOME_BOUND = "home_bound"       # ติดบ้าน, 5-11
    BED_BOUND = "bed_bound"         # ติดเตียง, 0-4


GROUP_RANK = {DependencyGroup.BED_BOUND: 0, DependencyGroup.HOME_BOUND: 1, DependencyGroup.SOCIAL_BOUND: 2}


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ASSESSMENT_SCHEDULED = "assessment_scheduled"
    ASSESSED = "assessed"
    APPROVED = "approved"
    REJECTED = "rejected"
    WAITLISTED = "waitlisted"
    RESERVED = "reserved"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


OPEN_REQUEST_STATES = (RequestStatus.SUBMITTED, RequestStatus.ASSESSMENT_SCHEDULED, RequestStatus.ASSESSED,
                       RequestStatus.APPROVED, RequestStatus.WAITLISTED, RequestStatus.RESERVED)


class ItemStatus(enum.StrEnum):
    """Where one device of a request stands: decided, held, lent and back, each on its own."""

    REQUESTED = "requested"      # asked for; not decided yet
    APPROVED = "approved"        # approved; a device may be proposed
    WAITLISTED = "waitlisted"    # approved; no device of the type to lend yet
    RESERVED = "reserved"
    DELIVERED = "delivered"      # on loan at the home
    RETURNED = "returned"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


RESERVABLE_ITEM_STATES = (ItemStatus.APPROVED, ItemStatus.WAITLISTED)
OPEN_ITEM_STATES = (ItemStatus.REQUESTED, ItemStatus.APPROVED, ItemStatus.WAITLISTED, ItemStatus.RESERVED,
                    ItemStatus.DELIVERED)


class LendingRequest(db.Model):
    """A request for devices, from the first call until every device lent has come back.

    The person is assessed once for the whole request; each device asked for is an item
    (a bed and an air mattress, say) approved, reserved, delivered and returned on its own.
    Until the decision the request's status is its own; afterwards it follows its items
    (``pipeline.sync_status``): the least advanced open item, or closed when none is open.
    """

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_status_created", "status", "created_at"),)  # the board's columns

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[Channel] = enum_column(Channel)
    urgency: Mapped[Urgency] = enum_column(Urgency, default=Urgency.NORMAL)
    requested_by_name: Mapped[str] = mapped_column(String(120), default="")
    requested_by_relation: Mapped[str] = mapped_column(String(60), default="")
    requested_by_phone: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = enum_column(RequestStatus, default=RequestStatus.SUBMITTED, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # assessment visit
    assessment_due_on: Mapped[dt.date | None] = mapped_column(Date)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dependency_group: Mapped[DependencyGroup | None] = enum_column(DependencyGroup)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    assessments: Mapped[list[Assessment]] = relationship(back_populates="request", order_by="Assessment.id")
    items: Mapped[list[RequestItem]] = relationship(back_populates="request", order_by="RequestItem.id",
                                                    lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATES

    # The first item's, for pages and clients that know one device per request.
    @property
    def first_item(self) -> RequestItem | None:
        return self.items[0] if self.items else None

    @property
    def device_type(self) -> DeviceType | None:
        return self.items[0].device_type if self.items else None

    @property
    def recommended_type(self) -> DeviceType | None:
        return self.items[0].recommended_type if self.items else None

    @property
    def lend_type(self) -> DeviceType | None:
        return self.items[0].lend_type if self.items else None

    @property
    def device(self) -> Device | None:
        return self.items[0].device if self.items else None

    @property
    def proposed_device(self) -> Device | None:
        return self.items[0].proposed_device if self.items else None

    @property
    def decision_reason(self) -> str:
        return "; ".join(dict.fromkeys(item.decision_reason for item in self.items if item.decision_reason))

    @property
    def open_items(self) -> list[RequestItem]:
        return [item for item in self.items if item.is_open]


class RequestItem(db.Model):
    """One device asked for in a request, and its own way from the decision to the return."""

    __tablename__ = "request_items"
    __table_args__ = (Index("ix_request_items_status_type", "status", "device_type_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    device_type_id: Mapped[int] = mapped_column(ForeignKey("device_types.id"))
    # The assessor's recommendation, when it differs from what was asked for.
    recommended_type_id: Mapped[int | None] = mapped_column(ForeignKey("device_types.id"))
    status: Mapped[ItemStatus] = enum_column(ItemStatus, default=ItemStatus.REQUESTED, index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # the device proposed (not yet held) and the one reserved, then lent
    proposed_device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    waitlisted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reserved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    request: Mapped[LendingRequest] = relationship(back_populates="items")
    device_type: Mapped[DeviceType] = relationship(foreign_keys=[device_type_id], lazy="joined")
    recommended_type: Mapped[DeviceType | None] = relationship(foreign_keys=[recommended_type_id], lazy="joined")
    device: Mapped[Device | None] = relationship(foreign_keys=[device_id])
    proposed_device: Mapped[Device | None] = relationship(foreign_keys=[proposed_device_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def lend_type(self) -> DeviceType:
        """The type to lend: the assessor's recommendation, else what was asked for."""
        return self.recommended_type or self.device_type

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ITEM_STATES

    @property
    def is_reservable(self) -> bool:
        return self.status in RESERVABLE_ITEM_STATES


class Assessment(db.Model):
    __tablename__ = "assessments"
    __table_args__ = (CheckConstraint("adl_total BETWEEN 0 AND 20", name="adl_total_range"),
                      # a person's first assessment, read from the index alone (the outcome report)
                      Index("ix_assessments_request_first", "request_id", "assessed_on", "adl_total",
                            "dependency_group"))

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    adl_items: Mapped[list] = mapped_column(JSON)
    adl_total: Mapped[int] = mapped_column(Integer)
    dependency_group: Mapped[DependencyGroup] = enum_column(DependencyGroup)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    height_cm: Mapped[float | None] = mapped_column(Float)
    seat_width_cm: Mapped[float | None] = mapped_column(Float)
    doorway_width_cm: Mapped[float | None] = mapped_column(Float)
    steps_at_entrance: Mapped[int | None] = mapped_column(Integer)
    floor: Mapped[str] = mapped_column(String(40), default="")
    bedside_space_cm: Mapped[float | None] = mapped_column(Float)
    suitable: Mapped[bool] = mapped_column(Boolean)
    recommended_type_id: Mapped[int | None] = mapped_column(ForeignKey("device_types.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[LendingRequest] = relationship(back_populates="assessments")
    assessor: Mapped[User | None] = relationship()
    recommended_type: Mapped[DeviceType | None] = relationship()


