"""The dashboard at any size: its SQL statements do not grow with the data, and the fund
balances it reads (kept by a trigger on the postings) always equal the postings summed afresh."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from core.db import db
from devices import services as devices
from fixtures.core import both_databases
from fixtures.devices import new_type
from fixtures.lending import approved_request
from fund.models import PaymentMethod
from fund.services import donations, ledger
from lending.services import loans, waitlist
from reports.dashboard import dashboard


def _grow(actors, types, donor, size: int) -> None:
    """``size`` more devices of two types, a tenth of them lent, and ``size`` more donations."""
    made = [devices.register_device(types[n % 2], {}, by=None) for n in range(size)]
    for device in made[: size // 10]:
        req = approved_request(actors, device.type.code)
        waitlist.reserve(req, device, by=actors["staff"], reason="at hand")
        loans.deliver(req, device, instructions=loans.checklist(device), acknowledged_by="x", by=actors["staff"])
    for n in range(size):
        donations.donate_cash(donor, (n + 1) * 100, ledger.GENERAL_FUND, PaymentMethod.CASH, by=actors["treasurer"])
    db.session.commit()


def _statements(work) -> int:
    count = [0]

    def counted(*_args):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return count[0]


def test_the_statements_do_not_grow_with_the_data(app, ctx, actors, client_as):
    types = [new_type("WC", "รถเข็น", "Wheelchair"), new_type("BED", "เตียง", "Bed")]
    ledger.ensure_chart()
    donor = donations.create_donor({"name": "ร้านใจดี", "kind": "shop"}, by=actors["treasurer"])
    db.session.commit()
    client = client_as("admin", "treasurer")
    found = []
    for more in (10, 90):                       # 10 rows of each kind, then 100
        _grow(actors, types, donor, more)
        dashboard(by=actors["admin"])           # the objects the commit expired are loaded again first
        service = _statements(lambda: dashboard(by=actors["admin"]))
        db.session.rollback()
        assert client.get("/dashboard").status_code == 200
        found.append((service, _statements(lambda: client.get("/dashboard"))))
    assert found[0] == found[1]


@both_databases
def test_the_kept_balances_are_the_postings_summed(app, ctx, actors):
    ledger.ensure_chart()
    treasurer = actors["treasurer"]
    donor = donations.create_donor({"name": "ร้านใจดี", "kind": "shop"}, by=treasurer)
    first = donations.donate_cash(donor, 5000_00, ledger.GENERAL_FUND, PaymentMethod.CASH, by=treasurer)
    donations.donate_cash(donor, 1200_00, ledger.GENERAL_FUND, PaymentMethod.CASH, by=treasurer)
    db.session.flush()
    assert ledger.kept_balances() == ledger.counted_balances()
    entry = ledger.get_entry(first.entry_id)
    ledger.reverse(entry, "", by=treasurer, entry_date=dt.date(2026, 11, 30))
    db.session.commit()
    kept = ledger.kept_balances()
    assert kept == ledger.counted_balances()
    assert {fund.code: balance for fund, balance in ledger.balances()}[ledger.GENERAL_FUND] == 1200_00
    ledger.rebuild_balances()
    assert ledger.kept_balances() == kept
