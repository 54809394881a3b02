"""The pages anyone can open cannot pin the server: their figures are kept until a change,
browsers revalidate them (304), and every address has a budget of requests (429 past it)."""
from __future__ import annotations

import datetime as dt

import pytest

from core.db import db
from core.users import User, create_user
from devices import services as devices
from devices.models import Condition
from fixtures.core import build_app
from fixtures.lending import lend
from fixtures.users import make_actors
from fund.models import PaymentMethod, Purpose
from fund.services import donations, impact, ledger, spending
from lending.services import loans


def build_fund(actors) -> dict:
    """A donor with a login, a purchase their money paid, the device lent once."""
    treasurer = create_user("t", "long-enough", ["treasurer"])
    ledger.ensure_chart()
    wc = devices.create_type({"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair",
                              "reference_price_satang": 350_000}, by=None)
    donor = donations.create_donor({"name": "Shop", "may_be_named": True}, by=treasurer)
    donor.user_id = create_user("giver", "long-enough", ["donor"]).id
    donations.donate_cash(donor, 700_000, "GENERAL", PaymentMethod.TRANSFER, by=treasurer)
    bought = spending.spend(Purpose.PURCHASE, 350_000, by=treasurer, device_type=wc, device_count=1)
    device = bought.devices[0].device
    lend(actors, device)
    db.session.commit()
    return {"treasurer": treasurer, "donor": donor, "wc": wc, "device": device}


@pytest.fixture
def fund(ctx, actors):
    return build_fund(actors)


@pytest.fixture
def fund_ids(app):
    """The same, made outside the test's own context (pages are asked in contexts of their own)."""
    with app.app_context():
        made = build_fund(make_actors())
        return {key: value.id for key, value in made.items()} | {"token": made["donor"].share_token,
                                                                  "donor_user": made["donor"].user_id}


def fresh(make):
    """What ``make`` gives computed from scratch, without the server's copy."""
    impact.forget()
    return make()


def test_the_kept_figures_equal_figures_made_from_scratch_after_each_change(fund, actors):
    donor, treasurer = fund["donor"], fund["treasurer"]
    figures = {("program",): impact.for_program, ("donor", donor.id): lambda: impact.for_donor(donor)}

    def kept(key):
        return impact.cached(key, figures[key])

    def check():
        """What the server kept (from before the change) is what a rebuild from scratch gives."""
        got = {key: kept(key) for key in figures}
        assert got == {key: fresh(make) for key, make in figures.items()}
        for key in figures:
            assert kept(key) is kept(key)  # read again, unchanged: the same copy, not made again

    check()
    calls = []
    impact.cached(("program",), lambda: calls.append(1))
    assert calls == []  # nothing changed since: the kept figures are served
    steps = [
        lambda: donations.donate_cash(donor, 100_000, "GENERAL", PaymentMethod.CASH, by=treasurer),
        lambda: lend(actors, devices.register_device(fund["wc"], {}, by=actors["staff"])),
        lambda: loans.receive_return(loans.open_loan_for(fund["device"]), Condition.GOOD, by=actors["staff"]),
        lambda: spending.spend(Purpose.REPAIR, 50_000, by=treasurer),
        lambda: devices.update_type(fund["wc"], {"reference_price_satang": 420_000}, version=fund["wc"].version,
                                    by=actors["admin"]),
        lambda: spending.reverse_entry(donations.donate_cash(donor, 5_000, "GENERAL", PaymentMethod.CASH,
                                                             by=treasurer).entry_id, "typo", by=treasurer),
    ]
    before = kept(("program",)), kept(("donor", donor.id))
    for step in steps:
        step()
        db.session.commit()
        check()
    assert (kept(("program",)), kept(("donor", donor.id))) != before


def test_the_center_page_is_revalidated_and_changes_with_the_records(fund_ids, client, app):
    first = client.get("/impact/center")
    assert first.status_code == 200 and "Shop" in first.text
    assert first.cache_control.private and first.cache_control.max_age == 60 and not first.cache_control.public
    etag = first.headers["ETag"]
    again = client.get("/impact/center", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = app.test_client()  # another browser: its own copy (its token), never someone else's
    assert other.get("/impact/center", headers={"If-None-Match": etag}).status_code == 200
    english = client.get("/impact/center", headers={"If-None-Match": etag, "Accept-Language": "en"})
    assert english.status_code == 200 and english.headers["ETag"] != etag  # another language, another copy
    with app.app_context():
        treasurer = db.session.get(User, fund_ids["treasurer"])
        donor = donations.create_donor({"name": "New Friend", "may_be_named": True}, by=treasurer)
        donations.donate_cash(donor, 10_000, "GENERAL", PaymentMethod.CASH, by=treasurer)
        db.session.commit()
    changed = client.get("/impact/center", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "New Friend" in changed.text and changed.headers["ETag"] != etag


def test_a_donors_own_page_is_never_kept_and_a_shared_link_only_by_the_browser(fund_ids, app, login):
    own = login(app.test_client(), fund_ids["donor_user"]).get("/impact")
    assert own.status_code == 200 and own.headers["Cache-Control"] == "no-store" and "ETag" not in own.headers
    shared = app.test_client().get(f"/impact/s/{fund_ids['token']}")
    assert shared.status_code == 200 and shared.cache_control.private and "ETag" in shared.headers
    assert "Shop" in shared.text


def test_public_and_donor_pages_share_a_budget_per_address_and_answer_429(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'limits.db'}", RATELIMIT_ENABLED=True, PUBLIC_PAGE_LIMIT="3 per minute")
    with app.app_context():
        devices.create_type({"code": "WC", "name_th": "รถเข็น", "name_en": "Wheelchair"}, by=None)
        tag = devices.register_device(devices.get_type("WC"), {}, by=None).tag
        staff = create_user("staffer", "long-enough", ["staff"])
        db.session.commit()
        staff_session = staff.get_id()
    visitor = app.test_client()
    codes = [visitor.get(path).status_code for path in ("/impact/center", f"/d/{tag}", "/impact/center")]
    assert codes == [200, 200, 200]
    refused = visitor.get(f"/d/{tag}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "มากเกินไป" in refused.text  # the reader's language: Thai by default
    english = visitor.get("/impact/center", headers={"Accept-Language": "en"})
    assert english.status_code == 429 and "Too many requests" in english.text
    other = app.test_client()  # another address has its own budget
    assert other.get("/impact/center", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    storeroom = app.test_client()  # the center's staff behind the same address scan on
    with storeroom.session_transaction() as session:
        session["_user_id"] = staff_session
        session["_fresh"] = True
    assert all(storeroom.get(f"/d/{tag}").status_code == 200 for _ in range(5))
    with app.app_context():
        db.engine.dispose()


def test_the_program_figures_do_not_count_a_loan_that_starts_after_today(fund, actors):
    loan = loans.open_loan_for(fund["device"])
    today = dt.date(2000, 1, 1)  # the loan starts later: it has no days yet, but it was a loan
    assert impact.for_program(today).device_days == 0 and impact.for_program(today).loans == 1
    assert impact.for_donor(fund["donor"], today).device_days == 0 and loan.returned_at is None
