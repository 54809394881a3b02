"""Storage: migrations match the models, SQLite tuning, concurrent writers, append-only audit."""
from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from conftest import both_databases, build_app, database_url
from core import audit
from core.audit import AuditEvent
from core.db import db
from devices import services
from devices.models import Device


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
