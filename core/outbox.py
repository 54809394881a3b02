"""The outbox: e-mail written in the request's transaction, sent after it commits.

A service that sends something (a donor's yearly summary) calls :func:`enqueue`, which adds an
``outbox`` row in the same unit of work as the audit event: if the request rolls back, nothing
is sent. Once the request has committed, :func:`deliver` (given to ``AfterCommit``) claims the
row with a conditional UPDATE (``pending`` -> ``sending``, exactly one row, stamped with the
claim's time), so two app hosts never send the same message twice, sends it through SMTP, and
records the outcome. A message that could not be sent goes back to ``pending`` with the error;
``flask outbox send`` tries every pending one again (core/cli.py). A claim is a lease: a
worker that died between claiming and recording (the process killed, the host lost) leaves its
message in ``sending``; once the lease (``CLAIM_LEASE``, longer than any SMTP exchange can
take) has run out, the next ``flask outbox send`` claims it again. A message that reached the
server just before such a crash may then arrive twice: at least once, never lost.

Claiming and recording are short transactions of their own (``engine.begin()``), outside the
request's unit of work, which is already committed by then.

SMTP comes from the environment (``MAIL_SERVER``, ``MAIL_PORT``, ``MAIL_FROM``,
``MAIL_USERNAME``, ``MAIL_PASSWORD``, ``MAIL_STARTTLS``, read in ``create_app``); with no
``MAIL_SERVER`` mail is off and :func:`mail_on` says so. Imports no domain module.
"""
from __future__ import annotations

import datetime as dt
import enum
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, and_, or_, select, update
from sqlalchemy.orm import Mapped, deferred, mapped_column

from core.db import UTCDateTime, db, enum_column, utcnow

SMTP_TIMEOUT = 20  # seconds: a mail server that does not answer must not hold a worker
# How long a claim holds: well beyond one SMTP exchange (connect, STARTTLS, login, send: four
# timeouts at most), so a message still being sent is never claimed twice.
CLAIM_LEASE = dt.timedelta(minutes=15)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"


class OutboxMessage(db.Model):
    """One e-mail to send: its recipient, subject, text and at most one attachment."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    attachment_name: Mapped[str] = mapped_column(String(200), default="")
    attachment_type: Mapped[str] = mapped_column(String(100), default="")
    attachment: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    status: Mapped[OutboxStatus] = enum_column(OutboxStatus, default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    sender: str
    username: str = ""
    password: str = ""
    starttls: bool = False


def settings_from(config: Mapping[str, Any]) -> MailSettings | None:
    """The SMTP settings of the app's configuration; None when mail is off (no server or sender)."""
    server, sender = (config.get("MAIL_SERVER") or "").strip(), (config.get("MAIL_FROM") or "").strip()
    if not server or not sender:
        return None
    return MailSettings(server, int(config.get("MAIL_PORT") or 25), sender, config.get("MAIL_USERNAME") or "",
                        config.get("MAIL_PASSWORD") or "", bool(config.get("MAIL_STARTTLS")))


def mail_on(config: Mapping[str, Any]) -> bool:
    return settings_from(config) is not None


def enqueue(to_address: str, subject: str, body: str, *, attachment: bytes | None = None,
            attachment_name: str = "", attachment_type: str = "application/pdf",
            by_id: int | None = None) -> OutboxMessage:
    """Write a message to send once the request commits (flush only); returns the row."""
    message = OutboxMessage(to_address=to_address, subject=subject, body=body, attachment=attachment,
                            attachment_name=attachment_name if attachment is not None else "",
                            attachment_type=attachment_type if attachment is not None else "",
                            created_by_id=by_id)
    db.session.add(message)
    db.session.flush()
    return message


def as_email(message: OutboxMessage | Any, sender: str) -> EmailMessage:
    """The row as an RFC 5322 message (UTF-8 headers and text, the attachment base64)."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, message.to_address, message.subject
    mail.set_content(message.body)
    if message.attachment is not None:
        maintype, _, subtype = (message.attachment_type or "application/octet-stream").partition("/")
        mail.add_attachment(message.attachment, maintype=maintype, subtype=subtype,
                            filename=message.attachment_name or "attachment")
    return mail


def _send(settings: MailSettings, mail: EmailMessage) -> None:
    with smtplib.SMTP(settings.server, settings.port, timeout=SMTP_TIMEOUT) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password)
        smtp.send_message(mail)


def deliver(message_id: int, config: Mapping[str, Any]) -> OutboxStatus | None:
    """Send one pending message, after the request that wrote it has committed.

    Returns the message's status afterwards: ``sent``, ``pending`` (mail is off, or the server
    refused; the error is kept for ``flask outbox send``), or None when another worker holds it.
    """
    settings = settings_from(config)
    if settings is None:
        return OutboxStatus.PENDING
    table = OutboxMessage.__table__
    now = utcnow()
    with db.engine.begin() as conn:
        claimed = conn.execute(update(table).where(table.c.id == message_id, _claimable(now))
                               .values(status=OutboxStatus.SENDING.value, attempts=table.c.attempts + 1,
                                       claimed_at=now))
        if claimed.rowcount != 1:
            return None
        row = conn.execute(select(table).where(table.c.id == message_id)).one()
    try:
        _send(settings, as_email(row, settings.sender))
    except (OSError, smtplib.SMTPException) as exc:
        status, values = OutboxStatus.PENDING, {"last_error": f"{type(exc).__name__}: {exc}"[:500]}
    else:
        status, values = OutboxStatus.SENT, {"sent_at": utcnow(), "last_error": ""}
    with db.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == message_id).values(status=status.value, **values))
    return status


def _claimable(now: dt.datetime):
    """Pending, or claimed by a worker whose lease ran out (it died before recording the outcome)."""
    table = OutboxMessage.__table__
    abandoned = and_(table.c.status == OutboxStatus.SENDING.value,
                     or_(table.c.claimed_at.is_(None), table.c.claimed_at < now - CLAIM_LEASE))
    return or_(table.c.status == OutboxStatus.PENDING.value, abandoned)


def due_ids() -> list[int]:
    """The messages to (re)send: pending ones and those whose sender's lease ran out."""
    table = OutboxMessage.__table__
    return list(db.session.scalars(select(table.c.id).where(_claimable(utcnow())).order_by(table.c.id)))
