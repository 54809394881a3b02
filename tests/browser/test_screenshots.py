"""The README's screenshots, in Thai, taken from the live demo data at a phone's and a desktop's width.

Every run takes them (into a temporary folder) so that this code keeps working; with
``UPDATE_SCREENSHOTS=1`` they are also written to ``docs/screenshots/``:

    UPDATE_SCREENSHOTS=1 make test PYTEST_ARGS="tests/browser/test_screenshots.py"

Run alone like that, the pictures show the demo data as ``flask demo-data`` makes them
(the other browser tests add their own people and devices to the shared data).
"""
from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from browser.camera import label_of, y4m_of
from core.db import db
from devices.models import Device, DeviceType

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 1000}
DESKTOP = {"width": 1280, "height": 900}


@dataclasses.dataclass(frozen=True)
class Shot:
    name: str
    user: str | None
    viewport: dict
    url: Callable  # of the live server -> the page's address


SHOTS = [
    Shot("board", "staff", DESKTOP, lambda s: s.url_for("requests.board")),
    Shot("scan-staff", "staff", PHONE, lambda s: s.url_for("devices.scan", tag=s.demo.tags["on_loan"])),
    Shot("assessment", "assessor", PHONE,
         lambda s: s.url_for("requests.assessment", request_id=s.demo.requests["assessment_scheduled"])),
    Shot("scan-public", None, PHONE, lambda s: s.url_for("devices.scan", tag=s.demo.tags["available"])),
    Shot("visits", "staff", {"width": 1280, "height": 700}, lambda s: s.url_for("loans.due")),
    Shot("devices", "staff", DESKTOP, lambda s: s.url_for("devices.device_list")),
    Shot("fund", "treasurer", DESKTOP, lambda s: s.url_for("fund.books")),
    Shot("impact", "donor", PHONE, lambda s: s.url_for("impact.mine")),
    Shot("maintenance-order", "maintenance", PHONE,
         lambda s: s.url_for("maintenance.order_view", order_id=s.demo.open_order_id)),
    Shot("service-due", "maintenance", DESKTOP, lambda s: s.url_for("maintenance.service_due_list")),
    Shot("impact-center", None, DESKTOP, lambda s: s.url_for("impact.center")),
    Shot("dashboard", "supervisor", PHONE, lambda s: s.url_for("dashboard.dashboard_page")),
    Shot("report-outcomes", "supervisor", DESKTOP,
         lambda s: s.url_for("reports.report_page", key="outcomes", period="fiscal_year", year="2569")),
    Shot("report-fund", "treasurer", PHONE,
         lambda s: s.url_for("reports.report_page", key="fund", period="fiscal_year", year="2569")),
]


@pytest.fixture(scope="module")
def shots_dir(tmp_path_factory):
    """Where the pictures go; copied to docs/screenshots at the end when asked to."""
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        for png in sorted(folder.glob("*.png")):
            shutil.copyfile(png, DOCS / png.name)


def check_png(path: Path, size: tuple[int, int]) -> None:
    with Image.open(path) as image:
        assert image.size == size, (path.name, image.size)
        # Not a blank page: text, buttons and badges make for many colours.
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or range(1 << 16)) > 20, path.name


def settle(page) -> None:
    """Web fonts loaded and no caret blinking in the picture."""
    page.evaluate("document.fonts.ready.then(() => document.activeElement && document.activeElement.blur())")


@pytest.mark.parametrize("shot", SHOTS, ids=[s.name for s in SHOTS])
def test_screenshot(shot, new_page, live_server, shots_dir):
    page = new_page(shot.viewport, user=shot.user, lang="th")
    response = page.goto(shot.url(live_server))
    assert response.status == 200 and page.locator("html").get_attribute("lang") == "th"
    settle(page)
    path = shots_dir / f"{shot.name}.png"
    page.screenshot(path=path, animations="disabled")
    check_png(path, (shot.viewport["width"], shot.viewport["height"]))


def test_label_screenshot(new_page, live_server, shots_dir):
    with live_server.app.app_context():
        tag = db.session.scalar(select(Device.tag).join(Device.type).where(DeviceType.code == "WC")
                                .order_by(Device.tag).limit(1))
    response = new_page(user="staff").request.get(live_server.url_for("labels.label_png_view", tag=tag))
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    path = shots_dir / "label.png"
    path.write_bytes(response.body())
    check_png(path, (827, 437))


def test_camera_screenshot(camera_page, live_server, shots_dir):
    # The camera running while the phone is still being aimed: the label's QR code is more than
    # half out of the frame, so the page keeps looking (a readable one would open the device's
    # page at once). qr-scanner shows Chromium's fake camera mirrored: the video is mirrored
    # so that the label reads the right way round on the page.
    page = camera_page(y4m_of(label_of(live_server, live_server.demo.tags["available"]), shift=-0.4, mirror=True),
                       viewport=PHONE)
    page.goto(live_server.url_for("devices.scan_lookup"))
    page.locator("[data-camera-open]").click()
    page.locator("[data-camera-stop]").wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('video').readyState >= 2")
    page.wait_for_timeout(500)  # a few scans, none read
    assert "/scan" in page.url
    settle(page)
    path = shots_dir / "scan-camera.png"
    page.screenshot(path=path, animations="disabled")
    check_png(path, (PHONE["width"], PHONE["height"]))
