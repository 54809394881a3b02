"""Benchmark: the pages anyone can open (the center's impact page, a donor's page shared by its
link, the label's page of a device for someone not logged in) and a donor's own impact page,
on a database at province scale.

Uses ``DATABASE_URL``, else the SQLite file ``bench/reports.py`` builds (100,000 devices and
ten years of loans, in the temporary directory; run that first). Once per database it adds
what the reports' data lacks for donors: each donation paid for the next purchase after it
(allocations and the devices each purchase bought), a donor with a login and a shared link.
It counts the loan totals the impact page reads if the bulk load left them empty. Then it
times each page through the Flask test client in one process, fresh (the server's
cache of figures emptied) and again (cached), and a conditional GET, and prints the median
milliseconds and the number of SQL statements of one request.

    .venv/bin/python bench/public.py            # 5 runs each
    .venv/bin/python bench/public.py 9
    DATABASE_URL=sqlite:////tmp/copy.sqlite .venv/bin/python bench/public.py
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="bench-"))

from sqlalchemy import event, func, insert, select  # noqa: E402

from app import create_app  # noqa: E402
from bench.timing import median_ms  # noqa: E402
from core.db import db  # noqa: E402
from core.users import User, create_user, use_fast_hashing  # noqa: E402
from devices.models import Device  # noqa: E402
from fund.models import Allocation, Donation, Donor, Purpose, PurchasedDevice, Spending  # noqa: E402
from lending.models import Loan  # noqa: E402

from fund.services.impact import forget as forget_figures  # noqa: E402
from lending.models import LoanTotal  # noqa: E402
from lending.services import usage  # noqa: E402

DEVICES_PER_PURCHASE = 100
BATCH = 5000


def _url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    path = Path(tempfile.gettempdir()) / "bench-reports-100000-v1.sqlite"
    if not path.with_suffix(".built").exists():
        sys.exit(f"no data: run bench/reports.py first (it builds {path}), or set DATABASE_URL")
    return f"sqlite:///{path}"


def prepare() -> tuple[int, str]:
    """Allocations, purchased devices and a donor login, once; the donor's id and shared link."""
    if not db.session.scalar(select(func.count(Allocation.id))):
        purchases = list(db.session.execute(select(Spending.id, Spending.entry_id, Spending.spent_on)
                                            .where(Spending.purpose == Purpose.PURCHASE).order_by(Spending.id)))
        rows = [{"spending_id": spending_id, "device_id": spending_id_index * DEVICES_PER_PURCHASE + k + 1}
                for spending_id_index, (spending_id, _, _) in enumerate(purchases)
                for k in range(DEVICES_PER_PURCHASE)]
        count = db.session.scalar(select(func.count(Device.id)))
        rows = [row for row in rows if row["device_id"] <= count]
        for j in range(0, len(rows), BATCH):
            db.session.execute(insert(PurchasedDevice), rows[j:j + BATCH])
        by_date = sorted(purchases, key=lambda p: p[2])
        allocations = []
        for donation_id, amount, received_on in db.session.execute(
                select(Donation.id, Donation.amount_satang, Donation.received_on).order_by(Donation.received_on)):
            later = next((p for p in by_date if p[2] >= received_on), by_date[-1])
            allocations.append({"spending_id": later[0], "donation_id": donation_id, "entry_id": later[1],
                                "amount_satang": amount})
        for j in range(0, len(allocations), BATCH):
            db.session.execute(insert(Allocation), allocations[j:j + BATCH])
        db.session.commit()
    donor = db.session.scalar(select(Donor).join(Donation, Donation.donor_id == Donor.id).group_by(Donor.id)
                              .order_by(func.count(Donation.id).desc(), Donor.id).limit(1))
    if donor.user_id is None:
        donor.user_id = create_user("bench-donor", "long-enough-pw", ["donor"]).id
    donor.share_token = donor.share_token or f"bench-{donor.id}"
    db.session.commit()
    return db.session.get(User, donor.user_id).get_id(), donor.share_token


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    use_fast_hashing()
    app = create_app({"SQLALCHEMY_DATABASE_URI": _url(), "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    statements = [0]
    with app.app_context():
        db.create_all()                                # tables added since the file was built
        for table in db.metadata.sorted_tables:       # and indexes
            for index in table.indexes:
                index.create(db.engine, checkfirst=True)
        if not db.session.scalar(select(func.count()).select_from(LoanTotal)):
            start = time.perf_counter()
            usage.rebuild()                            # the data was loaded in bulk, past the ORM
            db.session.commit()
            print(f"loan totals counted in {time.perf_counter() - start:.1f} s")
        donor_user, token = prepare()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        tag = db.session.scalar(select(Device.tag).join(Loan, Loan.device_id == Device.id)
                                .where(Loan.returned_at.is_(None)).order_by(Device.id).limit(1))
        loans = db.session.scalar(select(func.count(Loan.id)))
        users = db.session.scalar(select(func.count(User.id)))
        event.listen(db.engine, "before_cursor_execute", lambda *_args: statements.__setitem__(0, statements[0] + 1))
    print(f"{_url()}: {loans:,} loans, {users} users")
    anonymous = app.test_client()
    donor = app.test_client()
    with donor.session_transaction() as session:
        session["_user_id"] = donor_user
        session["_fresh"] = True
    pages = [("anonymous", anonymous, "/impact/center"), ("anonymous", anonymous, f"/impact/s/{token}"),
             ("anonymous", anonymous, f"/d/{tag}"), ("donor", donor, "/impact")]
    print(f"\n{'page':40} {'fresh ms':>9} {'cached ms':>10} {'304 ms':>8} {'statements':>11}")
    for who, client, path in pages:
        first = client.get(path)
        assert first.status_code == 200, (path, first.status_code)

        def fresh(c=client, p=path):
            with app.app_context():
                forget_figures()
            c.get(p)

        fresh_ms = median_ms(fresh, runs)
        cached_ms = median_ms(lambda c=client, p=path: c.get(p), runs)
        etag = first.headers.get("ETag")
        revalidate = "-"
        if etag:
            assert client.get(path, headers={"If-None-Match": etag}).status_code == 304, path
            again = median_ms(lambda c=client, p=path, e=etag: c.get(p, headers={"If-None-Match": e}), runs)
            revalidate = f"{again:.1f}"
        with app.app_context():
            forget_figures()
        statements[0] = 0
        client.get(path)
        print(f"{who + ' ' + path:40} {fresh_ms:9.1f} {cached_ms:10.1f} {revalidate:>8} {statements[0]:11d}")



if __name__ == "__main__":
    main()
