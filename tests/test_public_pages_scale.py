"""No N+1 on the pages anyone can open and on a donor's own page: the number of SQL statements
one request costs is the same with 10 rows of everything as with 100 (figures made afresh, not
read from the server's copy)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event

from core import clock
from core.db import db
from core.users import User, create_user
from devices import services as devices
from fixtures.core import build_app
from fund.models import PaymentMethod, Purpose
from fund.services import donations, impact, ledger, spending
from lending.models import LendingRequest, Loan, Person, RequestItem


def populate(n: int) -> dict:
    """``n`` of everything: gifts of the donor and of other donors (some reversed), purchases
    their money paid, devices given in kind, people and loans (some still out)."""
    treasurer = create_user("t", "long-enough", ["treasurer"])
    ledger.ensure_chart()
    wc = devices.create_type({"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair",
                              "reference_price_satang": 350_000}, by=None)
    donor = donations.create_donor({"name": "Main donor", "may_be_named": True}, by=treasurer)
    donor.user_id = create_user("giver", "long-enough", ["donor"]).id
    for k in range(n):
        gift = donations.donate_cash(donor, 200_000, "GENERAL", PaymentMethod.TRANSFER, by=treasurer)
        other = donations.create_donor({"name": f"Donor {k}", "may_be_named": k % 2 == 0}, by=treasurer)
        donations.donate_cash(other, 100_000, "GENERAL", PaymentMethod.CASH, by=treasurer)
        if k % 5 == 4:
            spending.reverse_entry(gift.entry_id, "typo", by=treasurer)
    # One purchase of n devices, paid by many gifts (first in, first out).
    fleet = [p.device for p in spending.spend(Purpose.PURCHASE, 150_000 * n, by=treasurer, device_type=wc,
                                              device_count=n).devices]
    spending.spend(Purpose.REPAIR, 20_000, by=treasurer)
    fleet += [item.device for item in donations.donate_in_kind(donor, [{"type": "WC"}] * n, by=treasurer).devices]
    now = clock.now()
    for k, device in enumerate(fleet):
        person = Person(first_name=f"P{k}")   # written directly: only the counts matter here
        req = LendingRequest(person=person, channel="phone", items=[RequestItem(device_type=wc)])
        db.session.add(req)
        db.session.flush()
        delivered = now - dt.timedelta(days=40 + k)
        db.session.add(Loan(device_id=device.id, person_id=person.id, request_id=req.id, item_id=req.items[0].id,
                            acknowledged_by="x", delivered_at=delivered,
                            returned_at=delivered + dt.timedelta(days=20) if k % 3 else None))
    db.session.commit()
    return {"donor_session": db.session.get(User, donor.user_id).get_id(), "token": donor.share_token,
            "tag": fleet[0].tag}


def statements_per_page(tmp_path, n: int) -> dict[str, int]:
    app = build_app(f"sqlite:///{tmp_path / f'{n}.db'}")
    with app.app_context():
        made = populate(n)
    visitor, donor = app.test_client(), app.test_client()
    with donor.session_transaction() as session:
        session["_user_id"] = made["donor_session"]
        session["_fresh"] = True
    pages = {"center": (visitor, "/impact/center"), "shared link": (visitor, f"/impact/s/{made['token']}"),
             "label page": (visitor, f"/d/{made['tag']}"), "own page": (donor, "/impact")}
    counted = {}
    with app.app_context():
        engine = db.engine
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        for name, (client, path) in pages.items():
            client.get(path)          # the first visit makes the session (and its token)
            with app.app_context():
                impact.forget()
            seen.clear()
            assert client.get(path).status_code == 200, path
            counted[name] = len(seen)
    finally:
        event.remove(engine, "before_cursor_execute", count)
        engine.dispose()
    return counted


def test_public_and_donor_pages_cost_the_same_statements_at_10_and_100_rows(tmp_path):
    few, many = statements_per_page(tmp_path, 10), statements_per_page(tmp_path, 100)
    assert few == many, (few, many)
    assert all(count > 0 for count in few.values())
