"""People served, their requests, assessments, loans and follow-up visits."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, text)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from core.db import UTCDateTime, db, utcnow
from core.users import User, enum_column
from devices.models import Condition, Device, DeviceType


class DisabilityType(enum.StrEnum):
    """The seven types of disability of Thai law (ประกาศกระทรวงการพัฒนาสังคมฯ)."""

    VISUAL = "visual"
    HEARING = "hearing"
    PHYSICAL = "physical"
    MENTAL = "mental"
    INTELLECTUAL = "intellectual"
    LEARNING = "learning"
    AUTISM = "autism"


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


class Outcome(enum.StrEnum):
    IMPROVED = "improved"
    STABLE = "stable"
    WORSE = "worse"
    DIED = "died"
    MOVED = "moved"
    NO_LONGER_NEEDED = "no_longer_needed"


PICKUP_OUTCOMES = (Outcome.DIED, Outcome.MOVED, Outcome.NO_LONGER_NEEDED)


class Person(db.Model):
    """Someone the center serves. Personal and health data: see who may read it in services."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint("national_id IS NULL OR length(national_id) = 13", name="national_id_13_digits"),
        Index("ix_people_area", "tambon", "moo"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    national_id: Mapped[str | None] = mapped_column(String(13), unique=True)
    title: Mapped[str] = mapped_column(String(40), default="")
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(32), default="")
    house_no: Mapped[str] = mapped_column(String(40), default="")
    moo: Mapped[str] = mapped_column(String(10), default="")
    soi: Mapped[str] = mapped_column(String(80), default="")
    road: Mapped[str] = mapped_column(String(80), default="")
    tambon: Mapped[str] = mapped_column(String(80), default="")
    amphoe: Mapped[str] = mapped_column(String(80), default="")
    changwat: Mapped[str] = mapped_column(String(80), default="")
    postcode: Mapped[str] = mapped_column(String(5), default="")
    caregiver_name: Mapped[str] = mapped_column(String(120), default="")
    caregiver_relation: Mapped[str] = mapped_column(String(60), default="")
    caregiver_phone: Mapped[str] = mapped_column(String(32), default="")
    disability_types: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    consents: Mapped[list[ConsentRecord]] = relationship(back_populates="person", order_by="ConsentRecord.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (f"{self.title}{self.first_name}", self.last_name) if p)

    @property
    def address(self) -> str:
        parts = [self.house_no, f"หมู่ {self.moo}" if self.moo else "", f"ซอย{self.soi}" if self.soi else "",
                 f"ถนน{self.road}" if self.road else "", f"ตำบล{self.tambon}" if self.tambon else "",
                 f"อำเภอ{self.amphoe}" if self.amphoe else "", f"จังหวัด{self.changwat}" if self.changwat else "",
                 self.postcode]
        return " ".join(p for p in parts if p)

    @property
    def masked_national_id(self) -> str:
        if not self.national_id:
            return ""
        n = self.national_id
        return f"x-xxxx-xxxxx-{n[10:12]}-{n[12]}"

    @property
    def has_consent(self) -> bool:
        return any(c.withdrawn_at is None for c in self.consents)


class ConsentRecord(db.Model):
    """PDPA consent to keep and use the person's data for this service."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    given_on: Mapped[dt.date] = mapped_column(Date)
    given_by: Mapped[str] = mapped_column(String(120))
    relation: Mapped[str] = mapped_column(String(60), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="consents")


class LendingRequest(db.Model):
    """A request for a device, from the first call to the device coming back."""

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_status_type", "status", "device_type_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    device_type_id: Mapped[int] = mapped_column(ForeignKey("device_types.id"))
    channel: Mapped[Channel] = enum_column(Channel)
    urgency: Mapped[Urgency] = enum_column(Urgency, default=Urgency.NORMAL)
    requested_by_name: Mapped[str] = mapped_column(String(120), default="")
    requested_by_relation: Mapped[str] = mapped_column(String(60), default="")
    requested_by_phone: Mapped[str] = mapped_column(String(32), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = enum_column(RequestStatus, default=RequestStatus.SUBMITTED, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # assessment visit
    assessment_due_on: Mapped[dt.date | None] = mapped_column(Date)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recommended_type_id: Mapped[int | None] = mapped_column(ForeignKey("device_types.id"))
    dependency_group: Mapped[DependencyGroup | None] = enum_column(DependencyGroup)
    # decision
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    # the device proposed (not yet held) and the one reserved for this request
    proposed_device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"))
    waitlisted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reserved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    device_type: Mapped[DeviceType] = relationship(foreign_keys=[device_type_id], lazy="joined")
    recommended_type: Mapped[DeviceType | None] = relationship(foreign_keys=[recommended_type_id])
    device: Mapped[Device | None] = relationship(foreign_keys=[device_id])
    proposed_device: Mapped[Device | None] = relationship(foreign_keys=[proposed_device_id])
    assessor: Mapped[User | None] = relationship(foreign_keys=[assessor_id])
    assessments: Mapped[list[Assessment]] = relationship(back_populates="request", order_by="Assessment.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def lend_type(self) -> DeviceType:
        """The type to lend: the assessor's recommendation, else what was asked for."""
        return self.recommended_type or self.device_type

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATES


class Assessment(db.Model):
    __tablename__ = "assessments"
    __table_args__ = (CheckConstraint("adl_total BETWEEN 0 AND 20", name="adl_total_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
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


class Loan(db.Model):
    """A device at someone's home. At most one open loan per device, guarded by the database."""

    __tablename__ = "loans"
    __table_args__ = (
        Index("uq_loans_one_open_per_device", "device_id", unique=True,
              sqlite_where=text("returned_at IS NULL"), postgresql_where=text("returned_at IS NULL")),
        Index("ix_loans_next_follow_up", "next_follow_up_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), unique=True)
    delivered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    instructions: Mapped[list] = mapped_column(JSON, default=list)
    acknowledged_by: Mapped[str] = mapped_column(String(120))
    acknowledged_relation: Mapped[str] = mapped_column(String(60), default="")
    expected_return_on: Mapped[dt.date | None] = mapped_column(Date)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    photo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    photo_type: Mapped[str] = mapped_column(String(40), default="")
    next_follow_up_on: Mapped[dt.date | None] = mapped_column(Date)
    pickup_requested_on: Mapped[dt.date | None] = mapped_column(Date)
    pickup_reason: Mapped[Outcome | None] = enum_column(Outcome)
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_condition: Mapped[Condition | None] = enum_column(Condition)
    return_notes: Mapped[str] = mapped_column(Text, default="")

    device: Mapped[Device] = relationship(lazy="joined", innerjoin=True)
    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    request: Mapped[LendingRequest] = relationship()
    delivered_by: Mapped[User | None] = relationship(foreign_keys=[delivered_by_id])
    follow_ups: Mapped[list[FollowUp]] = relationship(back_populates="loan", order_by="FollowUp.id")

    @property
    def is_open(self) -> bool:
        return self.returned_at is None

    @property
    def number(self) -> str:
        return f"L-{self.id:06d}"


class FollowUp(db.Model):
    __tablename__ = "follow_ups"
    __table_args__ = (CheckConstraint("adl_total IS NULL OR adl_total BETWEEN 0 AND 20", name="adl_total_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date)
    visitor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    in_use: Mapped[bool] = mapped_column(Boolean)
    condition: Mapped[Condition] = enum_column(Condition)
    adl_items: Mapped[list | None] = mapped_column(JSON)
    adl_total: Mapped[int | None] = mapped_column(Integer)
    dependency_group: Mapped[DependencyGroup | None] = enum_column(DependencyGroup)
    outcome: Mapped[Outcome] = enum_column(Outcome)
    problems: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    loan: Mapped[Loan] = relationship(back_populates="follow_ups")
    visitor: Mapped[User | None] = relationship()
