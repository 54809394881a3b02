"""Issue 12: donor money spent without approval.

A cleaning's consumables are capped; costs past the limit or the repair's estimate wait for a
supervisor before any money moves, and move exactly once on approval; who may not see the
fund's balances reads no amount in an error or the summary; the trial balance has an endpoint.
"""
from __future__ import annotations

import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from app import create_app
from core.db import db
from core.users import create_user
from devices import services as devices
from devices.models import Condition
from fixtures.core import both_databases, build_app, database_url, race
from fixtures.devices import new_type
from fixtures.fund import give
from fixtures.maintenance import STEPS
from fixtures.users import ROLES, make_actors, user_named
from fund.models import Allocation, JournalEntry, PaymentMethod, Posting
from fund.services import donations, ledger
from maintenance.models import WorkKind, WorkOrder, WorkStatus
from maintenance.services import cost_approval, orders

ATTACK = 5_000_000  # the 5,000,000 satang of the issue


@pytest.fixture
def shop(app, make_type, make_device, api_as):
    """A wheelchair in stock, a fund of ฿10,000 and the people who act on it."""
    make_type("WC", cleaning_steps=STEPS, contact_time_minutes=10)
    callers = {role: api_as(role) for role in ("maintenance", "supervisor", "treasurer", "assessor", "admin")}
    callers["tag"] = make_device("WC")
    give(callers["treasurer"], 1_000_000)
    return callers


def balances(shop) -> dict[str, int]:
    return {fund["code"]: fund["balance_satang"] for fund in shop["treasurer"].get("/api/v1/funds")}


def money_moved(app) -> tuple[int, int, int]:
    """Journal entries, postings and allocations: what paying writes."""
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (JournalEntry, Posting, Allocation))


def open_order(shop, kind: str, start: bool = True) -> int:
    tech = shop["maintenance"]
    order = tech.post("/api/v1/work-orders", {"device_tag": shop["tag"], "kind": kind}, expect=201)
    if start:
        tech.post(f"/api/v1/work-orders/{order['id']}/start", {}, expect=200)
    return order["id"]


def checklist(app, order_id: int) -> dict[str, str]:
    with app.app_context():
        return {item: "pass" for item in orders.checklist_for(orders.get_order(order_id))}


def device_status(shop) -> str:
    return shop["maintenance"].get(f"/api/v1/devices/{shop['tag']}")["status"]


@both_databases
def test_a_cleaning_order_costing_five_million_satang_is_refused_naming_the_field(app, shop):
    order_id = open_order(shop, "cleaning")
    before, moved = balances(shop), money_moved(app)
    body = {"checklist": checklist(app, order_id), "other_cost_satang": ATTACK}
    refused = shop["maintenance"].call("post", f"/api/v1/work-orders/{order_id}/complete", json=body,
                                       headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"other_cost_satang": ["More than a cleaning's consumables may cost "
                                                                  "(฿500.00)."]}
    part = shop["maintenance"].call("post", f"/api/v1/work-orders/{order_id}/parts",
                                    json={"name": "น้ำยา", "quantity": 100, "unit_cost_satang": 1_000})
    assert part.status_code == 422 and "unit_cost_satang" in part.get_json()["errors"]
    assert balances(shop) == before and money_moved(app) == moved
    assert shop["maintenance"].get(f"/api/v1/work-orders/{order_id}")["status"] == "in_progress"
    # Consumables under the cap are paid at once, as before.
    done = shop["maintenance"].post(f"/api/v1/work-orders/{order_id}/complete",
                                    {**body, "other_cost_satang": 30_000}, expect=200)
    assert done["status"] == "done" and balances(shop)["GENERAL"] == before["GENERAL"] - 30_000
    assert device_status(shop) == "available"


@both_databases
def test_a_big_repair_waits_for_a_supervisor_then_the_fund_pays_exactly_once(app, shop):
    order_id = open_order(shop, "repair")
    before, moved = balances(shop), money_moved(app)
    waiting = shop["maintenance"].post(f"/api/v1/work-orders/{order_id}/complete",
                                       {"other_cost_satang": 600_000, "condition": "good"}, expect=200)
    assert waiting["status"] == "cost_approval" and waiting["spending_id"] is None
    assert balances(shop) == before and money_moved(app) == moved
    assert device_status(shop) == "in_maintenance"  # not back in service while its costs wait
    # Frozen meanwhile: no more parts, no second finish, no approving one's own costs.
    for step, body in (("parts", {"name": "ล้อ", "quantity": 1, "unit_cost_satang": 100}),
                       ("complete", {"condition": "good"})):
        assert shop["maintenance"].call("post", f"/api/v1/work-orders/{order_id}/{step}", json=body).status_code == 409
    for role in ("maintenance", "treasurer", "assessor"):
        assert shop[role].call("post", f"/api/v1/work-orders/{order_id}/approve-costs", json={}).status_code == 403
    assert balances(shop) == before

    approved = shop["supervisor"].post(f"/api/v1/work-orders/{order_id}/approve-costs", {"note": "ok"}, expect=200)
    assert approved["status"] == "done" and approved["costs_approved"] is True and approved["spending_id"]
    assert balances(shop)["GENERAL"] == before["GENERAL"] - 600_000
    assert device_status(shop) == "available"
    again = shop["supervisor"].call("post", f"/api/v1/work-orders/{order_id}/approve-costs", json={})
    assert again.status_code == 409 and again.get_json()["errors"] == {"state": ["done"]}
    with app.app_context():
        repairs = db.session.scalars(select(JournalEntry).where(JournalEntry.kind == "repair")).all()
        assert len(repairs) == 1
        assert sorted(p.amount_satang for p in repairs[0].postings) == [-600_000, 600_000]
        assert db.session.scalar(select(func.sum(Allocation.amount_satang))) == 600_000
    trial = shop["treasurer"].get("/api/v1/funds/trial-balance")
    assert trial["total_satang"] == 0 and trial["balanced"] is True
    assert {line["code"]: line["balance_satang"] for line in trial["accounts"]}["EXP_REPAIR"] == 600_000


def test_no_one_approves_the_costs_they_recorded(app, shop):
    order_id = open_order(shop, "repair")
    admin = shop["admin"]                                # an admin may take every step, even finish an order
    admin.post(f"/api/v1/work-orders/{order_id}/complete", {"other_cost_satang": 700_000, "condition": "good"},
               expect=200)
    before = balances(shop)
    own = admin.call("post", f"/api/v1/work-orders/{order_id}/approve-costs", json={},
                     headers={"Accept-Language": "en"})
    assert own.status_code == 403 and "someone else" in own.get_json()["message"]
    assert balances(shop) == before
    assert shop["supervisor"].post(f"/api/v1/work-orders/{order_id}/approve-costs", {}, expect=200)["status"] == "done"


def test_costs_above_the_estimate_wait_and_a_decline_sends_the_order_back(app, shop):
    order_id = open_order(shop, "repair")
    shop["maintenance"].post(f"/api/v1/work-orders/{order_id}/estimate", {"estimate_satang": 10_000}, expect=200)
    before = balances(shop)
    waiting = shop["maintenance"].post(f"/api/v1/work-orders/{order_id}/complete",
                                       {"other_cost_satang": 20_000, "condition": "fair"}, expect=200)
    assert waiting["status"] == "cost_approval"  # under the limit, over the estimate
    unsaid = shop["supervisor"].call("post", f"/api/v1/work-orders/{order_id}/decline-costs", json={"reason": ""})
    assert unsaid.status_code == 422 and "reason" in unsaid.get_json()["errors"]["json"]
    declined = shop["supervisor"].post(f"/api/v1/work-orders/{order_id}/decline-costs",
                                       {"reason": "ราคาแพงเกินไป"}, expect=200)
    assert declined["status"] == "in_progress" and declined["costs_approved"] is False
    assert declined["costs_decision_note"] == "ราคาแพงเกินไป" and declined["costs_decided_by"]
    assert balances(shop) == before and device_status(shop) == "in_maintenance"
    done = shop["maintenance"].post(f"/api/v1/work-orders/{order_id}/complete",
                                    {"other_cost_satang": 9_000, "condition": "fair"}, expect=200)
    assert done["status"] == "done" and balances(shop)["GENERAL"] == before["GENERAL"] - 9_000
    history = shop["supervisor"].get(f"/api/v1/devices/{shop['tag']}/history")
    assert "work_order.costs_declined" in str(history)


def test_the_supervisor_approves_from_the_work_order_page(app, shop, client_as):
    order_id = open_order(shop, "repair")
    shop["maintenance"].post(f"/api/v1/work-orders/{order_id}/complete",
                             {"other_cost_satang": 700_000, "condition": "good"}, expect=200)
    tech = client_as("maintenance")
    assert tech.get("/maintenance/costs").status_code == 403
    tech_page = tech.get(f"/maintenance/orders/{order_id}").get_data(as_text=True)
    assert "ค่าใช้จ่ายรออนุมัติ" in tech_page and 'value="approve_costs"' not in tech_page
    assert tech.post(f"/maintenance/orders/{order_id}", data={"step": "approve_costs"}).status_code == 403
    boss = client_as("supervisor")
    queue = boss.get("/maintenance/costs").get_data(as_text=True)
    assert shop["tag"] in queue and "฿7,000.00" in queue
    page = boss.get(f"/maintenance/orders/{order_id}").get_data(as_text=True)
    assert 'value="approve_costs"' in page and "เกินวงเงิน ฿5,000.00" in page
    refused = boss.post(f"/maintenance/orders/{order_id}", data={"step": "decline_costs", "costs-note": ""})
    assert refused.status_code == 422 and "โปรดระบุเหตุผลที่ไม่อนุมัติค่าใช้จ่าย" in refused.get_data(as_text=True)
    before = balances(shop)["GENERAL"]
    assert boss.post(f"/maintenance/orders/{order_id}", data={"step": "approve_costs"}).status_code == 302
    assert balances(shop)["GENERAL"] == before - 700_000
    assert shop["tag"] not in boss.get("/maintenance/costs").get_data(as_text=True)


@pytest.mark.parametrize("role", ["maintenance", "supervisor"])
def test_not_enough_money_tells_no_amount_to_who_may_not_see_the_balances(app, shop, role):
    """The maintenance user of the issue read the balance in the error; so would a supervisor."""
    shop["treasurer"].post("/api/v1/purchases", {"device_type": "WC", "amount_satang": 700_000}, expect=201)
    order_id = open_order(shop, "repair")
    # ฿4,000 is under the limit and paid on finishing; ฿20,000 waits for the supervisor. Both pass the ฿3,000 left.
    cost = 2_000_000 if role == "supervisor" else 400_000
    before, moved = balances(shop), money_moved(app)
    english = {"Accept-Language": "en"}
    finished = shop["maintenance"].call("post", f"/api/v1/work-orders/{order_id}/complete",
                                        json={"other_cost_satang": cost, "condition": "good"}, headers=english)
    if role == "supervisor":
        assert finished.get_json()["status"] == "cost_approval"
        finished = shop["supervisor"].call("post", f"/api/v1/work-orders/{order_id}/approve-costs", json={},
                                           headers=english)
    body = finished.get_json()
    assert finished.status_code == 409
    assert body["message"] == "Not enough money: the funds allowed to pay for this do not hold enough."
    assert body["errors"] == {"amount_satang": ["More than the allowed funds hold."]}
    thai = shop[role].call("post", f"/api/v1/work-orders/{order_id}/"
                                   f"{'approve-costs' if role == 'supervisor' else 'complete'}",
                           json={} if role == "supervisor" else {"other_cost_satang": cost, "condition": "good"})
    assert thai.status_code == 409 and thai.get_json()["message"].startswith("เงินไม่พอ")
    assert not re.search(r"\d", str([thai.get_json()["message"], thai.get_json()["errors"]]))
    assert balances(shop) == before and money_moved(app) == moved
    assert shop["maintenance"].get(f"/api/v1/work-orders/{order_id}")["status"] == \
        ("cost_approval" if role == "supervisor" else "in_progress")
    # The treasurer, who sees the balances anyway, reads how much is missing.
    short = shop["treasurer"].call("post", "/api/v1/repairs", json={"amount_satang": cost}, headers=english)
    assert short.status_code == 409 and short.get_json()["message"] == (
        f"Not enough money: the funds allowed to pay for this are ฿{(cost - 300_000) // 100:,}.00 short.")


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("donor", "dpo")])  # the summary's readers
def test_the_summary_shows_fund_balances_only_to_who_may_read_the_funds(app, client, api_headers, shop, role):
    headers = api_headers(role)
    may_read_funds = client.get("/api/v1/funds", headers=headers).status_code == 200
    summary = client.get("/api/v1/reports/summary", headers=headers)
    assert summary.status_code == 200
    body = summary.get_json()
    assert ("fund_balances_satang" in body) == may_read_funds == (role in ("treasurer", "admin"))
    if may_read_funds:
        assert body["fund_balances_satang"] == {"GENERAL": 1_000_000}
    else:  # the assessor of the issue, and every other role refused /api/v1/funds: no money of the fund
        assert "1000000" not in summary.get_data(as_text=True)
    assert body["devices_by_status"] == {"available": 1}


def test_the_openapi_document_describes_the_summary_and_the_trial_balance(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    summary = schemas["Summary"]
    assert "fund_balances_satang" in summary["properties"] and "fund_balances_satang" not in summary["required"]
    assert {"devices_by_status", "loans", "people_served"} <= set(summary["required"])
    ok = spec["paths"]["/api/v1/reports/summary"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/Summary")
    trial = spec["paths"]["/api/v1/funds/trial-balance"]["get"]["responses"]["200"]
    assert trial["content"]["application/json"]["schema"]["$ref"].endswith("/TrialBalance")
    assert schemas["TrialBalanceLine"]["properties"]["kind"]["enum"] == ["asset", "income", "expense"]
    paths = spec["paths"]
    assert "/api/v1/work-orders/{order_id}/approve-costs" in paths
    assert "/api/v1/work-orders/{order_id}/decline-costs" in paths


@pytest.mark.parametrize("role", ROLES)
def test_the_trial_balance_endpoint_by_role(app, client, api_headers, shop, role):
    response = client.get("/api/v1/funds/trial-balance", headers=api_headers(role))
    assert response.status_code == (200 if role in ("treasurer", "admin") else 403)
    if response.status_code == 200:
        body = response.get_json()
        with app.app_context():
            expected = {account.code: amount for account, amount in ledger.trial_balance()}
        assert {line["code"]: line["balance_satang"] for line in body["accounts"]} == expected
        assert expected["CASH"] == 1_000_000 and body["total_satang"] == 0 and body["balanced"] is True


def test_retiring_a_device_whose_costs_wait_pays_nothing(app, shop):
    order_id = open_order(shop, "repair")
    shop["maintenance"].post(f"/api/v1/work-orders/{order_id}/complete",
                             {"other_cost_satang": 900_000, "condition": "poor"}, expect=200)
    before, moved = balances(shop), money_moved(app)
    asked = shop["maintenance"].post("/api/v1/retirements", {"device_tag": shop["tag"], "kind": "retire",
                                                             "reason": "ซ่อมไม่คุ้ม"}, expect=201)
    shop["supervisor"].post(f"/api/v1/retirements/{asked['id']}/approve", {}, expect=200)
    assert shop["maintenance"].get(f"/api/v1/work-orders/{order_id}")["status"] == "cancelled"
    assert balances(shop) == before and money_moved(app) == moved


@both_databases
def test_two_supervisors_approving_at_once_pay_once(app):
    with app.app_context():
        for name in ("boss1", "boss2"):
            create_user(name, "long-enough", ["supervisor"])
        actors = make_actors("maintenance", "treasurer")
        new_type()
        donor = donations.create_donor({"name": "ผู้ใจบุญ"}, by=actors["treasurer"])
        donations.donate_cash(donor, 2_000_000, ledger.GENERAL_FUND, PaymentMethod.CASH, by=actors["treasurer"])
        device = devices.register_device(devices.get_type("WC"), {}, by=None)
        order = orders.open_order(device, WorkKind.REPAIR, by=actors["maintenance"])
        orders.start(order, by=actors["maintenance"])
        orders.complete(order, {}, by=actors["maintenance"], other_cost_satang=800_000, condition=Condition.GOOD)
        assert order.status == WorkStatus.COST_APPROVAL
        db.session.commit()
        order_id = order.id

    def approve(username):
        cost_approval.approve(orders.get_order(order_id), by=user_named(username))

    results = race(app, approve, ["boss1", "boss2"])
    assert sorted(results)[1] == "ok" and sorted(results)[0] in ("409", "StaleDataError"), results
    with app.app_context():
        assert db.session.get(WorkOrder, order_id).status == WorkStatus.DONE
        assert db.session.scalar(select(func.count()).select_from(JournalEntry)
                                 .where(JournalEntry.kind == "repair")) == 1
        assert ledger.cash_balance(ledger.get_fund(ledger.GENERAL_FUND)) == 1_200_000


def test_the_limits_come_from_the_configuration(tmp_path, monkeypatch):
    lower = build_app(f"sqlite:///{tmp_path / 'lower.db'}", WORK_ORDER_COST_LIMIT_SATANG=10_000)
    assert lower.config["WORK_ORDER_COST_LIMIT_SATANG"] == 10_000
    assert lower.config["CLEANING_CONSUMABLES_CAP_SATANG"] == 500_00
    monkeypatch.setenv("CLEANING_CONSUMABLES_CAP_SATANG", "25000")
    assert create_app({"SECRET_KEY": "x"}).config["CLEANING_CONSUMABLES_CAP_SATANG"] == 25_000
    for bad in ("-1", "5.5", "฿500", "99999999999"):
        monkeypatch.setenv("WORK_ORDER_COST_LIMIT_SATANG", bad)
        with pytest.raises(RuntimeError, match="WORK_ORDER_COST_LIMIT_SATANG"):
            create_app({"SECRET_KEY": "x"})


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_migrated_status_check_allows_costs_waiting(kind, tmp_path):
    app = build_app(database_url(kind, tmp_path), create_schema=False)
    with app.app_context():
        upgrade()
        checks = {c["name"]: c["sqltext"] for c in inspect(db.engine).get_check_constraints("work_orders")}
        assert "'cost_approval'" in checks["ck_work_orders_workstatus"]
        assert {"costs_approved", "costs_decided_by_id"} <= {c["name"] for c in inspect(db.engine)
                                                               .get_columns("work_orders")}
        db.session.remove()
        db.engine.dispose()
