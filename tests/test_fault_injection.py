"""A failure in the middle of a multi-step service leaves nothing half-written.

Each test sends a real request whose service fails part-way, after some of its rows were
flushed (a fault injected into the audit write, the ledger posting, a device's registration,
the fund check). The request answers 500, and every table is as it was before the request;
the same request, sent again with the same Idempotency-Key once the fault is gone, goes
through once. The app commits once per request (core.unit_of_work): this proves it on
SQLite and PostgreSQL.
"""
from __future__ import annotations

import functools

import pytest
from sqlalchemy import func, select

from fixtures.core import both_databases
from core import audit
from core.db import db
from core.idempotency import IdempotencyKey
from devices import services as device_services
from fund.models import JournalEntry
from fund.services import ledger
from lending.models import Loan
from fixtures.core import Api
from fixtures.lending import ADL_HOME_BOUND, PERSON
from maintenance.models import WorkOrder
from snapshot import differences, snapshot

INSTRUCTIONS = ["ล็อกเบรกทุกครั้งก่อนลุกหรือนั่ง", "ตรวจลมยางทุกสัปดาห์"]


class InjectedFault(RuntimeError):
    """The failure a test puts in the middle of a service."""


@pytest.fixture
def failing(app, monkeypatch):
    """``failing(module, name, when, after=True)``: ``module.name`` raises InjectedFault on a call
    for which ``when(*args, **kwargs)`` holds, after doing its real work (``after``) or
    instead of it. Returns the list of calls that failed. The app answers such a failure
    with a 500, as in production, instead of handing the traceback to the test."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    originals = []

    def install(module, name, when, after=True, probe=None):
        real = getattr(module, name)
        failed = []

        @functools.wraps(real)
        def wrapper(*args, **kwargs):
            if not when(*args, **kwargs):
                return real(*args, **kwargs)
            if after:
                real(*args, **kwargs)
            failed.append(probe() if probe else True)
            raise InjectedFault(f"{name} failed")

        originals.append((module, name, real))
        monkeypatch.setattr(module, name, wrapper)
        return failed

    def heal():
        for module, name, real in originals:
            monkeypatch.setattr(module, name, real)

    install.heal = heal
    return install


def state(app):
    with app.app_context():
        return snapshot(db.engine)


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def staff(client, api_headers):
    return Api(client, api_headers("staff", "assessor", "supervisor"))


@pytest.fixture
def reserved(app, staff, make_type, make_device):
    """A wheelchair reserved for an approved request: (request id, tag)."""
    make_type("WC", instructions=INSTRUCTIONS)
    tag = make_device("WC")
    person = staff.post("/api/v1/people", PERSON, expect=201)
    req = staff.post("/api/v1/requests", {"person_id": person["id"], "device_type": "WC", "channel": "phone",
                                          "urgency": "high", "reason": "ติดเตียง"}, expect=201)
    staff.post(f"/api/v1/requests/{req['id']}/assessment", {"adl_items": ADL_HOME_BOUND, "suitable": True},
               expect=201)
    staff.post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
    staff.post(f"/api/v1/requests/{req['id']}/reservation", {"device_tag": tag}, expect=200)
    return req["id"], tag


def loans_flushed() -> int:
    return db.session.scalar(select(func.count()).select_from(Loan))


@both_databases
@pytest.mark.parametrize("door", ["api", "page"])
def test_a_delivery_failing_at_its_audit_write_writes_nothing(app, staff, reserved, failing, client_as, door):
    req_id, tag = reserved
    browser = client_as("staff")
    before = state(app)
    failed = failing(audit, "record", lambda _actor, action, *_a, **_k: action == "loan.opened", after=False,
                     probe=loans_flushed)
    if door == "api":
        body = {"request_id": req_id, "device_tag": tag, "instructions": INSTRUCTIONS, "acknowledged_by": "สมชาย"}
        response = staff.call("post", "/api/v1/loans", json=body, headers={"Idempotency-Key": "deliver-1"})
    else:
        response = browser.post(f"/d/{tag}/deliver", data={"request_id": str(req_id), "instructions": INSTRUCTIONS,
                                                           "acknowledged_by": "สมชาย"})
    assert response.status_code == 500
    assert failed == [1]          # the loan row was in the database's transaction when the audit write failed
    assert differences(before, state(app)) == {}
    assert count(app, Loan) == 0 and count(app, IdempotencyKey) == 0
    assert staff.get(f"/api/v1/devices/{tag}")["status"] == "reserved"
    assert staff.get(f"/api/v1/requests/{req_id}")["status"] == "reserved"

    failing.heal()
    if door == "api":
        loan = staff.post("/api/v1/loans", body, expect=201, headers={"Idempotency-Key": "deliver-1"})
        again = staff.call("post", "/api/v1/loans", json=body, headers={"Idempotency-Key": "deliver-1"})
        assert again.status_code == 201 and again.get_json()["id"] == loan["id"]
        assert again.headers["Idempotent-Replayed"] == "true"
    else:
        assert browser.post(f"/d/{tag}/deliver", data={"request_id": str(req_id), "instructions": INSTRUCTIONS,
                                                       "acknowledged_by": "สมชาย"}).status_code == 302
    assert count(app, Loan) == 1
    assert staff.get(f"/api/v1/devices/{tag}")["status"] == "on_loan"
    assert staff.get(f"/api/v1/requests/{req_id}")["status"] == "delivered"


@pytest.fixture
def treasurer(app, client, api_headers, make_type):
    make_type("WC")
    api = Api(client, api_headers("treasurer"))
    donor = api.post("/api/v1/donors", {"name": "ร้านใจดี"}, expect=201)
    api.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 5_000_000}, expect=201)
    return api


def _entries() -> int:
    return db.session.scalar(select(func.count()).select_from(JournalEntry))


def always(*_args, **_kwargs) -> bool:
    return True


def on_call(number: int):
    calls = []

    def when(*_args, **_kwargs) -> bool:
        calls.append(1)
        return len(calls) == number

    return when


# Where the purchase fails: after its journal entry and postings are written, after the second
# of three devices is registered, at the check that no fund went below zero, at its audit write.
PURCHASE_FAULTS = {
    "ledger posting": (ledger, "post", lambda: always, True),
    "second device": (device_services, "register_device", lambda: on_call(2), True),
    "fund check": (ledger, "check_not_negative", lambda: always, False),
    "audit write": (audit, "record", lambda: lambda _actor, action, *a, **k: action == "fund.purchase", False),
}


@both_databases
@pytest.mark.parametrize("fault", list(PURCHASE_FAULTS))
def test_a_purchase_failing_part_way_spends_nothing(app, treasurer, failing, fault):
    body = {"device_type": "WC", "amount_satang": 1_050_000, "count": 3}
    funds_before = {f["code"]: f["balance_satang"] for f in treasurer.get("/api/v1/funds")}
    before = state(app)
    module, name, when, after = PURCHASE_FAULTS[fault]
    failed = failing(module, name, when(), after=after, probe=_entries)
    response = treasurer.call("post", "/api/v1/purchases", json=body, headers={"Idempotency-Key": "buy-1"})
    assert response.status_code == 500
    assert failed == [2]          # the purchase's journal entry was written beside the donation's
    assert differences(before, state(app)) == {}
    assert {f["code"]: f["balance_satang"] for f in treasurer.get("/api/v1/funds")} == funds_before

    failing.heal()
    bought = treasurer.post("/api/v1/purchases", body, expect=201, headers={"Idempotency-Key": "buy-1"})
    assert len(bought["device_tags"]) == 3
    assert treasurer.post("/api/v1/purchases", body, expect=201,
                          headers={"Idempotency-Key": "buy-1"})["id"] == bought["id"]
    funds = {f["code"]: f["balance_satang"] for f in treasurer.get("/api/v1/funds")}
    assert sum(funds.values()) == sum(funds_before.values()) - 1_050_000


def _cleaning_orders() -> int:
    return db.session.scalar(select(func.count()).select_from(WorkOrder))


@both_databases
def test_a_return_failing_after_its_cleaning_order_leaves_the_loan_open(app, staff, reserved, failing):
    """The return closes the loan and the request, sends the device to cleaning and opens the
    cleaning order; the failure comes at the very end, at its audit write."""
    req_id, tag = reserved
    loan = staff.post("/api/v1/loans", {"request_id": req_id, "device_tag": tag, "instructions": INSTRUCTIONS,
                                        "acknowledged_by": "สมชาย"}, expect=201)
    before = state(app)
    failed = failing(audit, "record", lambda _actor, action, *_a, **_k: action == "loan.returned", after=False,
                     probe=_cleaning_orders)
    response = staff.call("post", f"/api/v1/loans/{loan['id']}/return", json={"condition": "fair", "notes": "ล้อสึก"})
    assert response.status_code == 500
    assert failed == [1]          # the cleaning order had been opened when the failure came
    assert differences(before, state(app)) == {}
    assert staff.get(f"/api/v1/loans/{loan['id']}")["is_open"]
    assert staff.get(f"/api/v1/devices/{tag}")["status"] == "on_loan"
    assert count(app, WorkOrder) == 0

    failing.heal()
    returned = staff.post(f"/api/v1/loans/{loan['id']}/return", {"condition": "fair", "notes": "ล้อสึก"}, expect=200)
    assert not returned["is_open"]
    assert staff.get(f"/api/v1/devices/{tag}")["status"] == "returned"
    assert staff.get(f"/api/v1/requests/{req_id}")["status"] == "closed"
    assert count(app, WorkOrder) == 1
