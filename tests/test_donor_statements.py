"""What a donor takes away: their receipts, the yearly giving statement, the yearly impact summary.

Gifts are recorded at moments of the center's clock (``at_bangkok``) with the day left to the
service, so a gift at 23:30 on 31 December and one at 00:30 on 1 January (17:30 UTC on 31
December) fall in the years a Bangkok donor expects. Every amount below is added up by hand in
the comments. The summary goes through a real SMTP server (aiosmtpd) on a free local port.
"""
from __future__ import annotations

import datetime as dt
import email
import socket
from email import policy

import pypdfium2 as pdfium
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core import outbox
from core.audit import AuditEvent
from core.db import db
from core.outbox import OutboxMessage, OutboxStatus
from core.users import Role, User, create_user, issue_token
from devices import services as devices
from fixtures.core import at_bangkok, both_databases
from fixtures.documents import norm
from fund.models import PaymentMethod
from fund.receipts import TAX_NOTE
from fund.services import donations, ledger, spending, statements
from fund.statements import NO_GIFTS, NO_PERSONAL_DATA
from lending.models import LendingRequest, Loan, RequestItem
from lending.services import people

DONOR = "มูลนิธิสายรุ้งเมตตา"
OTHER = "บริษัทอื่น จำกัด"
SERVED = ("สมหญิง", "ทองดี")   # a person served: never in anything a donor receives
TAX_ID = "3101700123452"
CENTER_TAX_ID = "0994000165432"


def text_of(pdf: bytes) -> str:
    """The PDF's text as extracted (normalised: marks and spaces dropped, see fixtures.documents)."""
    assert pdf.startswith(b"%PDF")
    with pdfium.PdfDocument(pdf) as doc:
        texts = []
        for page in doc:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
    return norm("".join(texts))


@pytest.fixture
def world(app):
    """Donor A (a login, a tax ID, an e-mail) and donor B (a login), their gifts across the new year."""
    app.config.update(CENTER_TAX_ID=CENTER_TAX_ID)
    with app.app_context():
        treasurer = create_user("treasurer", "long-enough", [Role.TREASURER, Role.STAFF])
        ledger.ensure_chart()
        devices.create_type({"code": "BED", "name_th": "เตียงผู้ป่วย", "name_en": "Bed",
                             "reference_price_satang": 1_290_000}, by=None)
        a = donations.create_donor({"name": DONOR, "tax_id": TAX_ID, "email": "rainbow@example.org"}, by=treasurer)
        a.user = create_user("donor-a", "long-enough", [Role.DONOR])
        b = donations.create_donor({"name": OTHER}, by=treasurer)
        b.user = create_user("donor-b", "long-enough", [Role.DONOR])
        db.session.commit()
        gifts = {}
        for key, moment, amount in (("dec31", (2025, 12, 31, 23, 30), 100_050),
                                    ("jan1", (2026, 1, 1, 0, 30), 200_000),
                                    ("void", (2026, 3, 1, 10, 0), 99_900),
                                    ("last", (2026, 12, 31, 23, 59), 50_000),
                                    ("next", (2027, 1, 1, 0, 1), 30_000)):
            with at_bangkok(*moment):
                gifts[key] = donations.donate_cash(a, amount, ledger.GENERAL_FUND, PaymentMethod.TRANSFER,
                                                   by=treasurer)
        spending.reverse_entry(gifts["void"].entry_id, "บันทึกซ้ำ", by=treasurer)
        with at_bangkok(2026, 6, 15, 10):
            gifts["bed"] = donations.donate_in_kind(a, [{"type": "BED"}], by=treasurer)
            gifts["other"] = donations.donate_cash(b, 700_000, ledger.GENERAL_FUND, PaymentMethod.CASH,
                                                   by=treasurer)
        # Someone served with A's bed: 10 days at home in 2026.
        bed = gifts["bed"].devices[0].device
        person = people.create_person({"first_name": SERVED[0], "last_name": SERVED[1], "moo": "4"},
                                      {"given_by": SERVED[0]}, by=treasurer)
        req = LendingRequest(person=person, channel="phone", items=[RequestItem(device_type=bed.type)])
        db.session.add(req)
        db.session.flush()
        db.session.add(Loan(device_id=bed.id, person_id=person.id, request_id=req.id, item_id=req.items[0].id,
                            acknowledged_by="x", delivered_at=dt.datetime(2026, 7, 1, 3, tzinfo=dt.UTC),
                            returned_at=dt.datetime(2026, 7, 11, 3, tzinfo=dt.UTC)))
        db.session.commit()
        return {"a": a.id, "b": b.id, "treasurer": treasurer.id, "a_user": a.user.id, "b_user": b.user.id,
                "gifts": {k: (g.id, g.receipt_label) for k, g in gifts.items()}}


@pytest.fixture
def as_user(app, login):
    def _client(user_id):
        return login(app.test_client(), user_id)
    return _client


@pytest.fixture
def bearer(app):
    def _headers(user_id):
        with app.app_context():
            token, _row = issue_token(db.session.get(User, user_id))
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}
    return _headers


@both_databases
def test_gifts_fall_in_the_bangkok_year(app, world):
    with app.app_context():
        a = donations.get_donor(world["a"])
        amounts = {year: [g.amount_satang for g in statements.gifts(a, year)] for year in (2025, 2026, 2027)}
        # 23:30 on 31 Dec 2025 is 2025; 00:30 on 1 Jan 2026 (still 31 Dec in UTC) is 2026; the reversed
        # gift of March is on no statement; 23:59 on 31 Dec 2026 is 2026; 00:01 on 1 Jan 2027 is 2027.
        assert amounts == {2025: [100_050], 2026: [200_000, 1_290_000, 50_000], 2027: [30_000]}
        assert statements.years(a) == [2027, 2026, 2025]
    # Receipt numbers run per fiscal year (October to September): both new-year gifts are FY 2569.
    assert world["gifts"]["dec31"][1] == "2569/00001" and world["gifts"]["jan1"][1] == "2569/00002"


def test_the_statement_reads_as_typed_in_thai(app, world, as_user):
    response = as_user(world["a_user"]).get("/impact/statement.pdf?year=2569")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = text_of(response.data)
    labels = world["gifts"]
    # 2026 (BE 2569): cash 2,000.00 + 500.00 = 2,500.00; the bed in kind at its reference price
    # 12,900.00; together 15,400.00.
    for expected in ("หนังสือสรุปการบริจาคประจำปีภาษี พ.ศ. 2569", "(1 มกราคม - 31 ธันวาคม 2569)",
                     f"ผู้บริจาค {DONOR}", f"เลขประจำตัวผู้เสียภาษี {TAX_ID}", CENTER_TAX_ID,
                     "กองทุนสวัสดิการชุมชน เทศบาลเมืองบ้านสวน",
                     f"1 ม.ค. 2569 {labels['jan1'][1]}", f"31 ธ.ค. 2569 {labels['last'][1]}",
                     "2,000.00", "500.00", "เตียงผู้ป่วย 1 รายการ มูลค่า 12,900.00 บาท", "(สิ่งของ)",
                     "รวมเงินบริจาค 2,500.00 บาท (สองพันห้าร้อยบาทถ้วน)",
                     "รวมมูลค่าสิ่งของบริจาค 12,900.00 บาท (หนึ่งหมื่นสองพันเก้าร้อยบาทถ้วน)",
                     "รวมทั้งสิ้น 15,400.00 บาท (หนึ่งหมื่นห้าพันสี่ร้อยบาทถ้วน)", TAX_NOTE):
        assert norm(expected) in text, expected
    for absent in (labels["dec31"][1], labels["void"][1], labels["next"][1], labels["other"][1], OTHER, "999.00"):
        assert norm(absent) not in text, absent
    # The year before: one gift of 1,000.50, on 31 December 2025 at 23:30 Bangkok.
    before = text_of(as_user(world["a_user"]).get("/impact/statement.pdf?year=2025").data)
    assert norm(f"31 ธ.ค. 2568 {labels['dec31'][1]}") in before
    assert norm("รวมเงินบริจาค 1,000.50 บาท (หนึ่งพันบาทห้าสิบสตางค์)") in before
    assert norm("รวมทั้งสิ้น") not in before   # no gift in kind that year: one total


def test_a_year_without_gifts_says_so(app, world, as_user, bearer):
    response = as_user(world["a_user"]).get("/impact/statement.pdf?year=2563")
    assert response.status_code == 200
    text = text_of(response.data)
    assert norm(NO_GIFTS) in text and norm("รวมเงินบริจาค 0.00 บาท (ศูนย์บาทถ้วน)") in text
    bad = app.test_client().get(f"/api/v1/donors/{world['a']}/statement?year=20x6",
                                headers=bearer(world["treasurer"]))
    assert bad.status_code == 422 and "year" in bad.get_json()["errors"]


def test_the_donor_downloads_their_own_receipts_only(app, world, as_user):
    own, other = as_user(world["a_user"]), as_user(world["b_user"])
    page = own.get("/impact")
    assert page.status_code == 200
    jan1_id, jan1_label = world["gifts"]["jan1"]
    assert f"/impact/receipts/{jan1_id}.pdf".encode() in page.data and jan1_label.encode() in page.data
    assert b"/impact/statement.pdf?year=2026" in page.data
    assert f"/impact/receipts/{world['gifts']['void'][0]}.pdf".encode() not in page.data   # reversed
    receipt = own.get(f"/impact/receipts/{jan1_id}.pdf")
    assert receipt.status_code == 200
    assert norm(f"เลขที่ {jan1_label}") in text_of(receipt.data) and norm("2,000.00") in text_of(receipt.data)
    # The wrong donor: A's receipt is not found, and B's page lists none of A's gifts.
    assert other.get(f"/impact/receipts/{jan1_id}.pdf").status_code == 404
    assert jan1_label.encode() not in other.get("/impact").data
    # The page shared by link shows the impact but no receipts.
    with app.app_context():
        token = donations.get_donor(world["a"]).share_token
    shared = app.test_client().get(f"/impact/s/{token}")
    assert shared.status_code == 200 and b"/impact/receipts/" not in shared.data


@both_databases
def test_the_api_statement_and_receipts(app, world, bearer):
    client = app.test_client()
    own, wrong, books = bearer(world["a_user"]), bearer(world["b_user"]), bearer(world["treasurer"])
    url = f"/api/v1/donors/{world['a']}"
    for headers in (own, books):
        response = client.get(f"{url}/statement?year=2026", headers=headers)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert norm("รวมทั้งสิ้น 15,400.00 บาท") in text_of(response.data)
    listed = client.get(f"{url}/receipts?year=2569", headers=own).get_json()
    assert [(g["receipt_label"], g["amount_satang"], g["kind"]) for g in listed] == [
        (world["gifts"]["jan1"][1], 200_000, "cash"), ("", 1_290_000, "in_kind"),
        (world["gifts"]["last"][1], 50_000, "cash")]
    assert len(client.get(f"{url}/receipts", headers=books).get_json()) == 5   # every year, the void one aside
    for path in ("statement", "receipts"):
        assert client.get(f"{url}/{path}", headers=wrong).status_code == 403
        assert client.get(f"{url}/{path}").status_code == 401
    staff = bearer(_user(app, "staff-only", Role.STAFF))
    assert client.get(f"{url}/statement", headers=staff).status_code == 403
    spec = client.get("/api/v1/openapi.json").get_json()
    statement = spec["paths"]["/api/v1/donors/{donor_id}/statement"]["get"]
    assert "application/pdf" in statement["responses"]["200"]["content"]
    assert any(p["name"] == "year" for p in statement["parameters"])
    assert "/api/v1/donors/{donor_id}/receipts" in spec["paths"]


def _user(app, name, *roles) -> int:
    with app.app_context():
        user = create_user(name, "long-enough", list(roles))
        db.session.commit()
        return user.id


class Inbox:
    """aiosmtpd's handler: keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="fund@banSuan.example")
    yield inbox
    controller.stop()


@both_databases
def test_the_center_sends_the_yearly_summary(app, world, as_user, smtp):
    treasurer = as_user(world["treasurer"])
    page = treasurer.get(f"/fund/donors/{world['a']}/summary?year=2569")
    assert page.status_code == 200 and b"rainbow@example.org" in page.data
    response = treasurer.post(f"/fund/donors/{world['a']}/summary", data={"year": "2569"})
    assert response.status_code == 302
    [(to, message)] = smtp.messages
    assert to == ["rainbow@example.org"] and message["To"] == "rainbow@example.org"
    assert message["Subject"] == "สรุปผลการให้ของท่านประจำปี พ.ศ. 2569"
    assert DONOR in message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf" and attachment.get_filename() == "impact-2569.pdf"
    text = text_of(attachment.get_content())
    # 2026's gifts: 2,500.00 in money, the bed (12,900.00) lent once for 10 days to one person, whose
    # placement saved a family the bed's new price, 12,900.00.
    for expected in ("สรุปผลการให้ของท่านประจำปี พ.ศ. 2569", DONOR, "เงินที่ท่านบริจาค 2,500.00 บาท",
                     "1 รายการ (มูลค่า 12,900.00 บาท)", "จำนวนครั้งที่ให้ยืมไปใช้ที่บ้าน 1 ครั้ง",
                     "ผู้รับบริการ น้อยกว่า 3 คน", "จำนวนวันที่ใช้งานที่บ้าน 10.0 วัน", "12,900.00 บาท",
                     NO_PERSONAL_DATA):
        assert norm(expected) in text, expected
    for name in (*SERVED, "หมู่ 4"):
        assert norm(name) not in text and name not in message.get_body(("plain",)).get_content()
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at is not None
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "donor.summary_sent")).all()
        assert [(e.object_id, e.changes) for e in events] == [(str(world["a"]), {"year": 2026, "outbox_id": row.id})]


@both_databases
def test_a_donor_without_email_or_a_server_without_mail(app, world, as_user):
    treasurer = as_user(world["treasurer"])
    page = treasurer.get(f"/fund/donors/{world['b']}/summary")
    assert page.status_code == 200 and b"/summary.pdf" in page.data and b'type="hidden" name="year"' not in page.data
    off = treasurer.post(f"/fund/donors/{world['a']}/summary", data={"year": "2026"})
    assert off.status_code == 409
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_FROM="fund@example.org")
    no_email = treasurer.post(f"/fund/donors/{world['b']}/summary", data={"year": "2026"},
                              headers={"Accept": "application/json"})
    assert no_email.status_code == 422 and "email" in no_email.get_json()["errors"]
    # Nobody listens on that port: the message waits in the outbox with the error, the request stands.
    waiting = treasurer.post(f"/fund/donors/{world['a']}/summary", data={"year": "2026"})
    assert waiting.status_code == 302
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        assert row.status == OutboxStatus.PENDING and row.attempts == 1 and row.last_error
    pdf = treasurer.get(f"/fund/donors/{world['a']}/summary.pdf?year=2026")
    assert pdf.status_code == 200 and norm("ผู้รับบริการ น้อยกว่า 3 คน") in text_of(pdf.data)
    assert as_user(world["a_user"]).get(f"/fund/donors/{world['a']}/summary.pdf").status_code == 403


@both_databases
def test_the_api_sends_the_yearly_summary(app, world, bearer, smtp):
    client = app.test_client()
    url = f"/api/v1/donors/{world['a']}/impact-summary"
    sent = client.post(url, json={"year": "2569"}, headers=bearer(world["treasurer"]))
    assert sent.status_code == 202
    body = sent.get_json()
    assert (body["status"], body["to_address"], body["year"]) == ("sent", "rainbow@example.org", 2026)
    [(to, message)] = smtp.messages
    assert to == ["rainbow@example.org"] and message["Subject"] == "สรุปผลการให้ของท่านประจำปี พ.ศ. 2569"
    [attachment] = list(message.iter_attachments())
    assert norm("เงินที่ท่านบริจาค 2,500.00 บาท") in text_of(attachment.get_content())
    # Only the treasurer's step: neither the donor themself nor staff; nobody unsigned.
    for headers in (bearer(world["a_user"]), bearer(_user(app, "staff-only", Role.STAFF)), {}):
        assert client.post(url, json={"year": "2569"}, headers=headers).status_code in (401, 403)
    no_email = client.post(f"/api/v1/donors/{world['b']}/impact-summary", json={},
                           headers=bearer(world["treasurer"]))
    assert no_email.status_code == 422 and "email" in no_email.get_json()["errors"]
    bad_year = client.post(url, json={"year": "25x9"}, headers=bearer(world["treasurer"]))
    assert bad_year.status_code == 422 and "year" in bad_year.get_json()["errors"]
    assert client.post("/api/v1/donors/999999/impact-summary", json={},
                       headers=bearer(world["treasurer"])).status_code == 404
    assert len(smtp.messages) == 1
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        assert row.id == body["outbox_id"] and row.status == OutboxStatus.SENT
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/donors/{donor_id}/impact-summary"]["post"]
    assert {"202", "409", "422"} <= set(operation["responses"])


def test_the_api_says_when_mail_is_off_or_waiting(app, world, bearer):
    client, headers = app.test_client(), bearer(world["treasurer"])
    url = f"/api/v1/donors/{world['a']}/impact-summary"
    off = client.post(url, json={"year": "2026"}, headers=headers)
    assert off.status_code == 409 and off.get_json()["errors"] == {"state": ["mail_off"]}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_FROM="fund@example.org")
    waiting = client.post(url, json={"year": "2026"}, headers=headers)
    assert waiting.status_code == 202 and waiting.get_json()["status"] == "pending"


@both_databases
def test_a_claim_abandoned_by_a_dead_worker_is_sent_later(app, world, smtp):
    """A worker that claimed a message and died (its row left in ``sending``) does not lose it: once
    the lease has run out, ``flask outbox send`` sends it; a fresh claim is left to its worker."""
    with app.app_context():
        old = outbox.enqueue("old@example.org", "เก่า", "ข้อความ")
        fresh = outbox.enqueue("fresh@example.org", "ใหม่", "ข้อความ")
        now = outbox.utcnow()
        old.status, old.attempts, old.claimed_at = OutboxStatus.SENDING, 1, now - outbox.CLAIM_LEASE - dt.timedelta(
            minutes=1)
        fresh.status, fresh.attempts, fresh.claimed_at = OutboxStatus.SENDING, 1, now - dt.timedelta(minutes=1)
        db.session.commit()
        ids = (old.id, fresh.id)
        assert outbox.deliver(fresh.id, app.config) is None   # another worker still holds it
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "1 of 1" in result.output
    assert [to for to, _message in smtp.messages] == [["old@example.org"]]
    with app.app_context():
        rows = {m.id: m for m in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))}
        assert (rows[ids[0]].status, rows[ids[0]].attempts) == (OutboxStatus.SENT, 2)
        assert (rows[ids[1]].status, rows[ids[1]].attempts) == (OutboxStatus.SENDING, 1)


def test_a_long_statement_repeats_its_column_headings(app, world, as_user):
    """Sixty gifts in a year fill more than one page; each page starts the table with its headings."""
    with app.app_context():
        a, treasurer = donations.get_donor(world["a"]), db.session.get(User, world["treasurer"])
        for n in range(60):
            with at_bangkok(2025, 1 + n // 6, 1 + n % 6 * 4, 10):
                donations.donate_cash(a, 10_000 + n, ledger.GENERAL_FUND, PaymentMethod.TRANSFER, by=treasurer)
        db.session.commit()
    pdf = as_user(world["a_user"]).get("/impact/statement.pdf?year=2025").data
    with pdfium.PdfDocument(pdf) as doc:
        pages = []
        for page in doc:
            textpage = page.get_textpage()
            pages.append(norm(textpage.get_text_range()))
            textpage.close()
            page.close()
    heading = norm("ลำดับ วันที่ เลขที่ใบเสร็จ รายการ จำนวนเงิน (บาท)")
    amounts = [norm(f"{(10_000 + n) / 100:.2f}") for n in range(60)]   # 100.00 to 100.59, one per row
    assert len(pages) >= 2
    assert [sum(page.count(amount) for page in pages) for amount in amounts] == [1] * 60
    with_rows = [page for page in pages if any(amount in page for amount in amounts)]
    assert len(with_rows) >= 2
    for page in with_rows:   # the headings come first on every page the table runs onto
        first_row = min(page.index(amount) for amount in amounts if amount in page)
        assert heading in page[:first_row]
