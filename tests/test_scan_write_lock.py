"""The scan page under a second writer on SQLite: it waits its turn for the write lock (the busy
timeout) instead of failing, and takes the lock only for its inserts (core.db.appends)."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import event, func, select

from core.db import db, sqlite_file
from devices.models import ScanEvent


@pytest.fixture
def staff(client_as):
    return client_as("staff")


def _other_writer(app):
    """A second connection to the same file, as another server worker would hold it."""
    with app.app_context():
        path = sqlite_file(db.engine)
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


def _scans(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ScanEvent))


def test_a_scan_waits_for_another_writer_instead_of_failing(app, staff, make_device):
    tag = make_device("WC")
    other = _other_writer(app)
    other.execute("BEGIN IMMEDIATE")  # another worker is writing
    release = threading.Timer(0.5, other.execute, ("COMMIT",))
    release.start()
    try:
        response = staff.get(f"/d/{tag}")
    finally:
        release.join()
        other.close()
    assert response.status_code == 200
    assert _scans(app) == 1


def test_a_scan_reads_while_another_worker_writes(app, staff, make_device):
    """Its reads take no lock, and a writer that commits after them, before the scan's insert, does
    not make it fail (the read transaction could not take the lock any more: a fresh one does)."""
    tag = make_device("WC")
    other = _other_writer(app)
    with app.app_context():
        engine = db.engine
    written = []

    def write_meanwhile(_conn, _cursor, statement, *_args):
        if statement.startswith("SELECT devices.") and not written:
            other.execute("BEGIN IMMEDIATE")  # would wait 5 s, then fail, if the page held the lock
            other.execute("UPDATE devices SET location = location")
            other.execute("COMMIT")
            written.append(statement)

    event.listen(engine, "after_cursor_execute", write_meanwhile)
    try:
        response = staff.get(f"/d/{tag}")
    finally:
        event.remove(engine, "after_cursor_execute", write_meanwhile)
        other.close()
    assert written and response.status_code == 200
    assert _scans(app) == 1
