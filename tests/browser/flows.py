"""Steps of the lending lifecycle done through the pages, for the browser tests.

Each step takes the page of the role that does it (``new_page(user=...)``), fills and sends
the forms as that person would, and checks what the page then shows: the flash message,
the status badge in the page's language (the labels come from the app's catalogs).
``check`` is called on every page passed through (the ``axe`` fixture, or None to skip).

The keyboard helpers move the focus with Tab as a keyboard user does and check at every
stop that the focus can be seen.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
import re
from collections.abc import Callable

from flask_babel import force_locale
from PIL import Image
from sqlalchemy import select

from core import clock
from core.dates import format_date, format_date_input
from core.db import db
from core.users import User
from devices import services as devices
from devices.forms import STATUS_LABELS
from devices.models import DeviceStatus
from fixtures.lending import national_id
from lending import adl
from lending.forms import REQUEST_STATUS_LABELS
from lending.models import RequestStatus
from lending.services import loans, people, pipeline, waitlist

ADL_HOME_BOUND = dict(zip(adl.KEYS, [1, 1, 1, 1, 1, 1, 0, 0, 1, 1], strict=True))  # total 8: home-bound


def photo_png() -> bytes:
    """The hand-over photo: a small PNG."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


def in_language(live_server, text, lang: str) -> str:
    """A label of the app (a lazy string) as the pages in ``lang`` show it."""
    with live_server.app.test_request_context(), force_locale(lang):
        return str(text)


def random_national_id() -> str:
    """A valid Thai national ID, at random (another person's is 1 in 10^11 likely)."""
    return national_id("8" + "".join(random.choice("0123456789") for _ in range(11)))


def typed_date(days_from_today: int = 0, lang: str = "th") -> str:
    """A date as a person types it in a date field: day/month/year, the Buddhist Era year in Thai
    ("3/12/2569"), the Common Era in English; no leading zeros, as people type."""
    day, month, year = format_date_input(clock.today() + dt.timedelta(days=days_from_today), lang).split("/")
    return f"{int(day)}/{int(month)}/{year}"


def shown_date(days_from_today: int = 0, lang: str = "th") -> str:
    """The same date as the pages show it ("3 ธ.ค. 2569", "3 Dec 2026")."""
    return format_date(clock.today() + dt.timedelta(days=days_from_today), lang)


def click(page, target, *, status: int = 200):
    """Click a link or button that loads a page; check the status of the page it lands on."""
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation() as navigation:
        locator.click()
    response = navigation.value
    assert response is not None and response.status == status, (
        f"{page.url}: expected {status}, got {response and response.status}\n{main_text(page)[:1500]}")
    return response


def press(page, key: str = "Enter", *, status: int = 200):
    """Press a key on the focused element, which loads a page."""
    with page.expect_navigation() as navigation:
        page.keyboard.press(key)
    response = navigation.value
    assert response is not None and response.status == status, (
        f"{page.url}: expected {status}, got {response and response.status}\n{main_text(page)[:1500]}")
    return response


def main_text(page) -> str:
    return page.locator("main").inner_text()


def flash(page) -> str:
    return page.locator(".flashes").inner_text()


def expect_device_status(live_server, page, status: DeviceStatus) -> None:
    """The page's (first) device status badge shows ``status``, labelled in the page's language."""
    _expect_badge(live_server, page, "status", status, STATUS_LABELS[status])


def expect_request_status(live_server, page, status: RequestStatus) -> None:
    _expect_badge(live_server, page, "request", status, REQUEST_STATUS_LABELS[status])


def _expect_badge(live_server, page, kind: str, status, label) -> None:
    badge = page.locator(f"main .badge[class*='{kind}-']").first
    shown = (badge.get_attribute("class").split(), badge.inner_text().strip())
    label = in_language(live_server, label, page.locator("html").get_attribute("lang"))
    assert f"{kind}-{status.value}" in shown[0] and shown[1] == label, (
        f"{page.url}: expected the badge {label!r} ({status.value}), found {shown}")


# --- keyboard -------------------------------------------------------------------------------

# The focus is visible when the focused element has an outline, or a box shadow, at least 1 px
# wide and of 3:1 contrast against the white page (WCAG 1.4.11; every page here is white
# around its controls). Pico gives buttons a "0 0 0 transparent" shadow at rest, which is no
# indicator, and animates its shadows: ``tab_to`` looks again after the transition.
FOCUS_STYLE = r"""() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const rgba = (color) => {
    const parts = (color.match(/rgba?\(([^)]*)\)/) || [null, "0 0 0 0"])[1].split(/[\s,\/]+/).filter(Boolean);
    return parts.map(parseFloat).concat([1]).slice(0, 4);
  };
  const contrast = (color) => {
    const [r, g, b, a] = rgba(color);
    const [R, G, B] = [r, g, b].map((v) => (v * a + 255 * (1 - a)) / 255)
      .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 1.05 / (0.2126 * R + 0.7152 * G + 0.0722 * B + 0.05);
  };
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 1 && contrast(s.outlineColor) >= 3;
  const shadow = s.boxShadow !== "none" && s.boxShadow.split(/,(?![^(]*\))/).some((part) => {
    const color = (part.match(/rgba?\([^)]*\)/) || ["rgb(0, 0, 0)"])[0];
    const lengths = (part.replace(color, "").match(/-?[\d.]+px/g) || []).map(parseFloat);
    return contrast(color) >= 3 && lengths.some((n) => Math.abs(n) >= 1);
  });
  return {tag: el.tagName.toLowerCase(), name: el.name || el.id || (el.textContent || "").trim().slice(0, 40),
          visible: outline || shadow, outline: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
          shadow: s.boxShadow};
}"""


def focused(page) -> dict | None:
    """The focused element (tag and name) and whether its focus is visible; None for the body."""
    return page.evaluate(FOCUS_STYLE)


def tab_to(page, target, *, key: str = "Tab", limit: int = 80) -> int:
    """Press Tab until ``target`` has the focus, checking that every focus stop is visible."""
    locator = page.locator(target) if isinstance(target, str) else target
    locator.wait_for(state="attached")
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        where = focused(page)
        if where is not None and not where["visible"]:
            page.wait_for_timeout(300)  # a transition may still be drawing it
            where = focused(page)
            assert where["visible"], f"no visible focus on {where} at {page.url}"
        if locator.evaluate("el => el === document.activeElement"):
            return presses
    raise AssertionError(f"{target} not reached with {limit} presses of {key} on {page.url}; "
                         f"the focus is on {focused(page)}")


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


# --- the lifecycle --------------------------------------------------------------------------

@dataclasses.dataclass
class Lifecycle:
    """One person's request and one new device, taken from intake back to the shelf."""

    live_server: object
    check: Callable | None = None
    type_code: str = "CNE"
    tag: str = ""
    request_id: int = 0
    person_name: str = ""

    def url(self, endpoint: str, **values) -> str:
        return self.live_server.url_for(endpoint, **values)

    def checked(self, page, label: str = "") -> None:
        if self.check is not None:
            self.check(page, label)

    # without the pages, for a test about a later step ------------------------------------

    def seed_assessed(self) -> None:
        """A new device in stock and a new person's request of its type, assessed suitable."""
        with self.live_server.app.app_context():
            staff, assessor = (_user(name) for name in ("staff", "assessor"))
            device_type = devices.get_type(self.type_code)
            self.tag = devices.register_device(device_type, {"brand": "Yuwell", "model": "YU850"}, by=staff).tag
            self.person_name = f"นางบุญเรือน ทดลองกด{random.randrange(1000, 9999)}"
            person = people.create_person({"title": "นาง", "first_name": "บุญเรือน",
                                           "last_name": self.person_name.rsplit(" ", 1)[-1], "moo": "3",
                                           "tambon": "บ้านสวน"}, {"given_by": self.person_name}, by=staff)
            req = pipeline.submit(person, device_type, {"channel": "phone"}, by=staff)
            pipeline.record_assessment(req, {"adl_items": list(ADL_HOME_BOUND.values()), "suitable": True},
                                       by=assessor)
            self.request_id = req.id
            db.session.commit()

    def seed_returned(self) -> None:
        """The approved request gets the device, and gives it back: it waits for cleaning."""
        with self.live_server.app.app_context():
            staff = _user("staff")
            req, device = pipeline.get_request(self.request_id), devices.get_device(self.tag)
            # Other tests leave requests of the type waiting: this one goes ahead, with a reason.
            waitlist.reserve(req, device, by=staff, reason="ทดสอบหน้าจอ")
            loan = loans.deliver(req, device, instructions=loans.checklist(device), acknowledged_by="บุตร", by=staff)
            loans.receive_return(loan, device.condition, by=staff)
            db.session.commit()

    # staff ------------------------------------------------------------------------------

    def register_device(self, page) -> str:
        """Staff register a new device of the type from the device form; it is in stock."""
        page.goto(self.url("devices.device_new", type=self.type_code))
        page.fill("#brand", "Yuwell")
        page.fill("#model", "YU850")
        page.fill("#serial", f"LIFE-{random.randrange(10**8):08d}")
        page.fill("#location", "คลังอุปกรณ์ ชั้นวาง C1")
        self.checked(page, "device form, filled")
        click(page, "main form button[type=submit]")
        self.tag = page.url.rsplit("/", 1)[-1]
        assert re.fullmatch(rf"BS-{self.type_code}-\d{{5}}", self.tag), page.url
        assert self.tag in flash(page)
        expect_device_status(self.live_server, page, DeviceStatus.AVAILABLE)
        self.checked(page, "device page")
        return self.tag

    def intake(self, page) -> int:
        """Staff take a request for someone not registered yet: the person form, then the request."""
        page.goto(self.url("requests.request_new"))
        self.checked(page, "intake")
        click(page, f'main a[href="{self.url("people.person_new", next="intake").removeprefix(self.live_server.url)}"]')
        first, last = "บุญเรือน", f"ทดลองใช้{random.choice('กขคงจฉชซ')}{random.randrange(100, 999)}"
        self.person_name = f"นาง{first} {last}"
        page.fill("#title", "นาง")
        page.fill("#first_name", first)
        page.fill("#last_name", last)
        good_id = random_national_id()
        bad_id = good_id[:-1] + str((int(good_id[-1]) + 1) % 10)  # a wrong check digit
        page.fill("#national_id", bad_id)
        page.fill("#phone", "081-555-0199")
        page.fill("#house_no", "99/9")
        page.fill("#moo", "3")
        page.fill("#tambon", "บ้านสวน")
        page.fill("#amphoe", "เมืองชลบุรี")
        page.fill("#changwat", "ชลบุรี")
        page.fill("#postcode", "20000")
        page.fill("#caregiver_name", "สมชาย ทดลองใช้")
        page.fill("#caregiver_relation", "บุตร")
        page.check('input[name="disability_types"][value="physical"]')
        page.check("#consent_given")
        page.fill("#consent_by", self.person_name)
        page.fill("#consent_relation", "ตนเอง")
        click(page, "main form button[type=submit]", status=422)
        # The wrong check digit is refused, with the reason next to the field.
        assert page.locator("#national_id").get_attribute("aria-invalid") == "true"
        assert page.locator(".error-summary").is_visible()
        self.checked(page, "person form with an error")
        page.fill("#national_id", good_id)
        click(page, "main form button[type=submit]")
        assert self.person_name in flash(page)
        assert self.person_name in page.locator("p.chosen").inner_text()
        page.check(f"input[name=device_type][value={self.type_code}]")
        page.select_option("#channel", "line")
        page.select_option("#urgency", "high")
        page.fill("#requested_by_name", "สมชาย ทดลองใช้")
        page.fill("#requested_by_relation", "บุตร")
        page.fill("#reason", "เดินไม่มั่นคงหลังผ่าตัดสะโพก")
        self.checked(page, "request form, filled")
        click(page, "main form button[type=submit]")
        self.request_id = int(re.search(r"/requests/(\d+)$", page.url).group(1))
        expect_request_status(self.live_server, page, RequestStatus.SUBMITTED)
        self.checked(page, "new request")
        return self.request_id

    def schedule_visit(self, page) -> None:
        """The home visit in two days, typed as a Thai reads a date (the Buddhist Era year); a
        day that does not exist is refused with the form the date takes."""
        page.goto(self.url("requests.request_view", request_id=self.request_id))
        hint = page.locator("#due_on-hint").inner_text()
        assert "วัน/เดือน/ปี พ.ศ." in hint and format_date_input(clock.today(), "th") in hint, hint
        assert page.locator("#due_on").get_attribute("inputmode") == "numeric"
        page.fill("#due_on", "31/11/2569")  # November has 30 days
        click(page, "form[action$='/schedule'] button[type=submit]")
        assert "วัน/เดือน/ปี พ.ศ." in flash(page)
        expect_request_status(self.live_server, page, RequestStatus.SUBMITTED)
        nurse = page.locator("#assessor option", has_text="วิไลวรรณ").get_attribute("value")
        page.select_option("#assessor", nurse)
        page.fill("#due_on", typed_date(2))
        click(page, "form[action$='/schedule'] button[type=submit]")
        expect_request_status(self.live_server, page, RequestStatus.ASSESSMENT_SCHEDULED)
        assert shown_date(2) in main_text(page)
        self.checked(page, "visit scheduled")

    def reserve(self, page) -> None:
        """Staff reserve the new device (the approval proposed the first one on the shelf)."""
        page.goto(self.url("requests.request_view", request_id=self.request_id))
        page.select_option("form[action$='/reservation'] select[name$='device_tag']", self.tag)
        # Requests of other tests may wait for the type too: say why this one goes first.
        page.fill("form[action$='/reservation'] input[name$='reason']", "ญาติรอรับที่บ้านวันนี้")
        self.checked(page, "approved request")
        click(page, "form[action$='/reservation'] button[type=submit]")
        expect_request_status(self.live_server, page, RequestStatus.RESERVED)
        assert self.tag in flash(page)

    def deliver(self, page) -> None:
        """At the home: every instruction explained, who received it, a photo and the location."""
        click(page, f"main a[href$='/d/{self.tag}/deliver']")
        boxes = page.locator('input[name="instructions"]')
        assert boxes.count() >= 1
        for i in range(boxes.count()):
            boxes.nth(i).check()
        page.fill("#acknowledged_by", "สมชาย ทดลองใช้")
        page.fill("#acknowledged_relation", "บุตร")
        page.fill("#expected_return_on", typed_date(90))
        page.set_input_files("#photo", files=[{"name": "handover.png", "mimeType": "image/png", "buffer": photo_png()}])
        page.context.grant_permissions(["geolocation"], origin=self.live_server.url)
        page.context.set_geolocation({"latitude": 13.36114, "longitude": 100.98423})
        page.locator("[data-geolocate-button]").click()
        page.wait_for_function("() => document.querySelector('[name=latitude]').value !== ''")
        self.checked(page, "delivery form, filled")
        click(page, "main form button[type=submit]")
        assert re.search(r"/loans/\d+$", page.url), page.url
        text = main_text(page)
        assert self.tag in text and self.person_name in text and "13.36" in text  # the home's location
        assert shown_date(90) in text  # the expected return, as typed
        assert page.locator("img[src$='/photo']").evaluate("img => img.complete && img.naturalWidth === 40")
        self.checked(page, "loan")
        page.goto(self.url("devices.scan", tag=self.tag))
        expect_device_status(self.live_server, page, DeviceStatus.ON_LOAN)
        assert self.person_name in page.locator(".scan-card").inner_text()
        self.checked(page, "scan page, on loan")

    def receive_return(self, page) -> None:
        """Staff see the pickup on the visits page, and receive the device back."""
        page.goto(self.url("loans.due"))
        pickup = page.locator("main li", has_text=self.tag)
        assert self.person_name in pickup.inner_text()
        self.checked(page, "visits with the pickup")
        click(page, pickup.locator(f"a[href$='/d/{self.tag}/return']"))
        self.checked(page, "return form")
        click(page, "main form button[type=submit]")
        assert page.url.endswith(f"/d/{self.tag}")
        assert self.tag in flash(page)
        expect_device_status(self.live_server, page, DeviceStatus.RETURNED)
        self.checked(page, "scan page, returned")
        page.goto(self.url("requests.request_view", request_id=self.request_id))
        expect_request_status(self.live_server, page, RequestStatus.CLOSED)

    # assessor ---------------------------------------------------------------------------

    def assess(self, page) -> None:
        """The home visit: an empty form is refused, then the Barthel ADL and the fit are saved."""
        page.goto(self.url("requests.request_view", request_id=self.request_id))
        click(page, f"main a[href$='/requests/{self.request_id}/assessment']")
        click(page, "main form button[type=submit]", status=422)
        assert page.locator(".error-summary li").count() >= len(adl.ITEMS) + 1
        self.checked(page, "assessment with errors")
        for key, score in ADL_HOME_BOUND.items():
            page.check(f'input[name="adl_{key}"][value="{score}"]')
        # The page adds the scores up as they are ticked.
        assert "8" in page.locator("[data-adl-total]").inner_text()
        page.fill("#weight_kg", "52")
        page.fill("#height_cm", "155")
        page.fill("#doorway_width_cm", "80")
        page.fill("#steps_at_entrance", "2")
        page.select_option("#floor", "tile")
        page.check('input[name="suitable"][value="yes"]')
        page.fill("#notes", "บ้านชั้นเดียว ทางเดินกว้างพอ")
        self.checked(page, "assessment, filled")
        click(page, "main form button[type=submit]")
        assert "ADL 8" in flash(page)
        expect_request_status(self.live_server, page, RequestStatus.ASSESSED)
        self.checked(page, "assessed request")

    def follow_up(self, page) -> None:
        """A visit from the device's label: the family no longer needs it."""
        page.goto(self.url("devices.scan", tag=self.tag))
        click(page, f"main a[href$='/d/{self.tag}/follow-up']")
        assert self.tag in main_text(page)
        assert page.locator("#visited_on").input_value() == format_date_input(clock.today(), "th")
        page.fill("#visited_on", typed_date(0))
        page.check('input[name="in_use"][value="no"]')
        page.check('input[name="outcome"][value="no_longer_needed"]')
        page.fill("#notes", "ผู้ป่วยเดินได้เองแล้ว")
        self.checked(page, "follow-up, filled")
        click(page, "main form button[type=submit]")
        assert page.url.endswith("/follow-ups")
        assert self.tag in page.locator("main li", has_text=self.person_name).inner_text()
        self.checked(page, "visits after the follow-up")

    # supervisor -------------------------------------------------------------------------

    def approve(self, page) -> None:
        page.goto(self.url("requests.approvals"))
        item = page.locator("article.approval", has_text=f"#{self.request_id} ")
        assert "ADL 8/20" in item.inner_text()
        self.checked(page, "approvals")
        click(page, item.locator('button[name="approved"][value="1"]'))
        assert page.url.endswith("/approvals")
        assert page.locator("article.approval", has_text=f"#{self.request_id} ").count() == 0
        page.goto(self.url("requests.request_view", request_id=self.request_id))
        expect_request_status(self.live_server, page, RequestStatus.APPROVED)

    # maintenance ------------------------------------------------------------------------

    def clean(self, page) -> None:
        """The technician scans the label, starts the cleaning order, ticks every step, finishes."""
        page.goto(self.url("devices.scan_lookup"))
        page.fill("#tag", self.tag)
        click(page, "main search form button[type=submit]")
        expect_device_status(self.live_server, page, DeviceStatus.RETURNED)
        self.checked(page, "scan page for maintenance")
        click(page, f"main a[href$='/maintenance/d/{self.tag}']")
        assert re.search(r"/maintenance/orders/\d+$", page.url), page.url
        self.checked(page, "cleaning order")
        click(page, 'button[name="step"][value="start"]')
        expect_device_status(self.live_server, page, DeviceStatus.IN_MAINTENANCE)
        items = page.locator("fieldset.checklist-item")
        steps = items.count()
        assert steps >= 2
        # Finishing with a step left unticked is refused, and says which.
        for i in range(steps - 1):
            items.nth(i).locator('input[value="pass"]').check()
        click(page, 'button[name="step"][value="finish"]', status=422)
        self.checked(page, "cleaning order with an error")
        for i in range(steps):
            items.nth(i).locator('input[value="pass"]').check()
        click(page, 'button[name="step"][value="finish"]')
        expect_device_status(self.live_server, page, DeviceStatus.AVAILABLE)
        assert page.locator("main li", has_text="✓").count() == steps
        self.checked(page, "finished cleaning order")
        page.goto(self.url("devices.scan", tag=self.tag))
        expect_device_status(self.live_server, page, DeviceStatus.AVAILABLE)
