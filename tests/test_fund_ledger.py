"""The fund ledger: invariants under random sequences of operations, and its rules."""
from __future__ import annotations

import collections
import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from core.db import db
from core.users import create_user, issue_token
from devices import services as devices
from devices.models import Device
from fixtures.core import Api, both_databases, build_app, database_url
from fixtures.devices import new_type
from fund.models import (Allocation, DonatedDevice, Donation, Fund, JournalEntry, PaymentMethod, Posting,
                         PurchasedDevice, Purpose, Spending)
from fund.services import donations, ledger, spending

KEYS = itertools.count()
STATS: collections.Counter = collections.Counter()


def setup_funds(app):
    with app.app_context():
        ledger.ensure_chart()
        for code, price in (("WC", 350_000), ("BED", 0)):  # a bed given in kind needs its donor's value
            devices.create_type({"code": code, "name_th": code, "name_en": code, "reference_price_satang": price},
                                by=None)
        bed = devices.get_type("BED")
        db.session.add(Fund(code="BEDS", name_th="กองทุนเตียง", name_en="Beds only", restricted=True,
                            device_type_id=bed.id))
        db.session.add(Fund(code="REPAIRS", name_th="กองทุนซ่อม", name_en="Repairs only", restricted=True,
                            purpose=Purpose.REPAIR))
        user = create_user("treasurer", "long-enough", ["treasurer"])
        token, _ = issue_token(user)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (JournalEntry, Posting, Donation, Allocation))


class LedgerMachine(RuleBasedStateMachine):
    """Random donations, purchases, repairs, reversals and retried requests through the API."""

    app = None

    @initialize()
    def start(self):
        self.client = self.app.test_client()
        self.headers = self.app.config["TEST_HEADERS"]
        self.donor = self.client.post("/api/v1/donors", json={"name": "ผู้บริจาค"}, headers=self.headers).get_json()
        self.entries: list[int] = []
        self.sent: list[tuple[str, dict, str]] = []

    def _post(self, path, body, key=None):
        key = key or f"k{next(KEYS)}"
        response = self.client.post(path, json=body, headers={**self.headers, "Idempotency-Key": key})
        assert response.status_code in (201, 404, 409, 422), response.get_json()
        if response.status_code == 201:
            self.sent.append((path, body, key))
            self.entries.append(response.get_json()["entry_id"])
            STATS[path] += 1
        return response

    @rule(fund=st.sampled_from(["GENERAL", "BEDS", "REPAIRS"]), amount=st.integers(1, 2_000_000))
    def donate(self, fund, amount):
        self._post("/api/v1/donations", {"donor_id": self.donor["id"], "amount_satang": amount, "fund": fund})

    @rule(kinds=st.lists(st.sampled_from(["WC", "BED"]), min_size=1, max_size=3),
          value=st.one_of(st.none(), st.integers(0, 2_000_000)))
    def give_in_kind(self, kinds, value):
        with self.app.app_context():
            before = counts()
        response = self._post("/api/v1/donations", {"donor_id": self.donor["id"], "devices": [
            {"type": kind, "value_satang": value, "serial": f"G{next(KEYS)}"} for kind in kinds]})
        if response.status_code != 201:
            with self.app.app_context():
                assert counts() == before  # a bed with no value, or a value of nothing: nothing written
        STATS[f"in kind {response.status_code}"] += 1

    @rule(kind=st.sampled_from(["WC", "BED"]), amount=st.integers(1, 800_000),
          fund=st.sampled_from([None, "GENERAL", "BEDS", "REPAIRS"]), listed=st.integers(0, 3),
          count=st.sampled_from([None, 1, 2]))
    def purchase(self, kind, amount, fund, listed, count):
        with self.app.app_context():
            before = counts()
        body = {"device_type": kind, "amount_satang": amount, "fund": fund}
        if count:
            body["count"] = count
        if listed:
            body["devices"] = [{"brand": "B", "serial": f"P{next(KEYS)}", "location": "A1"} for _ in range(listed)]
        response = self._post("/api/v1/purchases", body)
        if listed and count and listed != count:
            assert response.status_code == 422 and "devices" in response.get_json()["errors"]
        if response.status_code != 201:
            with self.app.app_context():
                assert counts() == before  # a refused purchase writes nothing

    @rule(amount=st.integers(1, 300_000), fund=st.sampled_from([None, "GENERAL", "REPAIRS", "BEDS"]))
    def repair(self, amount, fund):
        self._post("/api/v1/repairs", {"amount_satang": amount, "fund": fund})

    @rule(data=st.data())
    def reverse(self, data):
        if not self.entries:
            return
        entry = data.draw(st.sampled_from(self.entries))
        with self.app.app_context():
            before = counts()
        response = self.client.post(f"/api/v1/ledger/entries/{entry}/reverse", json={},
                                    headers={**self.headers, "Idempotency-Key": f"r{next(KEYS)}"})
        assert response.status_code in (201, 409), response.get_json()
        STATS[f"reverse {response.status_code}"] += 1
        if response.status_code == 409:
            with self.app.app_context():
                assert counts() == before

    @rule(data=st.data())
    def retry(self, data):
        """A client retries a request it already sent: the first answer, nothing new written."""
        if not self.sent:
            return
        path, body, key = data.draw(st.sampled_from(self.sent))
        with self.app.app_context():
            before = counts()
        response = self.client.post(path, json=body, headers={**self.headers, "Idempotency-Key": key})
        assert response.status_code == 201 and response.headers.get("Idempotent-Replayed") == "true"
        with self.app.app_context():
            assert counts() == before
        changed = dict(body, description="changed")
        assert self.client.post(path, json=changed, headers={**self.headers, "Idempotency-Key": key}
                                ).status_code == 422

    @invariant()
    def books_balance(self):
        with self.app.app_context():
            unbalanced = db.session.execute(select(Posting.entry_id).group_by(Posting.entry_id)
                                            .having(func.sum(Posting.amount_satang) != 0)).all()
            assert unbalanced == []
            assert sum(balance for _, balance in ledger.trial_balance()) == 0
            for fund, balance in ledger.balances():
                assert balance >= 0, fund.code
            for donation in db.session.scalars(select(Donation)):
                used = db.session.scalar(select(func.coalesce(func.sum(Allocation.amount_satang), 0))
                                         .where(Allocation.donation_id == donation.id))
                assert 0 <= used <= donation.amount_satang

    @invariant()
    def devices_carry_their_value(self):
        with self.app.app_context():
            # The devices asset is what the live gifts in kind were valued at, device by device.
            booked = {account.code: amount for account, amount in ledger.trial_balance()}[ledger.DEVICES]
            reversed_entries = select(JournalEntry.reverses_id).where(JournalEntry.reverses_id.is_not(None))
            valued = db.session.execute(
                select(func.coalesce(func.sum(DonatedDevice.value_satang), 0), func.count(),
                       func.count().filter(DonatedDevice.value_satang == Device.acquisition_value_satang,
                                           DonatedDevice.value_satang > 0))
                .join(Donation, Donation.id == DonatedDevice.donation_id)
                .join(Device, Device.id == DonatedDevice.device_id)
                .where(Donation.entry_id.not_in(reversed_entries))).one()
            assert booked == valued[0] and valued[1] == valued[2]
            # A purchase's devices are valued at shares that add up to what was paid.
            shares = db.session.execute(
                select(Spending.amount_satang, func.sum(Device.acquisition_value_satang))
                .join(PurchasedDevice, PurchasedDevice.spending_id == Spending.id)
                .join(Device, Device.id == PurchasedDevice.device_id).group_by(Spending.id)).all()
            assert all(amount == total for amount, total in shares)
            purchases = db.session.scalar(select(func.count()).select_from(Spending)
                                          .where(Spending.purpose == Purpose.PURCHASE))
            assert len(shares) == purchases  # every purchase registered devices


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_ledger_invariants_hold_under_random_operations(kind, tmp_path):
    app = build_app(database_url(kind, tmp_path))
    app.config["TEST_HEADERS"] = setup_funds(app)
    LedgerMachine.app = app
    machine = LedgerMachine.TestCase
    machine.settings = settings(max_examples=12 if kind == "sqlite" else 8, stateful_step_count=30, deadline=None,
                                database=None, derandomize=True,
                                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    STATS.clear()
    try:
        machine().runTest()
        # The random runs really did move money in all three ways.
        assert min(STATS[p] for p in ("/api/v1/donations", "/api/v1/purchases", "/api/v1/repairs",
                                      "reverse 201", "reverse 409", "in kind 201", "in kind 422")) > 0, STATS
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@both_databases
def test_journal_is_append_only_in_the_database(app):
    with app.app_context():
        ledger.ensure_chart()
        general = ledger.get_fund("GENERAL")
        entry = ledger.post(dt.date.today(), "x", "test",
                            [(ledger.CASH, general, 100), (ledger.INCOME_CASH, general, -100)], by=None)
        db.session.commit()
        for statement in (f"UPDATE postings SET amount_satang = 5 WHERE entry_id = {entry.id}",
                          f"DELETE FROM journal_entries WHERE id = {entry.id}"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


# --- which fund pays first ---------------------------------------------------------------------

@pytest.fixture
def funded(treasurer):
    """WC and BED types; funds GENERAL, BEDS (beds only), REPAIRS (repairs only), BEDFIX (bed repairs only),
    each holding ฿1,000 from its own donation."""
    wc, bed = new_type(), new_type("BED", "เตียง", "Bed")
    for code, restriction in (("BEDS", {"device_type_id": bed.id}), ("REPAIRS", {"purpose": Purpose.REPAIR}),
                              ("BEDFIX", {"device_type_id": bed.id, "purpose": Purpose.REPAIR})):
        db.session.add(Fund(code=code, name_th=code, name_en=code, restricted=True, **restriction))
    donor = donations.create_donor({"name": "ก"}, by=treasurer)
    gifts = {code: donations.donate_cash(donor, 100_000, code, PaymentMethod.TRANSFER, by=treasurer).id
             for code in ("GENERAL", "BEDS", "REPAIRS", "BEDFIX")}
    return {"by": treasurer, "WC": wc, "BED": bed, "gifts": gifts}


def paid_from(spent: Spending, gifts: dict[str, int]) -> list[tuple[str, int]]:
    fund_of = {donation_id: code for code, donation_id in gifts.items()}
    return [(fund_of[a.donation_id], a.amount_satang) for a in spent.allocations]


@pytest.mark.parametrize("purpose, type_code, amount, expected", [
    # A repair: money kept for repairs (of beds, then of anything), then the type's, then unrestricted.
    (Purpose.REPAIR, "BED", 50_000, [("BEDFIX", 50_000)]),
    (Purpose.REPAIR, "BED", 350_000, [("BEDFIX", 100_000), ("REPAIRS", 100_000), ("BEDS", 100_000),
                                      ("GENERAL", 50_000)]),
    (Purpose.REPAIR, "WC", 150_000, [("REPAIRS", 100_000), ("GENERAL", 50_000)]),
    (Purpose.REPAIR, None, 150_000, [("REPAIRS", 100_000), ("GENERAL", 50_000)]),
    # A purchase: the type's money, then unrestricted; never the repairs funds.
    (Purpose.PURCHASE, "BED", 150_000, [("BEDS", 100_000), ("GENERAL", 50_000)]),
    (Purpose.PURCHASE, "WC", 100_000, [("GENERAL", 100_000)]),
])
def test_the_money_with_the_fewest_other_uses_pays_first(funded, purpose, type_code, amount, expected):
    device_type = funded[type_code] if type_code else None
    spent = spending.spend(purpose, amount, by=funded["by"], device_type=device_type,
                           device_count=1 if purpose == Purpose.PURCHASE else 0)
    assert paid_from(spent, funded["gifts"]) == expected


def test_a_repair_of_a_bed_is_paid_from_the_repairs_fund_while_both_hold_money(app, client, api_headers,
                                                                                 make_device, make_type):
    """The bug this fixes: the beds fund (code BEDS < REPAIRS) paid while the repairs fund had money."""
    api = Api(client, api_headers("treasurer"))
    make_type("BED", "เตียง", "Bed")
    with app.app_context():
        ledger.ensure_chart()
        bed = devices.get_type("BED")
        db.session.add(Fund(code="BEDS", name_th="กองทุนเตียง", name_en="Beds", restricted=True,
                            device_type_id=bed.id))
        db.session.add(Fund(code="REPAIRS", name_th="กองทุนซ่อม", name_en="Repairs", restricted=True,
                            purpose=Purpose.REPAIR))
        db.session.commit()
    tag = make_device("BED")
    donor = api.post("/api/v1/donors", {"name": "ก"}, expect=201)
    beds = api.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 500_000, "fund": "BEDS"},
                    expect=201)
    repairs = api.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 80_000, "fund": "REPAIRS"},
                       expect=201)
    fixed = api.post("/api/v1/repairs", {"amount_satang": 60_000, "device_tag": tag}, expect=201)
    assert fixed["allocations"] == [{"donation_id": repairs["id"], "amount_satang": 60_000}]
    more = api.post("/api/v1/repairs", {"amount_satang": 30_000, "device_tag": tag}, expect=201)
    assert more["allocations"] == [{"donation_id": repairs["id"], "amount_satang": 20_000},
                                   {"donation_id": beds["id"], "amount_satang": 10_000}]
    balances = {f["code"]: f["balance_satang"] for f in api.get("/api/v1/funds")}
    assert balances == {"GENERAL": 0, "BEDS": 490_000, "REPAIRS": 0}
