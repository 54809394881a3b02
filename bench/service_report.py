"""Benchmark: the service report on 100,000 devices and ten years of requests, loans and costs.

Builds a database (SQLite file by default, or ``DATABASE_URL``) with N devices, one to four
loans each over ten years (each with its request, item, assessment and decision), a cleaning
paid for every fifth return and a purchase per hundred devices in the ledger, then times the
report for the last fiscal year (and the one before, which it compares with) and its page.

    .venv/bin/python bench/service_report.py            # 100,000 devices
    .venv/bin/python bench/service_report.py 30000
"""
from __future__ import annotations

import datetime as dt
import os
import random
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
from fund.models import Account, JournalEntry, Posting, Spending  # noqa: E402
from fund.services import ledger  # noqa: E402
from lending.models import (Assessment, Channel, DependencyGroup, ItemStatus, LendingRequest, Loan, Person,  # noqa: E402
                            RequestItem, RequestStatus)
from maintenance.models import WorkKind, WorkOrder, WorkStatus  # noqa: E402
from reports import catalog, periods  # noqa: E402

TYPES = ("WC", "BED", "AIR", "WLK")
BATCH = 5000
YEARS = 10


def build(devices_count: int, today: dt.date) -> None:
    rng = random.Random(13)
    create_user("bench", "long-enough-pw", ["admin"])
    ledger.ensure_chart()
    fund = ledger.get_fund(ledger.GENERAL_FUND)
    accounts = {a.code: a.id for a in db.session.scalars(select(Account))}
    type_ids = []
    for code in TYPES:
        device_type = DeviceType(code=code, name_th=code, name_en=code, reference_price_satang=350_000)
        db.session.add(device_type)
        db.session.flush()
        type_ids.append(device_type.id)
    rows: dict[type, list[dict]] = {model: [] for model in (Device, Person, LendingRequest, RequestItem, Assessment,
                                                            Loan, JournalEntry, Posting, Spending, WorkOrder)}
    loan_id = entry_id = spending_id = 0
    channels = list(Channel)
    first_day = today - dt.timedelta(days=365 * YEARS)
    for i in range(1, devices_count + 1):
        type_id = type_ids[i % len(type_ids)]
        acquired = first_day + dt.timedelta(days=rng.randint(0, 365 * YEARS - 200))
        n_loans = rng.choice((1, 2, 2, 3, 4))
        open_loan = rng.random() < 0.35
        rows[Device].append({"id": i, "tag": f"BS-{i:06d}", "type_id": type_id, "acquired_on": acquired,
                             "status": DeviceStatus.ON_LOAN if open_loan else DeviceStatus.AVAILABLE})
        if i % 100 == 1:
            entry_id += 1
            spending_id += 1
            rows[JournalEntry].append({"id": entry_id, "entry_date": acquired, "memo": "bench", "kind": "purchase"})
            rows[Posting] += [{"entry_id": entry_id, "account_id": accounts[ledger.PURCHASES], "fund_id": fund.id,
                               "amount_satang": 35_000_000},
                              {"entry_id": entry_id, "account_id": accounts[ledger.CASH], "fund_id": fund.id,
                               "amount_satang": -35_000_000}]
            rows[Spending].append({"id": spending_id, "purpose": "purchase", "amount_satang": 35_000_000,
                                   "device_type_id": type_id, "spent_on": acquired, "entry_id": entry_id})
        moment = dt.datetime.combine(acquired, dt.time(3), tzinfo=dt.UTC)
        for k in range(n_loans):
            loan_id += 1
            asked = moment + dt.timedelta(days=rng.randint(1, 30))
            delivered = asked + dt.timedelta(days=rng.randint(2, 40))
            returned = None if (k == n_loans - 1 and open_loan) else delivered + dt.timedelta(days=rng.randint(20, 200))
            rows[Person].append({"id": loan_id, "first_name": f"p{loan_id}"})
            rows[LendingRequest].append({"id": loan_id, "person_id": loan_id, "channel": rng.choice(channels),
                                         "created_at": asked, "status_changed_at": delivered,
                                         "status": RequestStatus.DELIVERED if returned is None
                                         else RequestStatus.CLOSED})
            rows[RequestItem].append({"id": loan_id, "request_id": loan_id, "device_type_id": type_id,
                                      "device_id": i, "delivered_at": delivered,
                                      "decided_at": asked + dt.timedelta(days=rng.randint(1, 3)),
                                      "status": ItemStatus.DELIVERED if returned is None else ItemStatus.RETURNED})
            rows[Assessment].append({"request_id": loan_id, "assessed_on": (asked + dt.timedelta(days=1)).date(),
                                     "adl_items": [], "adl_total": 8, "dependency_group": DependencyGroup.HOME_BOUND,
                                     "suitable": True, "created_at": asked})
            rows[Loan].append({"id": loan_id, "device_id": i, "person_id": loan_id, "request_id": loan_id,
                               "item_id": loan_id, "delivered_at": delivered, "acknowledged_by": "x",
                               "returned_at": returned})
            if returned is not None and k % 5 == 0:
                entry_id += 1
                spending_id += 1
                rows[JournalEntry].append({"id": entry_id, "entry_date": returned.date(), "memo": "bench",
                                           "kind": "repair"})
                rows[Posting] += [{"entry_id": entry_id, "account_id": accounts[ledger.REPAIRS], "fund_id": fund.id,
                                   "amount_satang": 15_000},
                                  {"entry_id": entry_id, "account_id": accounts[ledger.CASH], "fund_id": fund.id,
                                   "amount_satang": -15_000}]
                rows[Spending].append({"id": spending_id, "purpose": "repair", "amount_satang": 15_000,
                                       "device_type_id": type_id, "spent_on": returned.date(), "entry_id": entry_id})
                rows[WorkOrder].append({"device_id": i, "kind": WorkKind.CLEANING, "status": WorkStatus.DONE,
                                        "source": "return", "opened_at": returned, "finished_at": returned,
                                        "spending_id": spending_id, "other_cost_satang": 15_000})
            moment = (returned or delivered) + dt.timedelta(days=1)
    for model, found in rows.items():
        for j in range(0, len(found), BATCH):
            db.session.execute(insert(model), found[j:j + BATCH])
    db.session.commit()
    print(f"built: {devices_count:,} devices, {loan_id:,} requests and loans, {entry_id:,} journal entries")


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
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    use_fast_hashing()
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(os.environ['INSTANCE_PATH']) / 'bench.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        start = time.perf_counter()
        period = periods.current().previous()
        build(count, period.last)
        print(f"build took {time.perf_counter() - start:.1f} s")
        admin = db.session.scalar(select(User).where(User.username == "bench"))
        found = timed(f"service report, {period.label('en')}", lambda: catalog.build("service", period, by=admin))
        print("  " + ", ".join(f"{f.key}={f.value}" for f in found.figures[:8]))
        user_id = admin.get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    path = f"/reports/service?period=fiscal_year&year={period.year}&compare=1"
    response = timed(f"GET {path}", lambda: client.get(path))
    assert response.status_code == 200, response.status_code


if __name__ == "__main__":
    main()
