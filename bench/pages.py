"""Benchmark: the working lists at province scale, each page's time and SQL statements.

Works on a copy of the database ``bench/reports.py`` builds (100,000 devices, ten years of
history), or on ``DATABASE_URL``. To the copy it adds, once, what a busy center has open at any
moment: requests in every open state (on the board, waiting for approval, on the waitlist),
loans whose pickup was asked for, and volunteers' zones. Then it requests each list page, the
board and each search through the Flask test client, logged in with the role that works there,
and prints the median time in milliseconds and the SQL statements of one request.

    .venv/bin/python bench/reports.py 100000 1        # build the history once
    .venv/bin/python bench/pages.py                   # 100,000 devices, 5 runs each
    .venv/bin/python bench/pages.py 30000 3
    .venv/bin/python bench/pages.py 100000 5 /people  # the pages whose path has /people
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/pages.py
"""
from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="bench-"))

from sqlalchemy import event, func, insert, select, update  # noqa: E402

from app import create_app  # noqa: E402
from core import clock  # noqa: E402
from core.db import db  # noqa: E402
from core.users import User, create_user, use_fast_hashing  # noqa: E402
from devices.models import DeviceType  # noqa: E402
from maintenance.models import ServiceState  # noqa: E402
from maintenance.services import service_states, upkeep_states  # noqa: E402
from lending.models import (Assessment, Channel, DependencyGroup, ItemStatus, LendingRequest, Loan,  # noqa: E402
                            Outcome, Person, RequestItem, RequestStatus, Urgency, VolunteerZone)

OPEN = {RequestStatus.SUBMITTED: ItemStatus.REQUESTED, RequestStatus.ASSESSMENT_SCHEDULED: ItemStatus.REQUESTED,
        RequestStatus.ASSESSED: ItemStatus.REQUESTED, RequestStatus.APPROVED: ItemStatus.APPROVED,
        RequestStatus.WAITLISTED: ItemStatus.WAITLISTED}
OPEN_REQUESTS = 10_000
PICKUPS = 300
ROLES = {"staff": "bench-staff", "supervisor": "bench-supervisor", "assessor": "bench-assessor",
         "maintenance": "bench-maintenance"}


def _database(count: int) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    built = Path(tempfile.gettempdir()) / f"bench-reports-{count}-v1.sqlite"
    copy = Path(tempfile.gettempdir()) / f"bench-pages-{count}.sqlite"
    if not copy.exists():
        if not built.with_suffix(".built").exists():
            sys.exit(f"no {built}: run bench/reports.py {count} 1 first")
        shutil.copyfile(built, copy)
    return f"sqlite:///{copy}"


def add_open_work(rng: random.Random) -> None:
    """Open requests in every state, pickups asked for, zones: once per database."""
    if db.session.scalar(select(func.count(LendingRequest.id)).where(
            LendingRequest.status == RequestStatus.SUBMITTED)):
        return
    now = clock.now()
    people = db.session.scalar(select(func.max(Person.id)))
    types = list(db.session.scalars(select(DeviceType.id)))
    first_request = (db.session.scalar(select(func.max(LendingRequest.id))) or 0) + 1
    first_item = (db.session.scalar(select(func.max(RequestItem.id))) or 0) + 1
    requests, items, assessments = [], [], []
    states = list(OPEN)
    for n in range(OPEN_REQUESTS):
        request_id, status = first_request + n, states[n % len(states)]
        created = now - dt.timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 600))
        group = rng.choice(list(DependencyGroup)) if status != RequestStatus.SUBMITTED else None
        requests.append({"id": request_id, "person_id": rng.randint(1, people), "channel": rng.choice(list(Channel)),
                         "urgency": rng.choice(list(Urgency)), "status": status, "created_at": created,
                         "status_changed_at": created, "dependency_group": group})
        items.append({"id": first_item + n, "request_id": request_id, "device_type_id": rng.choice(types),
                      "status": OPEN[status],
                      "waitlisted_at": created if status == RequestStatus.WAITLISTED else None})
        if group is not None and status != RequestStatus.ASSESSMENT_SCHEDULED:
            assessments.append({"request_id": request_id, "assessed_on": created.date(), "adl_items": [],
                                "adl_total": rng.randint(0, 20), "dependency_group": group, "suitable": True,
                                "created_at": created})
    for model, rows in ((LendingRequest, requests), (RequestItem, items), (Assessment, assessments)):
        for j in range(0, len(rows), 5000):
            db.session.execute(insert(model), rows[j:j + 5000])
    open_loans = list(db.session.scalars(select(Loan.id).where(Loan.returned_at.is_(None)).limit(PICKUPS)))
    db.session.execute(update(Loan).where(Loan.id.in_(open_loans)).values(
        pickup_requested_on=clock.today(), pickup_reason=Outcome.NO_LONGER_NEEDED))
    visitors = list(db.session.scalars(select(User.id).where(User.username.like("vol%"))))
    areas = {(tambon, moo) for tambon, moo in db.session.execute(select(Person.tambon, Person.moo).distinct())}
    db.session.execute(insert(VolunteerZone), [{"user_id": rng.choice(visitors), "tambon": tambon, "moo": moo}
                                               for tambon, moo in sorted(areas)])
    db.session.commit()


def users() -> dict[str, str]:
    found = {}
    for role, name in ROLES.items():
        user = db.session.scalar(select(User).where(User.username == name)) or \
            create_user(name, "long-enough-pw", [role])
        found[role] = user.get_id()
    db.session.commit()
    return found


def pages(people_q: str, device_q: str) -> list[tuple[str, str]]:
    return [("staff", "/follow-ups"), ("staff", "/follow-ups?days=90"), ("staff", "/follow-ups?page=20"),
            ("staff", "/maintenance/due"), ("staff", "/maintenance/due?page=40"), ("staff", "/maintenance/due?type=WC"),
            ("staff", "/maintenance/figures"),
            ("staff", f"/people?q={people_q}"), ("assessor", f"/people?q={people_q}"), ("staff", "/people"),
            ("staff", "/people?page=400"), ("staff", f"/devices?q={device_q}"), ("staff", "/devices"),
            ("staff", "/devices?page=400"), ("staff", "/requests"), ("staff", "/requests?type=WC"),
            ("staff", "/requests?status=submitted&page=10"),
            ("supervisor", "/approvals"), ("staff", "/waitlist"), ("staff", "/waitlist?type=BED")]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    only = sys.argv[3] if len(sys.argv) > 3 else ""          # pages whose path contains this
    use_fast_hashing()
    url = _database(count)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.create_all()                                   # tables added since the history was built
        for table in db.metadata.sorted_tables:           # and indexes
            for index in table.indexes:
                index.create(db.engine, checkfirst=True)
        add_open_work(random.Random(5))
        if not db.session.scalar(select(func.count()).select_from(ServiceState)):
            start = time.perf_counter()               # the history was loaded in bulk, past the hooks
            service_states.rebuild(db.session.connection())
            upkeep_states.rebuild(db.session.connection())
            print(f"service and upkeep states rebuilt in {time.perf_counter() - start:.1f} s")
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        ids = users()
        statements = [0]
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
    client = app.test_client()
    print(f"{'page':48} {'role':11} {'median ms':>9} {'SQL':>4} {'KiB':>6}   ({url}, {runs} runs)")
    for role, path in pages("p42", "BS-0420"):
        if only not in path:
            continue
        with client.session_transaction() as session:
            session["_user_id"] = ids[role]
            session["_fresh"] = True
        statements[0] = 0
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        counted, size = statements[0], len(response.data) / 1024
        took = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(path)
            took.append((time.perf_counter() - start) * 1000)
        print(f"{path:48} {role:11} {statistics.median(took):9.1f} {counted:4d} {size:6.0f}")


if __name__ == "__main__":
    main()
