"""Storage: migrations match the models, SQLite tuning, concurrent writers, append-only audit."""
from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from core import audit
from core.audit import AuditEvent
from core.db import db
from devices import services
from devices.models import Device
from fixtures.core import both_databases, build_app, database_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_app(request, tmp_path):
    """An app whose schema was built by the migrations, not by create_all."""
    app = build_app(database_url(request.param, tmp_path), create_schema=False)
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_migrations_build_the_same_schema_as_the_models(migrated_app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_migrations_downgrade_to_empty_and_up_again(migrated_app):
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "devices" in inspect(db.engine).get_table_names()


def test_migrated_audit_trail_is_append_only(migrated_app):
    event = audit.record(None, "test.created", "thing", 1, {"a": [None, 1]})
    db.session.commit()
    for statement in (f"UPDATE audit_events SET action = 'x' WHERE id = {event.id}",
                      f"DELETE FROM audit_events WHERE id = {event.id}"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.get(AuditEvent, event.id).action == "test.created"


@both_databases
def test_create_all_audit_trail_is_append_only_too(app):
    with app.app_context():
        audit.record(None, "test.created", "thing", 1)
        db.session.commit()
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("DELETE FROM audit_events"))
        db.session.rollback()


def test_sqlite_connections_are_tuned(ctx):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


def test_sqlite_enforces_foreign_keys(ctx):
    with pytest.raises(DBAPIError):
        db.session.execute(text("INSERT INTO scan_events (device_id, at) VALUES (999, '2026-01-01')"))
        db.session.flush()
    db.session.rollback()


@both_databases
def test_concurrent_writers_get_distinct_tags_and_no_lock_errors(app, make_type):
    """Several threads (standing in for gunicorn workers) register devices at once."""
    make_type("WC")
    threads, errors, per_thread, workers = [], [], 15, 6
    barrier = threading.Barrier(workers)

    def work():
        try:
            with app.app_context():
                barrier.wait()
                for _ in range(per_thread):
                    device_type = services.get_type("WC")
                    services.register_device(device_type, {"brand": "Yuwell"}, by=None)
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(exc))

    for _ in range(workers):
        threads.append(threading.Thread(target=work))
        threads[-1].start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        tags = list(db.session.scalars(select(Device.tag)))
        assert len(tags) == len(set(tags)) == workers * per_thread
        assert sorted(tags)[-1] == f"BS-WC-{workers * per_thread:05d}"
        events = db.session.scalar(select(db.func.count()).select_from(AuditEvent)
                                   .where(AuditEvent.action == "device.created"))
        assert events == workers * per_thread


@both_databases
def test_duplicate_tags_are_refused_by_the_database(app, make_device):
    tag = make_device("WC")
    with app.app_context():
        device = db.session.scalar(select(Device).where(Device.tag == tag))
        db.session.add(Device(tag=tag, type_id=device.type_id))
        with pytest.raises(DBAPIError):
            db.session.flush()
        db.session.rollback()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_before_items(request, tmp_path):
    """An app whose database stands at the revision before requests had items."""
    app = build_app(database_url(request.param, tmp_path), create_schema=False)
    with app.app_context():
        upgrade(revision="0a421d819bb9")
        yield app
        db.session.remove()
        db.engine.dispose()


def test_existing_requests_and_loans_migrate_to_one_item_each(app_before_items):
    now = "'2026-11-01 03:00:00'"
    statements = [
        "INSERT INTO users (id, username, display_name, password_hash, active, created_at) "
        f"VALUES (1, 'staff', '', 'x', TRUE, {now})",
        "INSERT INTO device_types (id, code, name_th, name_en, reference_price_satang, reference_price_source, "
        "description, instructions, cleaning_steps, contact_time_minutes, inspection_items, first_follow_up_days, "
        f"follow_up_interval_days, tag_counter, version, created_at) VALUES (1, 'WC', 'รถเข็น', 'Wheelchair', 0, '', "
        f"'', '[]', '[]', 10, '[]', 7, 30, 1, 1, {now})",
        "INSERT INTO devices (id, tag, type_id, brand, model, serial, status, condition, location, acquisition, "
        f"notes, version, created_at, updated_at) VALUES (1, 'BS-WC-00001', 1, '', '', '', 'on_loan', 'good', '', "
        f"'donation', '', 1, {now}, {now})",
        "INSERT INTO people (id, first_name, title, last_name, phone, house_no, moo, soi, road, tambon, amphoe, "
        "changwat, postcode, caregiver_name, caregiver_relation, caregiver_phone, disability_types, notes, version, "
        f"created_at) VALUES (1, 'สมศรี', '', '', '', '', '4', '', '', 'บ้านสวน', '', '', '', '', '', '', '[]', '', 1, "
        f"{now})",
        "INSERT INTO requests (id, person_id, device_type_id, channel, urgency, requested_by_name, "
        "requested_by_relation, requested_by_phone, reason, status, created_at, status_changed_at, decision_reason, "
        f"device_id, delivered_at, cancel_reason, version) VALUES (1, 1, 1, 'phone', 'normal', '', '', '', '', "
        f"'delivered', {now}, {now}, 'เหมาะสม', 1, {now}, '', 1)",
        "INSERT INTO requests (id, person_id, device_type_id, channel, urgency, requested_by_name, "
        "requested_by_relation, requested_by_phone, reason, status, created_at, status_changed_at, decision_reason, "
        f"cancel_reason, version) VALUES (2, 1, 1, 'line', 'high', '', '', '', '', 'assessed', {now}, {now}, '', '', "
        "1)",
        "INSERT INTO loans (id, device_id, person_id, request_id, delivered_at, instructions, acknowledged_by, "
        f"acknowledged_relation, photo_type, return_notes) VALUES (1, 1, 1, 1, {now}, '[]', 'ก', '', '', '')",
        "INSERT INTO follow_ups (id, loan_id, visited_on, in_use, condition, outcome, problems, notes, created_at) "
        f"VALUES (1, 1, '2026-11-20', FALSE, 'good', 'died', '', '', {now})",
    ]
    for statement in statements:
        db.session.execute(text(statement))
    db.session.commit()
    upgrade()
    items = db.session.execute(text("SELECT request_id, device_type_id, status, device_id, decision_reason "
                                    "FROM request_items ORDER BY request_id")).all()
    assert [tuple(row) for row in items] == [(1, 1, "delivered", 1, "เหมาะสม"), (2, 1, "requested", None, "")]
    loan = db.session.execute(text("SELECT item_id FROM loans WHERE id = 1")).scalar_one()
    assert loan == db.session.execute(text("SELECT id FROM request_items WHERE request_id = 1")).scalar_one()
    person = db.session.execute(text("SELECT life_status, life_status_on FROM people WHERE id = 1")).one()
    assert person[0] == "deceased" and str(person[1]) == "2026-11-20"
    db.session.commit()  # the migration runs on its own connection: let go of these rows' locks
    downgrade(revision="0a421d819bb9")
    back = db.session.execute(text("SELECT device_type_id, device_id, decision_reason FROM requests ORDER BY id")).all()
    assert [tuple(row) for row in back] == [(1, 1, "เหมาะสม"), (1, None, "")]
