"""Data-subject requests (PDPA ss. 30-36): what a person asked of the center and by when it is due."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, enum_column, utcnow
from core.users import User
from lending.models import Person

# The Act gives the center 30 days to answer a request (s. 30).
ANSWER_DAYS = 30


class SubjectRequestKind(enum.StrEnum):
    ACCESS = "access"
    PORTABILITY = "portability"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    WITHDRAWAL = "withdrawal"
    OBJECTION = "objection"


class SubjectRequestStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    REFUSED = "refused"


class SubjectRequest(db.Model):
    __tablename__ = "subject_requests"
    __table_args__ = (
        CheckConstraint("due_on >= received_on", name="due_after_received"),
        CheckConstraint("(status = 'open') = (closed_on IS NULL)", name="closed_when_not_open"),
        Index("ix_subject_requests_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[SubjectRequestKind] = enum_column(SubjectRequestKind)
    received_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[SubjectRequestStatus] = enum_column(SubjectRequestStatus, default=SubjectRequestStatus.OPEN)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.status == SubjectRequestStatus.OPEN

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.due_on < today
