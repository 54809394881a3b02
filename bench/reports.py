"""Benchmark: every report on 100,000 devices and ten years of history.

Builds a database (an SQLite file kept in the temporary directory and reused on the next run,
or ``DATABASE_URL``) with N devices, one to four loans each over ten years (each with its
person, request, item, assessment and decision, and follow-up visits every four months),
a cleaning paid for every fifth return, a purchase per hundred devices, and a donation a day
in the ledger (every entry balanced; at most one open loan per device). Then it times each
report for the last whole fiscal year and the one before, the dashboard, and each page through
the Flask test client, and prints the median of several runs in milliseconds.

    .venv/bin/python bench/reports.py                 # 100,000 devices, 5 runs each
    .venv/bin/python bench/reports.py 30000 3         # 30,000 devices, 3 runs each
    DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/reports.py
    BENCH_REBUILD=1 .venv/bin/python bench/reports.py # build the data again
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

from sqlalchemy import func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.timing import median_ms  # noqa: E402
from core import clock  # noqa: E402
from core.db import db  # noqa: E402
from core.users import User, create_user, issue_token, use_fast_hashing  # noqa: E402
from devices.models import Condition, Device, DeviceStatus, DeviceType  # noqa: E402
from fund.models import (Account, Donation, DonationKind, Donor, DonorKind, JournalEntry, Posting,  # noqa: E402
                         Spending)
from fund.services import ledger  # noqa: E402
from lending.models import (Assessment, Channel, ChronicCondition, DependencyGroup, FollowUp,  # noqa: E402
                            ItemStatus, LendingRequest, LifeStatus, Loan, Outcome, Person, RequestItem,
                            RequestStatus)
from lending.services import usage  # noqa: E402
from maintenance.services import service_states, upkeep_states  # noqa: E402
from maintenance.models import WorkKind, WorkOrder, WorkStatus  # noqa: E402
from reports import catalog, periods  # noqa: E402
from reports import dashboard as dashboard_service  # noqa: E402

TYPES = ("WC", "BED", "AIR", "WLK")
BATCH = 5000
YEARS = 10
VOLUNTEERS = 40
DONORS = 3000
GROUPS = (DependencyGroup.BED_BOUND, DependencyGroup.HOME_BOUND, DependencyGroup.SOCIAL_BOUND)
CONDITIONS = list(ChronicCondition)


def _entry(rows, accounts, fund_id, entry_id, day, kind, debit, credit, amount):
    rows[JournalEntry].append({"id": entry_id, "entry_date": day, "memo": "bench", "kind": kind})
    rows[Posting] += [{"entry_id": entry_id, "account_id": accounts[debit], "fund_id": fund_id,
                       "amount_satang": amount},
                      {"entry_id": entry_id, "account_id": accounts[credit], "fund_id": fund_id,
                       "amount_satang": -amount}]


def build(devices_count: int, today: dt.date) -> None:  # noqa: PLR0915 - one pass over the history
    rng = random.Random(13)
    create_user("bench", "long-enough-pw", ["admin"])
    visitors = [create_user(f"vol{i}", "long-enough-pw", ["staff"]).id
                  for i in range(VOLUNTEERS)]
    ledger.ensure_chart()
    fund_id = ledger.get_fund(ledger.GENERAL_FUND).id
    accounts = {a.code: a.id for a in db.session.scalars(select(Account))}
    type_ids = []
    for n, code in enumerate(TYPES):
        device_type = DeviceType(code=code, name_th=code, name_en=code, reference_price_satang=350_000,
                                 service_interval_days=180 if n % 2 == 0 else None,
                                 service_interval_loans=3 if n % 2 else None)
        db.session.add(device_type)
        db.session.flush()
        type_ids.append(device_type.id)
    models = (Device, Person, LendingRequest, RequestItem, Assessment, Loan, FollowUp, JournalEntry, Posting,
              Spending, WorkOrder, Donor, Donation)
    rows: dict[type, list[dict]] = {model: [] for model in models}
    loan_id = entry_id = spending_id = 0
    channels = list(Channel)
    first_day = today - dt.timedelta(days=365 * YEARS)
    now = dt.datetime.combine(today, dt.time(3), tzinfo=dt.UTC)
    for i in range(1, devices_count + 1):
        type_id = type_ids[i % len(type_ids)]
        acquired = first_day + dt.timedelta(days=rng.randint(0, 365 * YEARS - 200))
        n_loans = rng.choice((1, 2, 2, 3, 4))
        open_loan = rng.random() < 0.35
        if i % 100 == 1:
            entry_id += 1
            spending_id += 1
            _entry(rows, accounts, fund_id, entry_id, acquired, "purchase", ledger.PURCHASES, ledger.CASH, 35_000_000)
            rows[Spending].append({"id": spending_id, "purpose": "purchase", "amount_satang": 35_000_000,
                                   "device_type_id": type_id, "spent_on": acquired, "entry_id": entry_id})
        moment = dt.datetime.combine(acquired, dt.time(3), tzinfo=dt.UTC)
        still_open = False
        for k in range(n_loans):
            asked = moment + dt.timedelta(days=rng.randint(1, 30))
            delivered = asked + dt.timedelta(days=rng.randint(2, 40))
            if delivered >= now:
                break
            loan_id += 1
            returned = None if (k == n_loans - 1 and open_loan) else delivered + dt.timedelta(days=rng.randint(20, 400))
            if returned is not None and returned >= now:
                returned = None
            birth = dt.date(rng.randint(1925, 1990), rng.randint(1, 12), rng.randint(1, 28))
            died = returned is not None and rng.random() < 0.15
            rows[Person].append({
                "id": loan_id, "first_name": f"p{loan_id}", "birth_date": birth,
                "tambon": "Bang Sao Thong", "moo": str(rng.randint(1, 12)),
                "chronic_conditions": rng.sample(CONDITIONS, rng.choice((0, 1, 1, 2))),
                "life_status": LifeStatus.DECEASED if died else LifeStatus.AT_HOME,
                "life_status_on": returned.date() if died else None})
            rows[LendingRequest].append({"id": loan_id, "person_id": loan_id, "channel": rng.choice(channels),
                                         "created_at": asked, "status_changed_at": delivered,
                                         "status": RequestStatus.DELIVERED if returned is None
                                         else RequestStatus.CLOSED})
            rows[RequestItem].append({"id": loan_id, "request_id": loan_id, "device_type_id": type_id,
                                      "device_id": i, "delivered_at": delivered,
                                      "decided_at": asked + dt.timedelta(days=rng.randint(1, 3)),
                                      "status": ItemStatus.DELIVERED if returned is None else ItemStatus.RETURNED})
            first_adl = rng.randint(0, 20)
            rows[Assessment].append({"request_id": loan_id, "assessed_on": (asked + dt.timedelta(days=1)).date(),
                                     "adl_items": [], "adl_total": first_adl, "dependency_group": rng.choice(GROUPS),
                                     "suitable": True, "created_at": asked})
            visit = delivered.date() + dt.timedelta(days=120)
            end = (returned or now).date()
            while visit < end:
                rows[FollowUp].append({"loan_id": loan_id, "visited_on": visit, "visitor_id": rng.choice(visitors),
                                       "in_use": True, "condition": Condition.GOOD,
                                       "adl_total": max(0, min(20, first_adl + rng.randint(-4, 4))),
                                       "outcome": rng.choice((Outcome.IMPROVED, Outcome.STABLE, Outcome.WORSE))})
                visit += dt.timedelta(days=120)
            rows[Loan].append({"id": loan_id, "device_id": i, "person_id": loan_id, "request_id": loan_id,
                               "item_id": loan_id, "delivered_at": delivered, "acknowledged_by": "x",
                               "returned_at": returned, "next_follow_up_on": visit if returned is None else None})
            if returned is None:
                still_open = True
                break
            if k % 5 == 0:
                entry_id += 1
                spending_id += 1
                _entry(rows, accounts, fund_id, entry_id, returned.date(), "repair", ledger.REPAIRS, ledger.CASH,
                       15_000)
                rows[Spending].append({"id": spending_id, "purpose": "repair", "amount_satang": 15_000,
                                       "device_type_id": type_id, "spent_on": returned.date(), "entry_id": entry_id})
                rows[WorkOrder].append({"device_id": i, "kind": WorkKind.CLEANING, "status": WorkStatus.DONE,
                                        "source": "return", "opened_at": returned, "finished_at": returned,
                                        "spending_id": spending_id, "other_cost_satang": 15_000})
            moment = returned + dt.timedelta(days=1)
        rows[Device].append({"id": i, "tag": f"BS-{i:06d}", "type_id": type_id, "acquired_on": acquired,
                             "status": DeviceStatus.ON_LOAN if still_open else DeviceStatus.AVAILABLE})
    for d in range(1, DONORS + 1):
        rows[Donor].append({"id": d, "name": f"donor {d}", "kind": DonorKind.PERSON, "may_be_named": d % 3 != 0})
    for n in range(365 * YEARS):
        day = first_day + dt.timedelta(days=n)
        entry_id += 1
        amount = rng.randint(10, 500) * 10_000
        _entry(rows, accounts, fund_id, entry_id, day, "donation", ledger.CASH, ledger.INCOME_CASH, amount)
        rows[Donation].append({"donor_id": rng.randint(1, DONORS), "kind": DonationKind.CASH, "amount_satang": amount,
                               "fund_id": fund_id, "received_on": day, "entry_id": entry_id,
                               "fiscal_year": periods.fiscal_year_of(day).year + 543})
    for model, found in rows.items():
        for j in range(0, len(found), BATCH):
            db.session.execute(insert(model), found[j:j + BATCH])
    usage.rebuild()   # the kept loan totals of the public impact page
    service_states.rebuild(db.session.connection())   # the due list's and the figures' kept states
    upkeep_states.rebuild(db.session.connection())
    db.session.commit()
    print(f"built: {devices_count:,} devices, {loan_id:,} people, requests and loans, "
          f"{len(rows[FollowUp]):,} follow-ups, {entry_id:,} journal entries")


def check(devices_count: int) -> None:
    """The invariants the reports rely on: one open loan per device, a balanced ledger."""
    open_twice = db.session.scalar(select(func.count()).select_from(
        select(Loan.device_id).where(Loan.returned_at.is_(None)).group_by(Loan.device_id)
        .having(func.count() > 1).subquery()))
    balance = db.session.scalar(select(func.coalesce(func.sum(Posting.amount_satang), 0)))
    assert open_twice == 0 and balance == 0, (open_twice, balance)
    assert db.session.scalar(select(func.count(Device.id))) == devices_count



def _database(count: int) -> tuple[str, bool]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url, False
    path = Path(tempfile.gettempdir()) / f"bench-reports-{count}-v1.sqlite"
    done = path.with_suffix(".built")         # written once the build has committed
    if os.environ.get("BENCH_REBUILD") or not done.exists():
        done.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
    return f"sqlite:///{path}", done.exists()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    use_fast_hashing()
    url, cached = _database(count)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if cached or (url.startswith("postgresql") and not os.environ.get("BENCH_REBUILD")
                      and db.inspect(db.engine).has_table("devices")
                      and db.session.scalar(select(func.count(Device.id))) == count):
            for table in db.metadata.sorted_tables:       # indexes added since the file was built
                for index in table.indexes:
                    index.create(db.engine, checkfirst=True)
            print(f"reusing {url}")
        else:
            db.drop_all()
            db.create_all()
            start = time.perf_counter()
            build(count, clock.today())
            if url.startswith("sqlite"):
                Path(url.removeprefix("sqlite:///")).with_suffix(".built").touch()
            print(f"build took {time.perf_counter() - start:.1f} s")
        check(count)
        if url.startswith("sqlite"):
            db.session.execute(db.text("ANALYZE"))
        else:
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        admin = db.session.scalar(select(User).where(User.username == "bench"))
        last = periods.current().previous()
        results = []
        for key in ("outcomes", "service", "fund"):
            for period in (last, last.previous()):
                results.append((f"{key} report, {period.label('en')}",
                                median_ms(lambda k=key, p=period: catalog.build(k, p, by=admin), runs)))
                db.session.rollback()
        results.append(("dashboard service", median_ms(lambda: dashboard_service.dashboard(by=admin), runs)))
        db.session.rollback()
        user_id = admin.get_id()
        token, _ = issue_token(admin)
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    query = f"period=fiscal_year&year={last.year}"
    paths = [f"/reports/{key}?{query}" for key in ("outcomes", "service", "fund")]
    paths += [f"/api/v1/reports/{key}?{query}" for key in ("outcomes", "service", "fund")]
    paths += ["/dashboard", "/api/v1/reports/dashboard"]
    for path in paths:
        headers = {"Authorization": f"Bearer {token}"} if path.startswith("/api/") else {}
        assert client.get(path, headers=headers).status_code == 200, path
        results.append((f"GET {path}", median_ms(lambda p=path, h=headers: client.get(p, headers=h), runs)))
    print(f"\n{'':60} median of {runs}, ms")
    for label, ms in results:
        print(f"{label:60} {ms:9.1f}")


if __name__ == "__main__":
    main()
