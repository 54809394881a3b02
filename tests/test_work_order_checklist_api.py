"""A work order's JSON says what to tick: its checklist items, each with its result."""
from __future__ import annotations

from fixtures.maintenance import ITEMS, STEPS


def test_an_open_order_lists_what_to_tick_and_a_done_one_what_was_ticked(api_as, make_type, make_device):
    make_type("WC", cleaning_steps=STEPS, contact_time_minutes=10, inspection_items=ITEMS)
    tag = make_device("WC")
    tech = api_as("maintenance")
    order = tech.post("/api/v1/work-orders", {"device_tag": tag, "kind": "inspection"}, expect=201)
    assert order["checklist_items"] == [{"item": item, "result": None} for item in ITEMS]
    assert order["checklist"] == {}
    listed = tech.get(f"/api/v1/work-orders?device_tag={tag}")
    assert [o["checklist_items"] for o in listed] == [order["checklist_items"]]

    tech.post(f"/api/v1/work-orders/{order['id']}/start", {}, expect=200)
    ticked = {entry["item"]: "pass" for entry in tech.get(f"/api/v1/work-orders/{order['id']}")["checklist_items"]}
    done = tech.post(f"/api/v1/work-orders/{order['id']}/complete", {"checklist": ticked}, expect=200)
    assert done["status"] == "done"
    assert done["checklist_items"] == [{"item": item, "result": "pass"} for item in ITEMS]


def test_a_cleaning_order_lists_the_steps_and_the_contact_time(api_as, make_type, make_device):
    make_type("WC", cleaning_steps=STEPS, contact_time_minutes=10)
    tag = make_device("WC")
    tech = api_as("maintenance")
    order = tech.post("/api/v1/work-orders", {"device_tag": tag, "kind": "cleaning"}, expect=201)
    items = [entry["item"] for entry in order["checklist_items"]]
    assert items[:2] == STEPS and len(items) == 3 and "10" in items[2]
    assert {entry["result"] for entry in order["checklist_items"]} == {None}
    missing = tech.call("post", f"/api/v1/work-orders/{order['id']}/complete", 422,
                        json={"checklist": {items[0]: "pass"}}).get_json()
    assert "checklist" in missing["errors"]


def test_a_repair_has_nothing_to_tick(api_as, make_device):
    tag = make_device("WC")
    order = api_as("maintenance").post("/api/v1/work-orders", {"device_tag": tag, "kind": "repair"}, expect=201)
    assert order["checklist_items"] == []


def test_the_document_describes_the_items(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    items = spec["components"]["schemas"]["WorkOrder"]["properties"]["checklist_items"]
    assert items["type"] == "array"
    item = spec["components"]["schemas"][items["items"]["$ref"].rsplit("/", 1)[1]]
    assert item["properties"]["result"]["nullable"] is True
    assert set(item["properties"]["result"]["enum"]) == {"pass", "fail", None}
