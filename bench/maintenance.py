"""Benchmark: the maintenance lists and figures on a fleet of tens of thousands of devices.

Builds a database (SQLite file by default, or ``DATABASE_URL``) with N devices, two loans
each on average (a third still out), a cleaning order per return, some repairs and past
inspections, then times the preventive-service due list, the per-type figures (MTBF,
turnaround), one device's figures, and the two pages, and prints the peak memory.

    .venv/bin/python bench/maintenance.py            # 30,000 devices
    .venv/bin/python bench/maintenance.py 60000
"""
from __future__ import annotations

import datetime as dt
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="bench-"))

from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from core.db import db  # noqa: E402
from core.users import User, create_user, use_fast_hashing  # noqa: E402
from devices.models import Device, DeviceStatus, DeviceType  # noqa: E402
from lending.models import LendingRequest, Loan, Person, RequestStatus  # noqa: E402
from maintenance.services import figures, preventive  # noqa: E402
from maintenance.models import WorkKind, WorkOrder, WorkStatus  # noqa: E402

TYPES = [("WC", 180, 4), ("BED", 180, 3), ("AIR", 90, 2), ("WLK", 365, 6)]
BATCH = 5000


def build(devices_count: int) -> None:
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    admin = create_user("bench", "long-enough-pw", ["admin"])
    type_ids = []
    for code, days, loans in TYPES:
        t = DeviceType(code=code, name_th=code, name_en=code, reference_price_satang=350_000,
                       service_interval_days=days, service_interval_loans=loans)
        db.session.add(t)
        db.session.flush()
        type_ids.append(t.id)
    devices, people, requests, loans, orders = [], [], [], [], []
    loan_id = request_id = 0
    for i in range(1, devices_count + 1):
        acquired = (now - dt.timedelta(days=rng.randint(30, 2000))).date()
        n_loans = rng.choice((0, 1, 2, 2, 3, 4))
        open_loan = n_loans and rng.random() < 0.35
        status = DeviceStatus.ON_LOAN if open_loan else DeviceStatus.AVAILABLE
        devices.append({"id": i, "tag": f"BS-{i:06d}", "type_id": type_ids[i % len(type_ids)], "status": status,
                        "acquired_on": acquired})
        start = dt.datetime.combine(acquired, dt.time(), tzinfo=dt.UTC)
        for k in range(n_loans):
            request_id += 1
            loan_id += 1
            delivered = start + dt.timedelta(days=20 + 60 * k)
            last = k == n_loans - 1
            returned = None if (last and open_loan) else delivered + dt.timedelta(days=45)
            people.append({"id": request_id, "first_name": f"p{request_id}"})
            requests.append({"id": request_id, "person_id": request_id, "device_type_id": type_ids[i % len(type_ids)],
                             "channel": "phone", "device_id": i,
                             "status": RequestStatus.DELIVERED if returned is None else RequestStatus.CLOSED})
            loans.append({"id": loan_id, "device_id": i, "person_id": request_id, "request_id": request_id,
                          "delivered_at": delivered, "acknowledged_by": "x", "returned_at": returned,
                          "next_follow_up_on": (now + dt.timedelta(days=rng.randint(-5, 30))).date()
                          if returned is None else None})
            if returned is not None:
                orders.append({"device_id": i, "kind": WorkKind.CLEANING, "status": WorkStatus.DONE,
                               "source": "return", "opened_at": returned, "finished_at": returned +
                               dt.timedelta(days=1), "ready_at": returned + dt.timedelta(days=rng.randint(1, 6))})
        if rng.random() < 0.15:
            opened = start + dt.timedelta(days=rng.randint(1, 25))
            orders.append({"device_id": i, "kind": WorkKind.REPAIR, "status": WorkStatus.DONE, "source": "problem",
                           "opened_at": opened, "finished_at": opened + dt.timedelta(days=3),
                           "ready_at": opened + dt.timedelta(days=3), "other_cost_satang": rng.randint(100, 900) * 100})
        if rng.random() < 0.7:
            done = now - dt.timedelta(days=rng.randint(1, 400))
            orders.append({"device_id": i, "kind": WorkKind.PREVENTIVE, "status": WorkStatus.DONE,
                           "source": "schedule", "opened_at": done, "finished_at": done, "ready_at": done})
    for model, rows in ((Device, devices), (Person, people), (LendingRequest, requests), (Loan, loans),
                        (WorkOrder, orders)):
        for j in range(0, len(rows), BATCH):
            db.session.execute(insert(model), rows[j:j + BATCH])
    db.session.commit()
    print(f"built: {len(devices):,} devices, {len(loans):,} loans, {len(orders):,} work orders "
          f"(admin {admin.username})")


def timed(label: str, work, repeat: int = 3):
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    print(f"{label:45} {best * 1000:9.1f} ms (best of {repeat})")
    return result


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30_000
    use_fast_hashing()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(os.environ['INSTANCE_PATH']) / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        start = time.perf_counter()
        build(count)
        print(f"build took {time.perf_counter() - start:.1f} s")
        due = timed("service_due() (all devices, first page)", lambda: preventive.service_due(limit=100))
        print(f"  {due.total:,} devices due")
        per_type = timed("type_figures() (MTBF, turnaround per type)", figures.type_figures)
        for row in per_type:
            print(f"  {row['type_code']:4} devices {row['devices']:6,}  repairs {row['repairs']:5,}  "
                  f"MTBF {row['mtbf_days']} d  turnaround {row['turnaround_mean_days']} d")
        device = db.session.scalar(select(Device).where(Device.tag == "BS-000042"))
        timed("device_figures() (one device)", lambda: figures.device_figures(device), repeat=20)
        timed("service_due_for() (one device, scan page)", lambda: preventive.service_due_for(device), repeat=20)
        user_id = db.session.scalar(select(User.id).where(User.username == "bench"))
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
    for path in ("/maintenance/due", "/maintenance/figures", "/devices/BS-000042", "/d/BS-000042"):
        response = timed(f"GET {path}", lambda p=path: client.get(p))
        assert response.status_code == 200, (path, response.status_code)
        print(f"  {len(response.data) / 1024:,.0f} KiB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
