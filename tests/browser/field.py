"""Helpers for the browser tests of a phone in the field: a page looked at (axe-core, no
sideways scroll at 360 px, a screenshot), and data of a test's own made through the services
in the live server's app context (people, requests at a given step, devices, loans), so that
the demo objects other tests open stay as they are.

The phone sizes: 360 x 740 (a small Android phone, ``SMALL``) and 390 x 844 (``"phone"``).
Screenshots go to ``$SCREENSHOT_DIR/field-ready`` (default /tmp/field-ready) for a person to
look at.
"""
from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select

from browser.flows import ADL_HOME_BOUND
from core import clock
from core.db import db
from core.users import User
from devices import holds
from devices import services as devices
from devices.models import Device, DeviceStatus
from lending.models import Urgency
from lending.services import loans, people, pipeline, waitlist

SMALL = {"width": 360, "height": 740}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or "/tmp") / "field-ready"
ADL = {"bed_bound": [0] * 10, "home_bound": list(ADL_HOME_BOUND.values()),
       "social_bound": [2, 1, 3, 2, 3, 2, 2, 1, 2, 2]}


# The elements that reach past the page's right edge (what makes it scroll sideways).
TOO_WIDE = """() => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).slice(0, 8)
  .map((e) => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)}px)`)"""


def sideways(page) -> int:
    """How far the page scrolls sideways, in px (0: it does not)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def looker(axe: Callable) -> Callable:
    """``look(page, name)``: axe-core finds nothing; at 360 px the page does not scroll
    sideways (a 390 px page is narrowed for the check, then widened back); a full-page
    screenshot at the page's own width goes to ``SHOTS/name.png``."""

    def look(page, name: str) -> None:
        axe(page, f"{name} ({page.url})")
        size = page.viewport_size
        if size["width"] != SMALL["width"]:
            page.set_viewport_size(SMALL)
        try:
            over = sideways(page)
            assert over <= 0, (f"{name}: {page.url} scrolls sideways by {over}px at 360 px; too wide: "
                               f"{page.evaluate(TOO_WIDE)}")
        finally:
            if size["width"] != SMALL["width"]:
                page.set_viewport_size(size)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return look


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unique(prefix: str) -> str:
    return f"{prefix}{random.randrange(1000, 9999)}"


def make_person(last_name: str, **data) -> int:
    """A person registered with consent (call inside an app context)."""
    person = people.create_person({"title": "นาง", "first_name": "สมใจ", "last_name": last_name, "house_no": "12/3",
                                   "moo": "5", "tambon": "บ้านสวน", "amphoe": "เมืองชลบุรี", "changwat": "ชลบุรี",
                                   "caregiver_name": "สมชาย ทดสอบ", "caregiver_relation": "บุตร", **data},
                                  {"given_by": "สมชาย ทดสอบ", "relation": "บุตร"}, by=user("staff"))
    return person.id


def make_request(person_id: int, type_codes: Sequence[str], *, urgency: Urgency = Urgency.NORMAL,
                 group: str | None = None, approve: bool = False) -> int:
    """A request for these types; assessed (``group``: the dependency group its ADL gives)
    and approved when asked."""
    req = pipeline.submit(people.get_person(person_id), [devices.get_type(code) for code in type_codes],
                          {"channel": "phone", "urgency": urgency, "reason": "ญาติแจ้งทางโทรศัพท์"}, by=user("staff"))
    if group:
        pipeline.record_assessment(req, {"adl_items": ADL[group], "suitable": True}, by=user("assessor"))
    if approve:
        pipeline.decide(req, True, "", by=user("supervisor"))
    return req.id


def make_device(type_code: str, **data) -> str:
    """A new device of the type, in stock."""
    data = {"brand": "Allwell", "model": "ทดสอบ", "serial": unique("FR-"), "location": "คลังอุปกรณ์ ชั้นวาง C2",
            **data}
    return devices.register_device(devices.get_type(type_code), data, by=user("staff")).tag


def lend(request_id: int, tag: str) -> int:
    """Reserve the device for the request (going ahead of others waiting, with a reason) and
    deliver it; returns the loan's id."""
    staff = user("staff")
    req, device = pipeline.get_request(request_id), devices.get_device(tag)
    waitlist.reserve(req, device, by=staff, reason="ทดสอบ: ญาติรอรับที่บ้าน")
    loan = loans.deliver(req, device, instructions=loans.checklist(device), acknowledged_by="สมชาย ทดสอบ",
                         acknowledged_relation="บุตร", by=staff)
    return loan.id


def lendable_by_type() -> dict[str, int]:
    """Devices in stock that nothing holds back, by type code (what the approvals page counts)."""
    available = list(db.session.scalars(select(Device).where(Device.status == DeviceStatus.AVAILABLE)))
    blocking = holds.blocking_for(available)
    counts: dict[str, int] = {}
    for device in available:
        if not blocking.get(device.id):
            counts[device.type.code] = counts.get(device.type.code, 0) + 1
    return counts


def days_ago(days: int) -> dt.datetime:
    return clock.now() - dt.timedelta(days=days)
