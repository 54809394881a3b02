"""One unit of work per request: handlers never commit; the request commits once when the view
returns and rolls everything back when it raises."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from core.auth import public
from core.db import db, holds_write_lock
from core.errors import Conflict
from devices import services as devices
from devices.models import Device

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("devices", "lending", "maintenance", "fund", "labels", "reports", "demo")


def _commits(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
            found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_no_handler_or_helper_commits_on_its_own():
    """Only core's unit of work and the CLI commands (one commit each) commit."""
    places = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if p.name != "cli.py"]
    places += [p for p in (ROOT / "core").glob("*.py") if p.name not in ("unit_of_work.py", "cli.py")]
    found = [hit for path in places for hit in _commits(path)]
    assert found == [], "commit in the request's unit of work (core/unit_of_work.py), not here: " + ", ".join(found)


def test_the_check_finds_a_commit(tmp_path):
    sample = tmp_path / "view.py"
    sample.write_text("from core.db import db\ndef view():\n    db.session.commit()\n")
    assert _commits(sample, tmp_path) == ["view.py:3"]


@pytest.fixture
def probe(app, make_type):
    """Two routes that register a device and then return, or raise; and a count of commits."""
    make_type("WC")
    commits = []

    @public
    def register_then(outcome):
        devices.register_device(devices.get_type("WC"), {}, by=None)
        if outcome == "raise":
            raise Conflict("no")
        return "ok", 201

    app.add_url_rule("/probe/<outcome>", view_func=register_then, methods=["POST"])
    with app.app_context():
        event.listen(db.engine, "commit", lambda _conn: commits.append(1))
    return commits


def _devices(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Device))


def test_a_request_commits_once_when_the_view_returns(app, client, probe):
    before = len(probe)
    assert client.post("/probe/return").status_code == 201
    assert len(probe) - before == 1 and _devices(app) == 1


def test_a_request_that_raises_leaves_nothing_written(app, client, probe):
    assert client.post("/probe/raise").status_code == 409
    assert _devices(app) == 0


def test_a_page_that_reads_then_logs_runs_again_when_another_write_came_first(app, client, make_type):
    """On SQLite a GET begins without the write lock; another connection commits while it reads; its
    own write (a log line) is refused ("database is locked"): the request runs again, with the lock."""
    make_type("WC")
    runs, locked_from_the_start = [], []

    @public
    def read_then_log():
        locked_from_the_start.append(holds_write_lock())
        runs.append(db.session.scalar(select(func.count()).select_from(Device)))   # the read: a snapshot
        if len(runs) == 1:   # meanwhile, another worker registers a device and commits
            with db.engine.begin() as other:
                other.execute(Device.__table__.insert().values(
                    tag="BS-WC-09999", type_id=devices.get_type("WC").id, status="available", condition="good"))
        devices.register_device(devices.get_type("WC"), {}, by=None)   # then this page writes
        return "ok"

    app.add_url_rule("/probe-read-then-log", view_func=read_then_log)
    response = client.get("/probe-read-then-log")
    assert response.status_code == 200
    # The first run read 0 devices and lost the lock; the second, holding the lock from its start,
    # read the other worker's device.
    assert runs == [0, 1] and _devices(app) == 2 and locked_from_the_start == [False, True]
