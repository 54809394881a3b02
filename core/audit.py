"""The audit trail: who changed what, when, and from which request.

Every service that changes state calls :func:`record` inside its own transaction, so
the event and the change are committed together or not at all. Events are never
updated or deleted (the database refuses it, see the migration that adds triggers).
"""
from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from flask import g, has_request_context
from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UTCDateTime, db, make_append_only, utcnow
from core.users import User


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    request_id: Mapped[str | None] = mapped_column(String(32))

    actor: Mapped[User | None] = relationship(lazy="joined")


# Readable names of audit actions: each domain labels its own, in its hooks.py.
ACTION_LABELS: dict[str, Any] = {}


def label_actions(labels: dict[str, Any]) -> None:
    """Say how a domain's audit actions read in a history (lazy translations)."""
    ACTION_LABELS.update(labels)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = uuid.uuid4().hex
    return g.request_id


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose values differ, as ``{field: [old, new]}``."""
    return {k: [_plain(before.get(k)), _plain(after[k])] for k in after if before.get(k) != after[k]}


def record(actor: User | None, action: str, object_type: str, object_id: Any,
           changes: dict[str, Any] | None = None) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes={k: ([_plain(x) for x in v] if isinstance(v, list) else _plain(v))
                 for k, v in (changes or {}).items()},
        request_id=current_request_id(),
    )
    db.session.add(event)
    db.session.flush()
    return event


def history(object_type: str, object_id: Any, limit: int | None = None) -> list[AuditEvent]:
    query = (select(AuditEvent)
             .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
             .order_by(AuditEvent.id.desc()))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


make_append_only(AuditEvent.__table__)


class AccessEvent(db.Model):
    """Who looked at a person's health and personal data, and when (never what was shown)."""

    __tablename__ = "access_events"
    __table_args__ = (Index("ix_access_events_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(40))
    request_id: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(lazy="joined")


make_append_only(AccessEvent.__table__)


def record_access(user: User, object_type: str, object_id: Any, purpose: str) -> None:
    """Log that ``user`` viewed personal data of an object (a page, an API read, a PDF)."""
    db.session.add(AccessEvent(user_id=user.id, object_type=object_type, object_id=str(object_id),
                               purpose=purpose, request_id=current_request_id()))
    db.session.flush()


def accesses(object_type: str, object_id: Any, limit: int = 50) -> list[AccessEvent]:
    return list(db.session.scalars(
        select(AccessEvent).where(AccessEvent.object_type == object_type, AccessEvent.object_id == str(object_id))
        .order_by(AccessEvent.id.desc()).limit(limit)))
