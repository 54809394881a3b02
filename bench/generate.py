"""Fill a database with a province's ten years: the data the load benchmark (bench/run.py) runs on.

At scale 1 (the default): 100,000 devices, 50,000 people, 200,000 requests, 150,000 loans,
300,000 follow-up visits, 1,000,000 audit events, 20,000 donors and 500,000 ledger postings,
with what ties them together (request items and assessments, consent records, cleanings at
every return, repairs and inspections, donations, purchases, gifts in kind and allocations).
``--scale 0.01`` gives a hundredth of each for a quick run.

Every invariant the app keeps holds: each journal entry balances, at most one open loan per
device and a device is on loan exactly when it has one, every person has a consent record,
each spending is allocated in full to cash donations, the audit trail is one intact chain.
They are checked after the build (``check``). Rows go in as bulk INSERTs in batches
(bench/rows.py, bench/books.py) from a plan made in memory first (bench/scale.py).

    .venv/bin/python bench/generate.py                     # SQLite file in the temporary folder
    .venv/bin/python bench/generate.py /tmp/x.sqlite --scale 0.01
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/bench .venv/bin/python bench/generate.py

The PostgreSQL database named is emptied first (its public schema is dropped), unless it holds
users and none is the benchmark's (a center's data): then it is left alone unless ``--force``. ``--if-missing``
keeps a database already built at the same scale.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="bench-"))

from sqlalchemy import func, inspect, select, text  # noqa: E402

from app import create_app  # noqa: E402
from bench.books import Books, write_audit  # noqa: E402
from bench.rows import Writer  # noqa: E402
from bench.scale import TARGETS, build_plan, scaled  # noqa: E402
from core import clock  # noqa: E402
from core.audit import AuditEvent, verify_chain  # noqa: E402
from core.db import db  # noqa: E402
from core.users import User, UserRole  # noqa: E402
from devices.models import Device  # noqa: E402
from fund.models import Account, Allocation, Posting, Spending  # noqa: E402
from fund.services import ledger  # noqa: E402
from lending.models import ConsentRecord, LendingRequest, Loan, Person  # noqa: E402
from lending.services import usage  # noqa: E402
from maintenance.services import service_states, upkeep_states  # noqa: E402

BENCH_USER = "bench"
BENCH_PASSWORD = "bench-only-password-14"  # the benchmark's own database; never a real center's
# Who acts in the history: (role, how many).
STAFF = (("staff", 20), ("assessor", 40), ("supervisor", 3), ("maintenance", 6), ("treasurer", 2))


def database_url(path: str | None, scale: float) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        for old in ("postgres://", "postgresql://"):
            if url.startswith(old):
                url = "postgresql+psycopg://" + url[len(old):]
        return url
    return f"sqlite:///{Path(path) if path else default_path(scale)}"


def default_path(scale: float) -> Path:
    return Path(tempfile.gettempdir()) / f"bench-scale-{scale:g}.sqlite"


def is_built(scale: float) -> bool:
    """The database holds a complete build at this scale (the audit trail is written last)."""
    names = inspect(db.engine).get_table_names()
    if "audit_events" not in names or "devices" not in names:
        return False
    devices = db.session.scalar(select(func.count(Device.id)))
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    db.session.rollback()
    expected = scaled("devices", scale)  # a few devices registered since (a test) keep it built
    return expected <= devices <= expected * 1.01 + 5 and events >= scaled("audit_events", scale) * 0.95


def reset(force: bool) -> None:
    """An empty schema: the SQLite file removed, or PostgreSQL's public schema dropped."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        db.session.remove()
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{engine.url.database}{suffix}").unlink(missing_ok=True)
    else:
        names = inspect(engine).get_table_names()
        if "users" in names and not force:
            users = db.session.scalar(select(func.count(User.id)))
            ours = db.session.scalar(select(User.id).where(User.username == BENCH_USER))
            if users and ours is None:
                sys.exit("This database holds another app's users, not the benchmark's; pass --force to empty it.")
        db.session.remove()
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    db.create_all()


def add_users(rng: random.Random) -> dict[str, list[int]]:
    """The benchmark's admin and the staff who act in the history (one password hash for all)."""
    sample = User(username=BENCH_USER)
    sample.set_password(BENCH_PASSWORD)
    users, roles = [], []
    ids: dict[str, list[int]] = {}
    for role, count in (("admin", 1), *STAFF):
        for n in range(count):
            uid = len(users) + 1
            name = BENCH_USER if role == "admin" else f"{role}{n + 1}"
            users.append({"id": uid, "username": name, "display_name": name, "password_hash": sample.password_hash,
                          "locale": "th"})
            roles.append({"user_id": uid, "role": role})
            ids.setdefault(role, []).append(uid)
    db.session.execute(User.__table__.insert(), users)
    db.session.execute(UserRole.__table__.insert(), roles)
    rng.shuffle(ids["assessor"])
    return ids


def build(scale: float, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    started = time.perf_counter()
    plan = build_plan(scale, clock.today(), seed)
    print(f"  planned in {time.perf_counter() - started:.1f} s", flush=True)
    users = add_users(rng)
    ledger.ensure_chart()
    accounts = {a.code: a.id for a in db.session.scalars(select(Account))}
    fund_id = ledger.get_fund(ledger.GENERAL_FUND).id
    writer = Writer(plan, rng, users, os.environ.get("TAG_PREFIX", "BS").upper())
    books = Books(writer, accounts, fund_id)
    steps = (("devices", lambda: (writer.device_types(), writer.devices())), ("people", writer.people),
             ("requests", writer.requests), ("loans and follow-ups", writer.loans), ("donors", books.donors),
             ("ledger", books.book), ("work orders", lambda: writer.work_orders(books.repair_spendings)),
             ("audit trail", lambda: write_audit(writer, scale)))
    for label, step in steps:
        began = time.perf_counter()
        step()
        writer.sink.flush()
        db.session.commit()
        print(f"  {label:22} {time.perf_counter() - began:6.1f} s", flush=True)
    if db.engine.dialect.name == "postgresql":  # explicit ids: move each id sequence past them
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.autoincrement in (True, "auto") and table.c.id.primary_key:
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                        f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"))
    usage.rebuild()   # the kept loan totals of the public impact page, from the loans just written
    service_states.rebuild(db.session.connection())   # the due list's and the figures' kept states
    upkeep_states.rebuild(db.session.connection())
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return writer.sink.written


def check(session) -> dict[str, object]:
    """The invariants, each as a count of rows that break it (all 0), and the table counts."""
    unbalanced = session.scalar(select(func.count()).select_from(
        select(Posting.entry_id).group_by(Posting.entry_id)
        .having((func.sum(Posting.amount_satang) != 0) | (func.count() < 2)).subquery()))
    open_twice = session.scalar(select(func.count()).select_from(
        select(Loan.device_id).where(Loan.returned_at.is_(None)).group_by(Loan.device_id)
        .having(func.count() > 1).subquery()))
    open_loan = select(Loan.id).where(Loan.device_id == Device.id, Loan.returned_at.is_(None)).exists()
    status_wrong = session.scalar(select(func.count(Device.id)).where((Device.status == "on_loan") != open_loan))
    without_consent = session.scalar(select(func.count(Person.id)).where(
        select(LendingRequest.id).where(LendingRequest.person_id == Person.id).exists(),
        ~select(ConsentRecord.id).where(ConsentRecord.person_id == Person.id).exists()))
    allocated = select(func.coalesce(func.sum(Allocation.amount_satang), 0)).where(
        Allocation.spending_id == Spending.id).scalar_subquery()
    unallocated = session.scalar(select(func.count(Spending.id)).where(allocated != Spending.amount_satang))
    chain = verify_chain(session)
    counts = {name: session.scalar(select(func.count()).select_from(db.metadata.tables[table]))
              for name, table in (("devices", "devices"), ("people", "people"), ("requests", "requests"),
                                  ("loans", "loans"), ("follow_ups", "follow_ups"), ("audit_events", "audit_events"),
                                  ("donors", "donors"), ("postings", "postings"))}
    session.rollback()
    return {"unbalanced_entries": unbalanced, "devices_open_twice": open_twice, "status_not_loans": status_wrong,
            "people_without_consent": without_consent, "spendings_not_allocated": unallocated,
            "audit_chain_problems": len(chain.problems), "counts": counts}


def size_of() -> str:
    engine = db.engine
    if engine.dialect.name == "sqlite":
        total = sum(Path(f"{engine.url.database}{s}").stat().st_size
                    for s in ("", "-wal") if Path(f"{engine.url.database}{s}").exists())
    else:
        total = db.session.scalar(text("SELECT pg_database_size(current_database())"))
        db.session.rollback()
    return f"{total / 2**20:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", help="SQLite file (default: in the temporary folder); "
                                                "DATABASE_URL, when set, wins")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full-scale counts (default 1)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--if-missing", action="store_true", help="keep a database already built at this scale")
    parser.add_argument("--force", action="store_true", help="empty a PostgreSQL database that holds other data")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be more than 0")
    url = database_url(args.path, args.scale)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            return _run(args, url)
        finally:
            db.session.remove()
            db.engine.dispose()


def _run(args: argparse.Namespace, url: str) -> int:
    if args.if_missing and is_built(args.scale):
        print(f"already built at scale {args.scale:g}: {url} ({size_of()})")
        return 0
    print(f"building scale {args.scale:g} into {url}", flush=True)
    started = time.perf_counter()
    reset(args.force)
    written = build(args.scale, args.seed)
    took = time.perf_counter() - started
    found = check(db.session)
    counts = found.pop("counts")
    print(f"built in {took:.1f} s; {sum(written.values()):,} rows; database size {size_of()}")
    for name, target in TARGETS.items():
        print(f"  {name:14} {counts[name]:>10,}  (target {round(target * args.scale):,})")
    broken = {k: v for k, v in found.items() if v}
    print("invariants: " + ("all hold" if not broken else f"BROKEN {broken}"))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
