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

from conftest import both_databases, build_app, database_url
from core.db import db
from core.users import create_user, issue_token
from devices import services as devices
from fund.models import Allocation, Donation, Fund, JournalEntry, Posting, Purpose
from fund.services import ledger

KEYS = itertools.count()
STATS: collections.Counter = collections.Counter()


def setup_funds(app):
    with app.app_context():
        ledger.ensure_chart()
        for code in ("WC", "BED"):
            devices.create_type({"code": code, "name_th": code, "name_en": code}, by=None)
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

    @rule(kind=st.sampled_from(["WC", "BED"]), amount=st.integers(1, 800_000),
          fund=st.sampled_from([None, "GENERAL", "BEDS", "REPAIRS"]))
    def purchase(self, kind, amount, fund):
        with self.app.app_context():
            before = counts()
        response = self._post("/api/v1/purchases", {"device_type": kind, "amount_satang": amount, "fund": fund})
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
                                      "reverse 201", "reverse 409")) > 0, STATS
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
