"""Benchmark: the head of center's dashboard on a database at province scale.

Times the dashboard's figures (the service alone, each part of it, the page and the JSON API
through the Flask test client) in one process, and prints the median milliseconds of several
runs, the SQL statements of one request and the memory it needs: the peak of the Python heap
during one request (tracemalloc) and the process's peak resident size.

Uses ``DATABASE_URL`` (a copy of the data ``bench/generate.py`` builds, e.g. made with sqlite3's
``.backup``). With ``--read-only`` nothing is written: on PostgreSQL every transaction is read-only,
and no table, index or statistics are added; without it the tables and indexes added since the
file was built are created and the kept figures counted (as ``flask db upgrade`` would), and
the planner's statistics refreshed.

    DATABASE_URL=sqlite:////tmp/copy.sqlite .venv/bin/python bench/dashboard.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench .venv/bin/python bench/dashboard.py 9 --read-only
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="bench-"))

from sqlalchemy import event, func, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.timing import median_ms  # noqa: E402
from core import clock  # noqa: E402
from core.db import db  # noqa: E402
from core.users import Role, User, issue_token, use_fast_hashing  # noqa: E402
from devices.models import Device  # noqa: E402
from reports import dashboard  # noqa: E402



def _show(label: str, ms: float) -> None:
    print(f"{label:40} {ms:10.1f}", flush=True)


def _prepare(read_only: bool) -> None:
    if read_only:
        return
    db.create_all()                                     # tables added since the file was built
    for table in db.metadata.sorted_tables:             # and indexes
        for index in table.indexes:
            index.create(db.engine, checkfirst=True)
    dashboard.rebuild_kept()                            # the kept figures, as the migration counts them
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()


def _admin() -> User:
    found = db.session.scalar(select(User).where(User.username == "bench"))
    if found is None:
        found = next(user for user in db.session.scalars(select(User).order_by(User.id)) if Role.ADMIN in user.roles)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", nargs="?", type=int, default=5)
    parser.add_argument("--read-only", action="store_true", help="write nothing to the database")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("set DATABASE_URL to a copy of the scale data (bench/generate.py)")
    use_fast_hashing()
    options = {"pool_pre_ping": True}
    if args.read_only and url.startswith("postgresql"):
        options["connect_args"] = {"options": "-c default_transaction_read_only=on"}
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    statements = [0]
    with app.app_context():
        _prepare(args.read_only)
        admin = _admin()
        user_id = admin.get_id()
        devices = db.session.scalar(select(func.count(Device.id)))
        today = clock.today()
        parts = {"devices": dashboard._devices, "waitlist": dashboard._waitlist, "requests": dashboard._requests,
                 "follow_ups": lambda: dashboard._follow_ups(today), "pickups": dashboard._pickups,
                 "maintenance": dashboard._maintenance, "held_back": dashboard._held_back,
                 "fund_balances": lambda: dashboard._funds(admin)}
        print(f"{url.split('@')[-1]}: {devices:,} devices, {args.runs} runs each"
              f"{' (read-only)' if args.read_only else ''}\n\n{'':40} {'median ms':>10}", flush=True)
        for name, work in parts.items():
            _show(f"part {name}", median_ms(work, args.runs))
        _show("dashboard service", median_ms(lambda: dashboard.dashboard(by=admin), args.runs))
        db.session.rollback()
        token = None
        if not args.read_only:                       # a bearer token is a write
            token, _ = issue_token(admin)
            db.session.commit()
        event.listen(db.engine, "before_cursor_execute", lambda *_a: statements.__setitem__(0, statements[0] + 1))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    counts = {}
    heap = {}
    paths = {"/dashboard": {}}
    if token:
        paths["/api/v1/reports/dashboard"] = {"Authorization": f"Bearer {token}"}
    for path, headers in paths.items():
        assert client.get(path, headers=headers).status_code == 200, path
        _show(f"GET {path}", median_ms(lambda p=path, h=headers: client.get(p, headers=h), args.runs))
        statements[0] = 0
        tracemalloc.start()
        client.get(path, headers=headers)
        heap[path] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        counts[path] = statements[0]
    print()
    for path in counts:
        print(f"GET {path:36} {counts[path]:3d} SQL statements, Python heap peak {heap[path]:.1f} MiB")
    print(f"peak resident size of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
