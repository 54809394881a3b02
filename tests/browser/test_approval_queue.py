"""The supervisor's approvals page and the waitlist, in Thai, on phones.

The approvals page lists the assessed requests in the order they should be decided (urgency,
then the most dependent, then the oldest) with the devices that can be lent now for each
type asked for, counting only devices nothing holds back. The waitlist then serves them in
the same order, each with its own waiting time; a device that becomes lendable is proposed to
the head of the queue, and only while it can still be had.

The requests are for a device type of the test's own, so that the demo's stock and queues
(and other tests' requests) do not change what it counts. Ages and waiting times are set back
in the database (days cannot pass in a test). Every page is checked with axe-core and for
sideways scrolling at 360 px.
"""
from __future__ import annotations

import random
import re

from sqlalchemy import update

from browser.field import (SMALL, days_ago, lendable_by_type, looker, make_device, make_person, make_request, unique,
                           user)
from browser.flows import click, flash, in_language, shown_date
from core.db import db
from devices import services as devices
from devices.models import ReportKind, ReportSource
from lending import adl
from lending.labels import URGENCY_LABELS
from lending.models import GROUP_RANK, URGENCY_RANK, LendingRequest, RequestItem, Urgency

# (urgency, dependency group, asked days ago, waiting days on the waitlist), in the order of the queue.
QUEUE = [(Urgency.URGENT, "bed_bound", 2, 0), (Urgency.URGENT, "social_bound", 1, 1),
         (Urgency.NORMAL, "bed_bound", 20, 12), (Urgency.NORMAL, "bed_bound", 5, 3)]


def new_type(live_server) -> tuple[str, str]:
    """A device type of the test's own, with no device yet: (code, Thai name)."""
    number = random.randrange(1000, 9999)
    code, name = f"FR{number}", f"เก้าอี้อาบน้ำพับได้ รุ่นทดสอบ {number}"
    with live_server.app.app_context():
        devices.create_type({"code": code, "name_th": name, "name_en": f"Folding shower chair, test {number}",
                             "reference_price_satang": 159000, "instructions": ["ล็อกขาเก้าอี้ก่อนนั่ง"]},
                            by=user("admin"))
        db.session.commit()
    return code, name


def labels(live_server, mapping) -> dict[str, object]:
    """Thai label -> key, as the pages show them."""
    return {in_language(live_server, label, "th"): key for key, label in mapping.items()}


def ranks(live_server, header: str) -> tuple[int, int]:
    """(urgency rank, dependency rank) of an approval card's header line."""
    urgency, group = labels(live_server, URGENCY_LABELS), labels(live_server, adl.GROUP_LABELS)
    parts = [part.strip() for part in header.split(" · ")]
    found_urgency = next(urgency[p] for p in parts if p in urgency)
    found_group = next((group[p] for p in parts if p in group), None)
    return URGENCY_RANK[found_urgency], GROUP_RANK.get(found_group, 9)


def stock_shown(page) -> dict[str, int]:
    """The approvals page's "devices that can be lent now" per type name."""
    found = {}
    for line in page.locator("details.stock li").all_inner_texts():
        name, _, count = line.rpartition(": ")
        found[name] = int(count)
    return found


def test_approvals_come_in_order_of_need_with_the_stock_that_can_be_lent(new_page, live_server, axe):
    look = looker(axe)
    code, type_name = new_type(live_server)
    with live_server.app.app_context():
        ids = []
        for urgency, group, asked, _waiting in QUEUE:
            ids.append(make_request(make_person(unique("คิวอนุมัติ")), [code], urgency=urgency, group=group))
            db.session.execute(update(LendingRequest).where(LendingRequest.id == ids[-1])
                               .values(created_at=days_ago(asked)))
        # In stock but reported broken: it may not be lent, and is not counted.
        held = make_device(code)
        devices.report_problem(devices.get_device(held), ReportKind.PROBLEM, "ขาเก้าอี้หัก",
                               source=ReportSource.PUBLIC)
        db.session.commit()
        counted = lendable_by_type()

    supervisor = new_page(SMALL, user="supervisor")
    supervisor.goto(live_server.url_for("requests.approvals"))
    look(supervisor, "queue-approvals")
    # Every card in the order of need: urgency first, then dependency (bed-bound first).
    cards = supervisor.locator("article.approval")
    order = [ranks(live_server, header) for header in cards.locator("header").all_inner_texts()]
    assert order == sorted(order), order
    # The test's own four, oldest first within the same urgency and dependency.
    mine = [int(re.search(r"#(\d+) ", h).group(1)) for h in cards.locator("header").all_inner_texts()]
    assert [i for i in mine if i in ids] == ids
    asked = [cards.filter(has_text=f"#{i} ").locator("header").inner_text() for i in ids]
    assert "ขอเมื่อ 20 วันก่อน" in asked[2] and "ขอเมื่อ 5 วันก่อน" in asked[3], asked

    # The stock that can be lent now, per type: the held device is not counted.
    supervisor.locator("details.stock summary").click()
    look(supervisor, "queue-approvals-stock")
    with live_server.app.app_context():
        names = {t.name_th: t.code for t in devices.list_types()}
    shown = stock_shown(supervisor)
    assert shown[type_name] == 0
    assert {names[name]: count for name, count in shown.items() if count} == counted
    for i in ids:
        line = cards.filter(has_text=f"#{i} ").locator("ul li").inner_text()
        assert line == f"{type_name} · ให้ยืมได้ตอนนี้ 0 ชิ้น", line

    # Approved with none to lend: each joins the waitlist.
    for i in ids:
        click(supervisor, cards.filter(has_text=f"#{i} ").locator('button[name="approved"][value="1"]'))
        assert "เข้าคิวรอ" in flash(supervisor), flash(supervisor)
    assert supervisor.locator("article.approval", has_text=type_name).count() == 0
    look(supervisor, "queue-approvals-done")
    with live_server.app.app_context():
        for i, (*_rest, waiting) in zip(ids, QUEUE, strict=True):
            db.session.execute(update(RequestItem).where(RequestItem.request_id == i)
                               .values(waitlisted_at=days_ago(waiting)))
        db.session.commit()

    # The waitlist, this type only: the same order, each with its own waiting time.
    staff = new_page("phone", user="staff")
    staff.goto(live_server.url_for("requests.waitlist", type=code))
    look(staff, "queue-waitlist")
    rows = staff.locator("ol.waitlist > li")
    assert rows.count() == len(ids)
    for row, i, (_u, _g, asked_days, waiting) in zip(rows.all(), ids, QUEUE, strict=True):
        text = " ".join(row.inner_text().split())
        assert row.locator(f"a[href$='/requests/{i}']").count() >= 1, text
        assert f"รอตั้งแต่ {shown_date(-waiting)}" in text and f"· {waiting} วัน ·" in text, text
        assert f"ขอเมื่อ {asked_days} วันก่อน" in text, text

    # A device comes in: it is proposed to the head of the queue only.
    with live_server.app.app_context():
        tag = make_device(code)
        db.session.commit()
    staff.reload()
    proposed = [bool(row.locator(".tag", has_text=tag).count()) for row in rows.all()]
    assert proposed == [True, False, False, False], proposed
    look(staff, "queue-waitlist-proposed")

    # Staff give it to the third instead, saying why: it is no longer offered to the head.
    staff.goto(live_server.url_for("requests.request_view", request_id=ids[2]))
    form = staff.locator("form[action$='/reservation']")
    form.locator("select").select_option(tag)
    form.locator("input[name$='reason']").fill("ผู้ป่วยรายนี้กลับจากโรงพยาบาลวันนี้")
    click(staff, form.locator("button[type=submit]"))
    assert tag in flash(staff)
    staff.goto(live_server.url_for("requests.waitlist", type=code))
    assert staff.locator("ol.waitlist .tag", has_text=tag).count() == 0
    look(staff, "queue-waitlist-after-reservation")
