"""The audit trail is a hash chain: sealed at commit, never forked, and ``flask audit verify``
names every event changed or removed behind the app's back (triggers dropped, as someone
holding the database file would)."""
from __future__ import annotations

import itertools
import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from fixtures.core import build_app, database_url, race
from core import audit
from core.audit import AuditEvent, chain_hash
from core.db import db
from devices import services as devices

both = pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
BEFORE_CHAIN = "3e61bf7366dd"


@pytest.fixture
def chain_app(request, tmp_path):
    """An app holding 12 events written by real services in 6 commits (the schema from the models,
    whose triggers are those of the migration; the migration itself is tested at the end)."""
    app = build_app(database_url(request.param, tmp_path))
    with app.app_context():
        device_type = devices.create_type({"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair",
                                           "reference_price_satang": 350_000}, by=None)
        db.session.commit()
        for number in range(5):
            device = devices.register_device(device_type, {"brand": "Yuwell", "serial": f"S{number}"}, by=None)
            devices.update_device(device, {"location": f"shelf {number}"}, version=device.version, by=None)
            db.session.commit()
        assert events_count() == 11
        audit.record(None, "test.noted", "thing", 1, {"note": "ข้อความภาษาไทย", "n": [1, 2.5, None]})
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


chained = pytest.mark.parametrize("chain_app", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                                  indirect=True)


def events_count() -> int:
    return db.session.scalar(select(db.func.count()).select_from(AuditEvent))


def chain(app) -> list:
    """The events as rows (id, action, seq, prev_hash, hash), oldest first."""
    with app.app_context():
        rows = db.session.execute(select(AuditEvent.id, AuditEvent.action, AuditEvent.seq, AuditEvent.prev_hash,
                                         AuditEvent.hash).order_by(AuditEvent.id)).all()
        db.session.rollback()
        return rows


def verify(app, *args):
    result = app.test_cli_runner().invoke(args=["audit", "verify", *args])
    return result.exit_code, result.output


def tamper(app, *statements: str) -> None:
    """SQL straight on the database, the append-only triggers dropped first."""
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        else:
            for name in ("audit_events_append_only", "audit_events_sealed_once", "audit_events_no_truncate"):
                conn.exec_driver_sql(f"DROP TRIGGER {name} ON audit_events")
        for statement in statements:
            conn.exec_driver_sql(statement)


def head_of(output: str) -> str:
    return re.search(r"head #\d+ ([0-9a-f]{64})", output).group(1)


@chained
def test_an_intact_trail_passes_in_commit_order(chain_app):
    events = chain(chain_app)
    assert [e.seq for e in events] == list(range(1, 13))
    assert events[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    code, output = verify(chain_app)
    assert code == 0, output
    assert f"intact: 12 events; head #12 {events[-1].hash}" in output
    assert verify(chain_app, "--head", events[5].hash)[0] == 0


@chained
def test_rolled_back_events_leave_no_hole(chain_app):
    with chain_app.app_context():
        audit.record(None, "test.kept", "thing", 2)
        with pytest.raises(RuntimeError), db.session.begin_nested():
            audit.record(None, "test.undone", "thing", 3)
            raise RuntimeError("a savepoint rolled back")
        audit.record(None, "test.kept", "thing", 4)
        db.session.commit()
        audit.record(None, "test.undone", "thing", 5)
        db.session.rollback()
        audit.record(None, "test.kept", "thing", 6)
        db.session.commit()
    events = chain(chain_app)
    assert [(e.action, e.seq) for e in events[12:]] == [("test.kept", 13), ("test.kept", 14), ("test.kept", 15)]
    assert verify(chain_app)[0] == 0


@chained
def test_every_event_the_session_writes_is_sealed_and_shows_it(chain_app):
    with chain_app.app_context():
        recorded = audit.record(None, "test.recorded", "thing", 1)
        added = AuditEvent(action="test.added", object_type="thing", object_id="2")
        db.session.add(added)   # not flushed yet: the commit writes it, then seals it
        db.session.commit()
        assert (recorded.seq, added.seq) == (13, 14)
        assert added.prev_hash == recorded.hash and len(added.hash) == 64
    assert verify(chain_app)[0] == 0


@chained
def test_concurrent_commits_never_fork_the_chain(chain_app):
    """Eight writers seal at the same moment, three times over: one line, no place taken twice."""

    def work(number):
        for index in range(3):
            audit.record(None, "test.raced", "thing", f"{number}-{index}")

    for _round in range(3):
        assert race(chain_app, work, range(8)) == ["ok"] * 8
    events = chain(chain_app)
    assert sorted(e.seq for e in events) == list(range(1, 12 + 3 * 8 * 3 + 1))
    code, output = verify(chain_app)
    assert code == 0, output


@chained
def test_the_database_allows_sealing_once_and_nothing_else(chain_app):
    with chain_app.app_context():
        sealed = db.session.scalar(select(AuditEvent.id).where(AuditEvent.seq == 3))
        for statement in (f"UPDATE audit_events SET hash = 'x' WHERE id = {sealed}",
                          f"UPDATE audit_events SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = {sealed}",
                          f"DELETE FROM audit_events WHERE id = {sealed}"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
        fresh = audit.record(None, "test.fresh", "thing", 1)   # not sealed before its commit
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("UPDATE audit_events SET action = 'x', seq = 999, prev_hash = 'a', hash = 'b' "
                                    f"WHERE id = {fresh.id}"))
        db.session.rollback()
    assert verify(chain_app)[0] == 0


def _middle(app) -> tuple:
    events = chain(app)
    return events[5], events[6], events[7]


TAMPERING = {
    "action changed": (lambda e: [f"UPDATE audit_events SET action = 'device.lost' WHERE id = {e[1].id}"],
                       lambda e: f"event id {e[1].id} (#7) was changed"),
    "changes rewritten": (lambda e: ["UPDATE audit_events SET changes = '{\"location\": [\"\", \"gone\"]}' "
                                     f"WHERE id = {e[1].id}"],
                          lambda e: f"event id {e[1].id} (#7) was changed"),
    "actor erased": (lambda e: [f"UPDATE audit_events SET actor_id = NULL, request_id = 'x' WHERE id = {e[1].id}"],
                     lambda e: f"event id {e[1].id} (#7) was changed"),
    "time moved": (lambda e: [f"UPDATE audit_events SET at = (SELECT at FROM audit_events WHERE id = {e[0].id}) "
                              f"WHERE id = {e[1].id}"],
                   lambda e: f"event id {e[1].id} (#7) was changed"),
    "removed": (lambda e: [f"DELETE FROM audit_events WHERE id = {e[1].id}"],
                lambda e: f"event #7 of the chain was removed (the next one left is event id {e[2].id}, #8)"),
    "two removed": (lambda e: [f"DELETE FROM audit_events WHERE id IN ({e[0].id}, {e[1].id})"],
                    lambda e: f"events #6 to #7 of the chain were removed (the next one left is event id {e[2].id}"),
    "first removed": (lambda e: ["DELETE FROM audit_events WHERE seq = 1"],
                      lambda e: "event #1 of the chain was removed"),
    "changed and rehashed": (lambda e: None,
                             lambda e: f"the chain is broken between event id {e[1].id} (#7) and event id {e[2].id}"),
    "inserted": (lambda e: ["INSERT INTO audit_events (at, action, object_type, object_id, changes) "
                            "VALUES ('2026-11-30 01:00:00', 'device.created', 'device', 'BS-WC-99999', '{}')"],
                 lambda e: "events outside the chain (written behind the app's back): id "),
}


@chained
@pytest.mark.parametrize("case", list(TAMPERING))
def test_verify_names_the_event_changed_or_removed(chain_app, case):
    events = _middle(chain_app)
    statements, expected = TAMPERING[case][0](events), TAMPERING[case][1](events)
    if statements is None:  # someone who knows the recipe edits an event and makes its hash fit again
        target = events[1]
        with chain_app.app_context():
            row = dict(db.session.execute(select(*[AuditEvent.__table__.c[n] for n in audit.CHAINED_FIELDS])
                                          .where(AuditEvent.id == target.id)).mappings().one())
            db.session.rollback()
        row["action"] = "device.lost"
        statements = [f"UPDATE audit_events SET action = 'device.lost', "
                      f"hash = '{chain_hash(row, target.seq, target.prev_hash)}' WHERE id = {target.id}"]
    tamper(chain_app, *statements)
    code, output = verify(chain_app)
    assert code == 1
    assert "audit trail BROKEN" in output
    assert expected in output, output


@chained
def test_an_anchor_catches_what_no_chain_can_show(chain_app):
    """Dropping the newest events, or rewriting the chain from a removed event on, leaves a chain
    that checks out by itself; the head noted the night before is then gone from it."""
    code, output = verify(chain_app)
    noted = head_of(output)
    events = chain(chain_app)
    tamper(chain_app, f"DELETE FROM audit_events WHERE id = {events[-1].id}")
    assert verify(chain_app)[0] == 0
    code, output = verify(chain_app, "--head", noted)
    assert code == 1 and f"the head noted earlier ({noted}) is no longer in the chain" in output

    with chain_app.app_context():   # now rewrite the chain after removing event #4
        db.session.execute(text(f"DELETE FROM audit_events WHERE id = {events[3].id}"))
        table = AuditEvent.__table__
        rows = db.session.execute(select(*[table.c[n] for n in audit.CHAINED_FIELDS])
                                  .where(table.c.seq > 4).order_by(table.c.seq)).mappings().all()
        db.session.execute(table.update().values(seq=None, prev_hash=None, hash=None).where(table.c.seq > 4))
        links = audit.chain_links(rows, 3, events[2].hash)
        db.session.execute(audit.seal_statement(), links)
        db.session.commit()
    code, output = verify(chain_app)
    assert code == 0, output
    code, output = verify(chain_app, "--head", events[6].hash)
    assert code == 1 and "is no longer in the chain" in output


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_before_chain(request, tmp_path):
    app = build_app(database_url(request.param, tmp_path), create_schema=False)
    with app.app_context():
        upgrade(revision=BEFORE_CHAIN)
        yield app
        db.session.remove()
        db.engine.dispose()


def test_the_migration_chains_the_events_already_there(app_before_chain):
    for number in range(7):
        db.session.execute(text(
            "INSERT INTO audit_events (at, action, object_type, object_id, changes, request_id) VALUES "
            f"('2026-1{number % 2}-0{number + 1} 03:0{number}:00.12345{number}', 'device.created', 'device', "
            f"'BS-WC-0000{number}', '{{\"n\": {number}, \"ชื่อ\": \"ก\"}}', NULL)"))
    db.session.commit()
    upgrade()
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    assert [e.seq for e in events] == list(range(1, 8)) and all(e.hash for e in events)
    db.session.rollback()
    check = audit.verify_chain(db.session)
    assert check.intact and check.events == 7, check.problems
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("UPDATE audit_events SET action = 'x'"))
    db.session.rollback()

    downgrade(revision=BEFORE_CHAIN)
    assert "hash" not in {c["name"] for c in inspect(db.engine).get_columns("audit_events")}
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM audit_events"))
    db.session.rollback()
    upgrade()
    assert audit.verify_chain(db.session).intact
