"""Device types and devices, with their states, and the scan log and public reports."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, enum_column, utcnow
from core.users import User


class DeviceStatus(enum.StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    ON_LOAN = "on_loan"
    RETURNED = "returned"
    IN_MAINTENANCE = "in_maintenance"
    RETIRED = "retired"
    LOST = "lost"


class Condition(enum.StrEnum):
    NEW = "new"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    UNUSABLE = "unusable"


class Acquisition(enum.StrEnum):
    PURCHASE = "purchase"
    DONATION = "donation"
    TRANSFER = "transfer"


class ReportKind(enum.StrEnum):
    PROBLEM = "problem"
    NOT_NEEDED = "no_longer_needed"


class ReportSource(enum.StrEnum):
    PUBLIC = "public"          # the form on the public scan page
    FOLLOW_UP = "follow_up"    # a problem found at a follow-up visit


class DeviceType(db.Model):
    __tablename__ = "device_types"
    __table_args__ = (
        CheckConstraint("reference_price_satang >= 0", name="price_not_negative"),
        CheckConstraint("tag_counter >= 0", name="counter_not_negative"),
        CheckConstraint("first_follow_up_days > 0 AND follow_up_interval_days > 0", name="follow_up_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    reference_price_satang: Mapped[int] = mapped_column(Integer, default=0)
    reference_price_date: Mapped[dt.date | None] = mapped_column(Date)
    reference_price_source: Mapped[str] = mapped_column(String(200), default="")
    # Preventive service: an inspection is due after this many days or this many loans
    # since the last one, whichever comes first (either may be unset).
    service_interval_days: Mapped[int | None] = mapped_column(Integer)
    service_interval_loans: Mapped[int | None] = mapped_column(Integer)
    expected_life_years: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    # What staff explain at delivery; the recipient acknowledges each point.
    instructions: Mapped[list] = mapped_column(JSON, default=list)
    # Maintenance: the cleaning protocol's steps, the disinfectant's contact time, and the
    # inspection checklist (each item passes or fails).
    cleaning_steps: Mapped[list] = mapped_column(JSON, default=list)
    contact_time_minutes: Mapped[int] = mapped_column(Integer, default=10)
    inspection_items: Mapped[list] = mapped_column(JSON, default=list)
    first_follow_up_days: Mapped[int] = mapped_column(Integer, default=7)
    follow_up_interval_days: Mapped[int] = mapped_column(Integer, default=30)
    # Last number handed out in this type's tags; bumped with UPDATE ... RETURNING.
    tag_counter: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}

    def name(self, locale: str) -> str:
        return self.name_th if locale == "th" else self.name_en


class Device(db.Model):
    __tablename__ = "devices"
    __table_args__ = (
        CheckConstraint("acquisition_value_satang IS NULL OR acquisition_value_satang >= 0",
                        name="value_not_negative"),
        Index("ix_devices_type_status", "type_id", "status"),
        # The device search reads its columns here, in the list's order, not from the wide rows.
        Index("ix_devices_search", "tag", "serial", "brand", "model"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tag: Mapped[str] = mapped_column(String(32), unique=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("device_types.id"))
    brand: Mapped[str] = mapped_column(String(80), default="")
    model: Mapped[str] = mapped_column(String(80), default="")
    serial: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[DeviceStatus] = enum_column(DeviceStatus, default=DeviceStatus.AVAILABLE, index=True)
    condition: Mapped[Condition] = enum_column(Condition, default=Condition.GOOD)
    location: Mapped[str] = mapped_column(String(120), default="")
    acquisition: Mapped[Acquisition] = enum_column(Acquisition, default=Acquisition.DONATION)
    acquired_on: Mapped[dt.date | None] = mapped_column(Date)
    acquisition_value_satang: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    type: Mapped[DeviceType] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}

    def can_be_lent(self) -> bool:
        return self.status == DeviceStatus.AVAILABLE

    @property
    def is_out_of_service(self) -> bool:
        return self.status in (DeviceStatus.RETIRED, DeviceStatus.LOST)


class ScanEvent(db.Model):
    """One opening of a device's scan page: who (or nobody logged in) and when.

    An anonymous visitor is known only by ``client_key``, a keyed hash of their network
    address (never the address itself), so that their repeats can be told apart and collapsed.
    """

    __tablename__ = "scan_events"
    __table_args__ = (Index("ix_scan_events_client", "device_id", "client_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    client_key: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User | None] = relationship(lazy="joined")


class ProblemReport(db.Model):
    """A note left on the public scan page: a problem, or the device is no longer needed."""

    __tablename__ = "problem_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    kind: Mapped[ReportKind] = enum_column(ReportKind)
    source: Mapped[ReportSource] = enum_column(ReportSource, default=ReportSource.PUBLIC)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    message: Mapped[str] = mapped_column(String(1000), default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    device: Mapped[Device] = relationship()


class HoldOverride(db.Model):
    """A supervisor's written decision to lend a device despite what holds it back.

    It covers the holds it names (``hold_keys``) and no later ones, and is used up by the
    next delivery of the device.
    """

    __tablename__ = "hold_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    hold_keys: Mapped[list] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()
