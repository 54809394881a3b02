"""``flask backup`` and ``flask restore``: every table comes back equal, a backup taken while
the app writes is consistent, a restore refuses what it should and ends at the migration head,
and the files holding personal data are the owner's alone."""
from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from app import create_app
from fixtures.core import build_app, database_url
from core import audit, backup
from core.db import db
from devices import services as devices
from devices.models import Device
from snapshot import differences, snapshot

both = pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
BEFORE_CHAIN = "3e61bf7366dd"


def migrated(kind: str, tmp_path: Path, revision: str = "head"):
    app = build_app(database_url(kind, tmp_path), create_schema=False)
    with app.app_context():
        upgrade(revision=revision)
    return app


def close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def state(app) -> dict[str, list[tuple]]:
    with app.app_context():
        return snapshot(db.engine)


def backup_counts(path: Path) -> tuple[int, int]:
    """Devices in a backup, and the ``device.created`` events beside them."""
    if path.read_bytes()[:5] == backup.PG_DUMP_MAGIC:
        def rows(table_name):
            data = subprocess.run(["pg_restore", "--data-only", f"--table={table_name}", "--file=-", str(path)],
                                  capture_output=True, text=True, check=True).stdout
            return data.split("FROM stdin;\n", 1)[1].split("\n\\.", 1)[0].splitlines()
        return len(rows("devices")), sum("\tdevice.created\t" in row for row in rows("audit_events"))
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return (conn.execute("SELECT count(*) FROM devices").fetchone()[0],
                conn.execute("SELECT count(*) FROM audit_events WHERE action = 'device.created'").fetchone()[0])


@pytest.fixture
def demo_app(request, tmp_path):
    """The demo data set (``flask demo-data``) in a database built by the migrations."""
    app = migrated(request.param, tmp_path)
    result = run(app, "demo-data")
    assert result.exit_code == 0, result.output
    yield app
    close(app)


@pytest.mark.parametrize("demo_app", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_a_restore_brings_every_table_back_equal(demo_app, tmp_path):
    app = demo_app
    before = state(app)
    assert sum(map(len, before.values())) > 1500 and len([t for t, rows in before.items() if rows]) > 25, \
        {t: len(rows) for t, rows in before.items()}
    path = tmp_path / "backups" / "lending-2026-11-30.backup"
    result = run(app, "backup", str(path))
    assert result.exit_code == 0, result.output
    with app.app_context():
        head = backup.migration_head()
    assert f"backed up to {path}" in result.output and f"revision {head}" in result.output
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert run(app, "backup", str(path)).exit_code == 1            # never over an earlier backup unasked

    with app.app_context():   # the day goes on, and something goes wrong
        devices.register_device(devices.get_type("WC"), {"brand": "Karma", "serial": "NEW-1"}, by=None)
        db.session.execute(text("UPDATE people SET phone = '000-000-0000'"))
        db.session.execute(text("DELETE FROM volunteer_zones"))
        db.session.commit()
    changed = state(app)
    assert set(differences(before, changed)) >= {"audit_events", "devices", "people", "volunteer_zones"}

    refused = run(app, "restore", str(path))
    assert refused.exit_code == 1 and "pass --yes" in refused.output
    assert state(app) == changed

    result = run(app, "restore", "--yes", str(path))
    assert result.exit_code == 0, result.output
    after = state(app)
    assert differences(before, after) == {}
    assert after == before
    with app.app_context():
        assert backup.current_revision() == backup.migration_head()
        # The app carries on where the backup left off (PostgreSQL's sequences came back too).
        device = devices.register_device(devices.get_type("WC"), {"brand": "Karma"}, by=None)
        db.session.commit()
        assert device.id > max(row[0] for row in before["devices"])
    assert run(app, "audit", "verify").exit_code == 0

    kept = Path(re.search(r"the database replaced is kept at (\S+)", result.output).group(1))
    assert kept.parent == Path(app.instance_path) and mode(kept) == 0o600
    assert backup_counts(kept)[0] == len(changed["devices"])       # what the restore replaced is not lost
    kept.unlink()


@both
def test_a_backup_taken_while_the_app_writes_is_consistent(kind, tmp_path):
    app = migrated(kind, tmp_path)
    with app.app_context():
        devices.create_type({"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair",
                             "reference_price_satang": 350_000}, by=None)
        db.session.commit()
    stop, errors, written = threading.Event(), [], []

    def writer():
        try:
            with app.app_context():
                while not stop.is_set():
                    devices.register_device(devices.get_type("WC"), {"brand": "Yuwell"}, by=None)
                    db.session.commit()
                    written.append(1)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(repr(exc))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        counts = []
        for night in range(3):
            while len(written) < 10 * (night + 1):
                stop.wait(0.01)
            path = tmp_path / f"during-{night}.backup"
            result = run(app, "backup", str(path))
            assert result.exit_code == 0, result.output
            counts.append(backup_counts(path))
    finally:
        stop.set()
        thread.join()
    assert errors == []
    # Each copy is one moment: every device in it has its audit event, and the writes went on.
    assert all(devices_in == events_in for devices_in, events_in in counts), counts
    assert counts[0][0] < counts[1][0] < counts[2][0] < len(written) + 1
    close(app)


@both
def test_an_older_backup_is_restored_then_brought_to_the_migration_head(kind, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = migrated(kind, tmp_path / "old", revision=BEFORE_CHAIN)
    with old.app_context():
        for number in range(4):
            db.session.execute(text(
                "INSERT INTO audit_events (at, action, object_type, object_id, changes) VALUES "
                f"('2026-0{number + 1}-01 03:00:00', 'device.created', 'device', 'BS-WC-0000{number}', '{{}}')"))
        db.session.commit()
        path = backup.backup(tmp_path / "old.backup").path
    close(old)

    app = migrated(kind, tmp_path / "new")
    result = run(app, "restore", str(path))               # an empty database: nothing to confirm
    assert result.exit_code == 0, result.output
    with app.app_context():
        head = backup.migration_head()
    assert f"revision {BEFORE_CHAIN}, upgraded to {head}" in result.output
    assert "audit trail: intact (4 events)" in result.output
    with app.app_context():
        assert backup.current_revision() == backup.migration_head()
        assert [e.seq for e in db.session.scalars(select(audit.AuditEvent).order_by(audit.AuditEvent.id))] == [1, 2,
                                                                                                               3, 4]
    close(app)


def _damaged(good: Path, tmp_path: Path) -> dict[str, Path]:
    data = good.read_bytes()
    files = {"truncated": data[: len(data) // 2], "scrambled": data[:100] + bytes(len(data) - 100),
             "not a backup": b"name,phone\nsomchai,081\n" * 50}
    paths = {}
    for name, content in files.items():
        paths[name] = tmp_path / f"{name.replace(' ', '-')}.backup"
        paths[name].write_bytes(content)
    return paths


@both
def test_a_restore_refuses_a_backup_it_cannot_trust_and_changes_nothing(kind, tmp_path):
    app = migrated(kind, tmp_path)
    with app.app_context():
        devices.create_type({"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair",
                             "reference_price_satang": 350_000}, by=None)
        db.session.commit()
        good = backup.backup(tmp_path / "good.backup").path
    before, kept = state(app), set(Path(app.instance_path).glob("before-restore-*"))
    for name, path in _damaged(good, tmp_path).items():
        result = run(app, "restore", "--yes", str(path))
        assert result.exit_code == 1, (name, result.output)
        assert str(path) in result.output
    other = tmp_path / "other-kind.backup"
    if kind == "sqlite":
        other.write_bytes(backup.PG_DUMP_MAGIC + bytes(200))
        expected = "is not a SQLite database"
    else:
        other.write_bytes(backup.SQLITE_MAGIC + bytes(200))
        expected = "is not a PostgreSQL dump"
    result = run(app, "restore", "--yes", str(other))
    assert result.exit_code == 1 and expected in result.output
    assert state(app) == before
    assert set(Path(app.instance_path).glob("before-restore-*")) == kept
    close(app)


@pytest.mark.postgres
def test_a_postgres_restore_failing_late_leaves_the_old_data(tmp_path, monkeypatch):
    """The old schema is dropped and the backup loaded in one transaction: a failure at its very
    end (here a statement made to fail after the whole script) rolls it all back."""
    app = migrated("postgresql", tmp_path)
    with app.app_context():
        devices.create_type({"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair",
                             "reference_price_satang": 350_000}, by=None)
        db.session.commit()
        good = backup.backup(tmp_path / "good.backup").path
        devices.register_device(devices.get_type("WC"), {"brand": "Yuwell"}, by=None)
        db.session.commit()
    before, kept = state(app), set(Path(app.instance_path).glob("before-restore-*"))
    real = backup._run

    def failing_late(args, env, what, **kwargs):
        if what == "restoring":
            args = [*args[:-1], "--command=SELECT 1/0", args[-1]]
        return real(args, env, what, **kwargs)

    monkeypatch.setattr(backup, "_run", failing_late)
    result = run(app, "restore", "--yes", str(good))
    assert result.exit_code == 1 and "division by zero" in result.output
    assert state(app) == before
    for path in set(Path(app.instance_path).glob("before-restore-*")) - kept:
        path.unlink()
    close(app)


def test_a_restore_refuses_a_backup_from_a_newer_app(tmp_path):
    app = migrated("sqlite", tmp_path)
    with app.app_context():
        path = backup.backup(tmp_path / "newer.backup").path
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
    result = run(app, "restore", "--yes", str(path))
    assert result.exit_code == 1 and "made by a newer version of the app (revision ffffffffffff)" in result.output
    close(app)


def test_pg_tools_must_be_as_new_as_the_server(monkeypatch):
    versions = {"/usr/bin/pg_dump": 15}
    monkeypatch.setattr(backup.shutil, "which", lambda name: "/usr/bin/pg_dump")
    monkeypatch.setattr(backup, "_tool_major", versions.get)
    with pytest.raises(backup.BackupError, match=r"older than the server \(PostgreSQL 16\).*postgresql-client-16"):
        backup.pg_tool("pg_dump", 16)
    assert backup.pg_tool("pg_dump", 15) == "/usr/bin/pg_dump"
    versions["/usr/lib/postgresql/16/bin/pg_dump"] = 16
    assert backup.pg_tool("pg_dump", 16) == "/usr/lib/postgresql/16/bin/pg_dump"
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="not installed"):
        backup.pg_tool("pg_dump", 17)


# --- the files are the owner's alone ---------------------------------------------------------------

@pytest.fixture
def own_instance(tmp_path, monkeypatch):
    """The app on its default SQLite file in a fresh instance folder, under a permissive umask."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    previous = os.umask(0o022)
    apps = []

    def start():
        apps.append(create_app({"TESTING": True, "RATELIMIT_ENABLED": False}))
        return apps[-1]

    yield start
    os.umask(previous)
    for app in apps:
        close(app)


def test_the_sqlite_files_and_instance_folder_are_private(own_instance, tmp_path):
    app = own_instance()
    instance = tmp_path / "instance"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'lending.db'}"
    with app.app_context():
        db.create_all()
        audit.record(None, "test.written", "thing", 1)
        db.session.commit()
        with db.engine.connect() as reader:   # an open connection keeps the -wal and -shm files
            assert reader.exec_driver_sql("SELECT count(*) FROM audit_events").scalar() == 1
            files = sorted(p.name for p in instance.iterdir())
            assert files == ["lending.db", "lending.db-shm", "lending.db-wal", "secret_key"]
            assert {name: mode(instance / name) for name in files} == dict.fromkeys(files, 0o600)
            assert mode(instance) == 0o700


def test_storage_made_loose_elsewhere_is_made_private_at_start(own_instance, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    with sqlite3.connect(instance / "lending.db") as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        os.chmod(instance / "lending.db", 0o644)
        assert mode(instance / "lending.db-wal") == 0o644
        own_instance()
        assert mode(instance) == 0o700
        assert mode(instance / "lending.db") == mode(instance / "lending.db-wal") == 0o600


def test_a_backup_of_the_default_file_is_private_too(own_instance, tmp_path):
    """A backup of the default file, into a folder it makes, is private too and opens as a database."""
    app = own_instance()
    with app.app_context():
        db.create_all()
        devices.create_type({"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair",
                             "reference_price_satang": 350_000}, by=None)
        devices.register_device(devices.get_type("WC"), {"brand": "ยี่ห้อไทย"}, by=None)
        db.session.commit()
    path = tmp_path / "nightly" / "deep" / "lending.backup"
    result = run(app, "backup", str(path))
    assert result.exit_code == 0, result.output
    assert mode(path) == 0o600 and mode(path.parent) == mode(path.parent.parent) == 0o700
    assert not list(path.parent.glob(".*partial"))
    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT brand FROM devices").fetchall() == [("ยี่ห้อไทย",)]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Device)) == 1
