"""Donations, spendings and consent records are append-only in the database (PDPA issue #12):
an UPDATE or DELETE through SQL is refused on SQLite and PostgreSQL, whether the schema came from
the models or from the migrations; the services only ever INSERT them (the flows below would fail
otherwise). Who signed a consent is personal data and lives apart, where erasure may blank it."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core.db import db
from fixtures.core import both_databases, build_app, database_url
from fixtures.devices import new_type
from fixtures.users import make_actors
from fund.models import Donation, PaymentMethod, Purpose, Spending
from fund.services import donations, ledger, spending
from lending.models import Person
from lending.services import consent, people

APPEND_ONLY = ("donations", "spendings", "consent_records", "consent_withdrawals")


def fill() -> dict[str, int]:
    """A cash gift, a gift in kind, a purchase reversed, a person whose consent was withdrawn and given again."""
    actors = make_actors("treasurer", "staff")
    ledger.ensure_chart()
    wc = new_type(reference_price_satang=350_000)
    donor = donations.create_donor({"name": "ร้านทองดี"}, by=actors["treasurer"])
    cash = donations.donate_cash(donor, 100_000, "GENERAL", PaymentMethod.CASH, by=actors["treasurer"])
    kind = donations.donate_in_kind(donor, [{"type": "WC", "value_satang": 50_000}, {"type": "WC"}],
                                    by=actors["treasurer"])
    bought = spending.spend(Purpose.PURCHASE, 30_000, by=actors["treasurer"], device_type=wc, device_count=1)
    reversal = spending.reverse_entry(bought.entry_id, "ผิด", by=actors["treasurer"])
    person = people.create_person({"first_name": "สมศรี"}, {"given_by": "สมศรี ใจดี"}, by=actors["staff"])
    consent.withdraw(person, by=actors["staff"])
    again = consent.give(person, {"given_by": "สมชาย ใจดี", "relation": "บุตร"}, by=actors["staff"])
    db.session.commit()
    return {"cash": cash.id, "kind": kind.id, "spending": bought.id, "reversal": reversal.id, "person": person.id,
            "first_consent": person.consents[0].id, "again": again.id}


def refused(statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()


def check(made: dict[str, int]) -> None:
    db.session.expire_all()
    kind = db.session.get(Donation, made["kind"])
    assert kind.amount_satang == 400_000 and kind.entry_id is not None and len(kind.devices) == 2
    assert db.session.get(Donation, made["cash"]).receipt_label.endswith("/00001")
    assert db.session.get(Spending, made["spending"]).reversed_by_id == made["reversal"]
    person = db.session.get(Person, made["person"])
    assert [c.withdrawn_at is not None for c in person.consents] == [True, False] and person.has_consent
    targets = {"donations": made["cash"], "spendings": made["spending"], "consent_records": made["first_consent"],
               "consent_withdrawals": None}
    for table, row_id in targets.items():
        where = f"WHERE id = {row_id}" if row_id else ""
        refused(f"UPDATE {table} SET id = id {where}")
        refused(f"DELETE FROM {table} {where}")
    # The attack of the issue: a donation's amount changed straight in the database.
    refused(f"UPDATE donations SET amount_satang = 1 WHERE id = {made['cash']}")
    assert db.session.get(Donation, made["cash"]).amount_satang == 100_000


@both_databases
def test_the_services_only_insert_and_the_database_refuses_changes(app):
    with app.app_context():
        check(fill())


@both_databases
def test_who_signed_may_be_blanked_but_the_consent_record_may_not_change(app):
    with app.app_context():
        made = fill()
        db.session.execute(text(f"UPDATE consent_signers SET name = '', relation = '' "
                                f"WHERE consent_id = {made['again']}"))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Person, made["person"]).consents[1].given_by == ""
        refused(f"UPDATE consent_records SET version = 'x' WHERE id = {made['again']}")
        refused(f"UPDATE consent_records SET person_id = person_id WHERE id = {made['again']}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated(request, tmp_path):
    app = build_app(database_url(request.param, tmp_path), create_schema=False)
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_the_migrations_make_the_same_tables_append_only(migrated):
    check(fill())
