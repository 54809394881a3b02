"""Loans: a device at someone's home, and the follow-up visits."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, text)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from core.db import UTCDateTime, db, enum_column, utcnow
from core.users import User
from devices.models import Condition, Device
from lending.models.people import Person
from lending.models.requests import DependencyGroup, LendingRequest, RequestItem


class Outcome(enum.StrEnum):
    IMPROVED = "improved"
    STABLE = "stable"
    WORSE = "worse"
    DIED = "died"
    MOVED = "moved"
    NO_LONGER_NEEDED = "no_longer_needed"


PICKUP_OUTCOMES = (Outcome.DIED, Outcome.MOVED, Outcome.NO_LONGER_NEEDED)


class Loan(db.Model):
    """A device at someone's home. At most one open loan per device, guarded by the database."""

    __tablename__ = "loans"
    __table_args__ = (
        Index("uq_loans_one_open_per_device", "device_id", unique=True,
              sqlite_where=text("returned_at IS NULL"), postgresql_where=text("returned_at IS NULL")),
        Index("ix_loans_next_follow_up", "next_follow_up_on"),
        # who had a device at home in a period, read from the index alone (the reports)
        Index("ix_loans_person_period", "person_id", "delivered_at", "returned_at"),
        # The follow-up visits due and the pickups asked for. Not a partial index: SQLite takes
        # ``returned_at IS NULL`` for a rare value (each return has its own time) and would walk
        # every open loan by ix_loans_returned_at; this one constrains more columns, so it wins.
        Index("ix_loans_open_lists", "returned_at", "pickup_requested_on", "next_follow_up_on", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    # The item of the request this loan lends (one loan per item).
    item_id: Mapped[int] = mapped_column(ForeignKey("request_items.id"), unique=True)
    delivered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
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
    returned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_condition: Mapped[Condition | None] = enum_column(Condition)
    return_notes: Mapped[str] = mapped_column(Text, default="")

    device: Mapped[Device] = relationship(lazy="joined", innerjoin=True)
    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    request: Mapped[LendingRequest] = relationship()
    item: Mapped[RequestItem] = relationship()
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
    __table_args__ = (CheckConstraint("adl_total IS NULL OR adl_total BETWEEN 0 AND 20", name="adl_total_range"),
                      Index("ix_follow_ups_loan_visited", "loan_id", "visited_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date, index=True)
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
