"""The audit trail: who changed what, when, and from which request.

Every service that changes state calls :func:`record` inside its own transaction, so
the event and the change are committed together or not at all. Events are never
updated or deleted (the database refuses it, see the migration that adds triggers).

The trail is also tamper-evident. When a transaction commits, its events are sealed into
one chain: each gets the next position (``seq``), the hash of the event before it
(``prev_hash``) and its own hash, a SHA-256 over its fields and ``prev_hash``
(:func:`chain_hash`). Sealing at commit rather than at each insert keeps the chain in
commit order and holds the chain's lock only for that moment: on PostgreSQL an advisory
lock, taken after every other lock of the transaction, so it cannot join a deadlock; on
SQLite the transaction already holds the only write lock. The one UPDATE the database
allows on the table is that sealing (see :func:`chain_trigger_statements`).
``flask audit verify`` walks the chain and names any event changed or removed behind the
app's back.
"""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import click
from flask import g, has_request_context
from flask.cli import AppGroup
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, bindparam, event, insert, select, text
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from core.db import UTCDateTime, db, make_append_only, utcnow
from core.users import User

GENESIS = "0" * 64
# pg_advisory_xact_lock key of the chain ("auditch" in ASCII).
CHAIN_LOCK = 0x61756469746368
_UNSEALED = "audit_unsealed"


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
    # Set once, when the transaction that wrote the event commits (the chain, see the module).
    seq: Mapped[int | None] = mapped_column(Integer, index=True, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

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
             .options(joinedload(AuditEvent.actor).lazyload(User.role_rows))  # names only: no roles read
             .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
             .order_by(AuditEvent.id.desc()))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


# --- the chain -------------------------------------------------------------------------------

CHAINED_FIELDS = ("id", "at", "actor_id", "action", "object_type", "object_id", "changes", "request_id")


def chain_hash(row: Mapping[str, Any], seq: int, prev_hash: str) -> str:
    """SHA-256 of an event's fields, its place in the chain and the previous event's hash.

    ``row`` holds the fields as the database gives them back (``at`` an aware UTC datetime,
    ``changes`` decoded JSON), so the hash made at sealing is the hash a later check makes.
    """
    fields = {name: row[name] for name in CHAINED_FIELDS}
    fields["at"] = fields["at"].astimezone(dt.UTC).isoformat() if fields["at"] is not None else None
    fields.update(seq=seq, prev_hash=prev_hash)
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain_links(rows: Iterable[Mapping[str, Any]], last_seq: int, last_hash: str) -> list[dict[str, Any]]:
    """The seal of each row, in the order given, after the chain's last event."""
    links = []
    for row in rows:
        last_seq += 1
        digest = chain_hash(row, last_seq, last_hash)
        links.append({"event_id": row["id"], "seq": last_seq, "prev_hash": last_hash, "hash": digest})
        last_hash = digest
    return links


def seal_statement():
    table = AuditEvent.__table__
    return (table.update().where(table.c.id == bindparam("event_id"))
            .values(seq=bindparam("seq"), prev_hash=bindparam("prev_hash"), hash=bindparam("hash")))


def chain_head(session) -> tuple[int, str]:
    """Position and hash of the chain's last event: ``(0, GENESIS)`` for an empty chain."""
    table = AuditEvent.__table__
    last = session.execute(select(table.c.seq, table.c.hash).where(table.c.seq.is_not(None))
                           .order_by(table.c.seq.desc()).limit(1)).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


def seal(session, event_ids: Iterable[int]) -> int:
    """Chain the given events of this transaction (those not sealed yet) after the chain's head."""
    ids = sorted(set(event_ids))
    if not ids:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        # Serialise sealing across connections: two commits must not take the same place.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    table = AuditEvent.__table__
    columns = [table.c[name] for name in CHAINED_FIELDS]
    rows = []
    for start in range(0, len(ids), 500):
        rows += session.execute(select(*columns).where(table.c.id.in_(ids[start:start + 500]),
                                                       table.c.seq.is_(None))).mappings().all()
    rows.sort(key=lambda row: row["id"])
    links = chain_links(rows, *chain_head(session))
    if links:
        session.execute(seal_statement(), links)
    for link in links:  # events still loaded in the session show their seal too
        loaded = session.identity_map.get(identity_key(AuditEvent, link["event_id"]))
        if loaded is not None:
            for name in ("seq", "prev_hash", "hash"):
                set_committed_value(loaded, name, link[name])
    return len(links)


@event.listens_for(Session, "after_flush")
def _note_unsealed(session: Session, _context) -> None:
    written = [obj.id for obj in session.new if isinstance(obj, AuditEvent)]
    if written:
        session.info.setdefault(_UNSEALED, set()).update(written)


@event.listens_for(Session, "before_commit")
def _seal_on_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: its events are sealed with the whole transaction
    session.flush()  # events added but not flushed yet are written, and noted, first
    ids = session.info.pop(_UNSEALED, None)
    if ids:
        seal(session, ids)


@event.listens_for(Session, "after_transaction_end")
def _forget_unsealed(session: Session, transaction) -> None:
    if transaction.parent is None:  # the transaction is over (rolled back, or sealed and committed)
        session.info.pop(_UNSEALED, None)


def chain_trigger_statements(dialect: str) -> list[str]:
    """DDL that keeps ``audit_events`` append-only, save for sealing an unsealed event once.

    Lists the event's columns: a migration that adds one to the table renews these triggers.
    """
    same = CHAINED_FIELDS
    unsealed = "OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL"
    sealed = "NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL"
    if dialect == "sqlite":
        unchanged = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in same)
        return [
            "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
            f"WHEN NOT ({unsealed} AND {sealed} AND {unchanged}) "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
            "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
        ]
    if dialect == "postgresql":
        new = ", ".join(f"NEW.{c}::text" if c == "changes" else f"NEW.{c}" for c in same)
        old = ", ".join(f"OLD.{c}::text" if c == "changes" else f"OLD.{c}" for c in same)
        return [
            "CREATE OR REPLACE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$",
            "CREATE TRIGGER audit_events_append_only BEFORE DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION forbid_change()",
            "CREATE TRIGGER audit_events_sealed_once BEFORE UPDATE ON audit_events FOR EACH ROW "
            f"WHEN (NOT ({unsealed} AND {sealed} AND ROW({new}) IS NOT DISTINCT FROM ROW({old}))) "
            "EXECUTE FUNCTION forbid_change()",
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION forbid_change()",
        ]
    return []


@dataclass
class ChainCheck:
    """What :func:`verify_chain` found: the events walked, the head, and each break, first first."""

    events: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_chain(session, anchor: str | None = None, batch: int = 5000) -> ChainCheck:
    """Walk the chain in order and recompute every hash.

    Names each event whose fields no longer match its hash (changed), each run of positions
    missing (removed), each link broken, and every event outside the chain. ``anchor``, a head
    hash noted earlier, must still be in the chain: that also catches removing the newest
    events, or rewriting the whole chain, which no chain can show by itself. Reads in short
    transactions of ``batch`` events, so the app keeps writing meanwhile.
    """
    table = AuditEvent.__table__
    columns = [table.c[name] for name in CHAINED_FIELDS] + [table.c.seq, table.c.prev_hash, table.c.hash]
    check, previous_id, anchor_seen = ChainCheck(), None, anchor is None
    while True:
        rows = session.execute(select(*columns).where(table.c.seq > check.head_seq)
                               .order_by(table.c.seq).limit(batch)).mappings().all()
        session.rollback()
        for row in rows:
            expected = check.head_seq + 1
            if row["seq"] != expected:
                gap = (f"event #{expected} of the chain was" if row["seq"] == expected + 1
                       else f"events #{expected} to #{row['seq'] - 1} of the chain were")
                check.problems.append(f"{gap} removed (the next one left is event id {row['id']}, #{row['seq']})")
            elif row["prev_hash"] != check.head_hash:
                check.problems.append(f"the chain is broken between event id {previous_id} (#{check.head_seq}) "
                                      f"and event id {row['id']} (#{row['seq']}): one of them was changed")
            if chain_hash(row, row["seq"], row["prev_hash"]) != row["hash"]:
                check.problems.append(f"event id {row['id']} (#{row['seq']}) was changed")
            anchor_seen = anchor_seen or row["hash"] == anchor
            check.events += 1
            check.head_seq, check.head_hash, previous_id = row["seq"], row["hash"], row["id"]
        if len(rows) < batch:
            break
    outside = list(session.scalars(select(table.c.id).where(table.c.seq.is_(None)).order_by(table.c.id).limit(11)))
    session.rollback()
    if outside:
        shown = ", ".join(map(str, outside[:10])) + (", ..." if len(outside) > 10 else "")
        check.problems.append(f"events outside the chain (written behind the app's back): id {shown}")
    if not anchor_seen:
        check.problems.append(f"the head noted earlier ({anchor}) is no longer in the chain: "
                              "events were removed from its end or the chain was rewritten")
    return check


@event.listens_for(AuditEvent.__table__, "after_create")
def _audit_triggers(target, connection, **_kw):
    for statement in chain_trigger_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


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
    # What was asked, for a search: its text with every run of digits replaced by a keyed hash
    # (core.pseudonyms), so the log never holds a national ID in the clear.
    detail: Mapped[str | None] = mapped_column(String(300))

    user: Mapped[User] = relationship(lazy="joined")


make_append_only(AccessEvent.__table__)


def record_access(user: User, object_type: str, object_id: Any, purpose: str, detail: str | None = None) -> None:
    """Log that ``user`` viewed personal data of an object (a page, an API read, a PDF)."""
    db.session.add(AccessEvent(user_id=user.id, object_type=object_type, object_id=str(object_id),
                               purpose=purpose, request_id=current_request_id(), detail=detail))
    db.session.flush()


def record_accesses(user: User, object_type: str, object_ids: Iterable[Any], purpose: str,
                    detail: str | None = None) -> int:
    """Log that ``user`` viewed personal data of each of these objects (a list), in one INSERT.

    One row per object, so "who looked at person X" reads the same index as single views do;
    one statement, so a page of 50 people costs one round trip, not 50. Returns the rows written.
    """
    ids = list(dict.fromkeys(str(i) for i in object_ids if i is not None))
    if not ids:
        return 0
    at, request_id = utcnow(), current_request_id()
    db.session.execute(insert(AccessEvent), [
        {"at": at, "user_id": user.id, "object_type": object_type, "object_id": object_id, "purpose": purpose,
         "request_id": request_id, "detail": detail} for object_id in ids])
    return len(ids)


def accesses(object_type: str, object_id: Any, limit: int = 50) -> list[AccessEvent]:
    return list(db.session.scalars(
        select(AccessEvent).where(AccessEvent.object_type == object_type, AccessEvent.object_id == str(object_id))
        .order_by(AccessEvent.id.desc()).limit(limit)))


audit_commands = AppGroup("audit", help="Check the audit trail.")


@audit_commands.command("verify")
@click.option("--head", "anchor", metavar="HASH",
              help="A head hash printed by an earlier run: it must still be in the chain.")
def verify_command(anchor):
    """Check that no audit event was changed or removed behind the app's back (exit code 1 if so)."""
    check = verify_chain(db.session, anchor)
    if check.intact:
        click.echo(f"audit trail intact: {check.events} events; head #{check.head_seq} {check.head_hash}")
        return
    click.echo(f"audit trail BROKEN ({len(check.problems)} problems, the first first):", err=True)
    for problem in check.problems:
        click.echo(f"  {problem}", err=True)
    raise click.exceptions.Exit(1)
