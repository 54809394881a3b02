"""Scanning a real label on /scan: the label PNG the app prints, shown to Chromium's fake camera.

Chromium reads its fake camera from a Y4M file given at launch, so these tests use a
Chromium of their own (``flows.Camera``: same binary and arguments as the shared one, plus
the fake-camera switches) filming a video of the label made here from the app's own renderer.
"""
from __future__ import annotations

import re

from PIL import Image

from browser.camera import label_of, y4m_of
from browser.flows import click, main_text


def test_the_video_has_the_frames_chromium_expects():
    video = y4m_of(Image.new("L", (200, 100), 0), frames=3)
    header, _, rest = video.partition(b"\n")
    assert header == b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg"
    frame = len(b"FRAME\n") + 640 * 480 * 3 // 2
    assert len(rest) == 3 * frame and rest[frame:frame + 6] == b"FRAME\n"
    luma = rest[6:6 + 640 * 480]
    assert luma[0] == 255 and luma[240 * 640 + 320] < 20  # white around, the black label in the middle


def test_the_camera_reads_a_label_and_opens_the_device(camera_page, live_server, axe):
    # Scanning only logs the scan: the demo device stays as the other tests expect it.
    tag = live_server.demo.tags["available"]
    page = camera_page(y4m_of(label_of(live_server, tag)))
    page.goto(live_server.url_for("devices.scan_lookup"))
    axe(page, "scan page, camera closed")
    page.locator("[data-camera-open]").click()
    page.wait_for_url(re.compile(rf"/d/{re.escape(tag)}$"), timeout=15_000)
    assert page.locator(".scan-card .tag").inner_text().strip() == tag


def test_a_label_half_out_of_view_is_not_read_and_the_camera_stops(camera_page, live_server, axe):
    # The QR code, on the left of the label, is out of the frame.
    page = camera_page(y4m_of(label_of(live_server, live_server.demo.tags["available"]), shift=-0.45))
    page.goto(live_server.url_for("devices.scan_lookup"))
    page.locator("[data-camera-open]").click()
    stop = page.locator("[data-camera-stop]")
    stop.wait_for(state="visible")
    assert page.evaluate("() => document.querySelector('video').srcObject.active")
    # Nothing to read: the scanner keeps looking and says what to do.
    page.wait_for_timeout(1000)  # 8 scans a second
    assert "/scan" in page.url
    scanning = page.locator("[data-camera-scan]").get_attribute("data-msg-scanning")
    assert page.locator("[data-camera-status]").inner_text() == scanning
    assert page.evaluate("() => document.activeElement.matches('[data-camera-stop]')")
    axe(page, "scan page, camera running")
    stop.click()
    assert page.locator("[data-camera-open]").is_visible() and not page.locator("[data-camera-view]").is_visible()
    # qr-scanner lets go of the camera a moment (300 ms) after it is stopped.
    page.wait_for_function("() => !document.querySelector('video').srcObject", timeout=3000)


def test_typing_the_tag_opens_the_device(page, login, live_server):
    tag = live_server.demo.tags["available"]
    login(page, "staff")
    page.goto(live_server.url_for("devices.scan_lookup"))
    page.fill("#tag", tag.lower())  # typed as it comes: the page upper-cases it
    click(page, "main search form button[type=submit]")
    assert page.url.endswith(f"/d/{tag}")
    assert page.locator(".scan-card .tag").inner_text().strip() == tag


def test_an_unknown_tag_stays_on_the_scan_page_with_the_reason(page, login, live_server, axe):
    login(page, "staff", lang="en")
    page.goto(live_server.url_for("devices.scan_lookup"))
    page.fill("#tag", "BS-WC-99999")
    click(page, "main search form button[type=submit]", status=404)
    assert "No device has the tag BS-WC-99999" in main_text(page)
    assert page.input_value("#tag") == "BS-WC-99999"
    axe(page, "scan page, unknown tag")
