"""Camera scanning on /scan: the vendored qr-scanner, its worker, our script and the CSP."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import CONTENT_SECURITY_POLICY

ROOT = Path(__file__).resolve().parent.parent
VENDOR = "/static/vendor/qr-scanner-1.4.2/"


@pytest.fixture
def scan_page(client_as):
    response = client_as("staff").get("/scan")
    assert response.status_code == 200
    return response


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


def test_scan_page_loads_the_vendored_scanner_and_our_script(scan_page):
    page = scan_page.get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert f"{VENDOR}qr-scanner.umd.min.js" in scripts and "/static/js/scan.js" in scripts
    # scan.js uses the global QrScanner, so the library comes first; nothing from a CDN.
    assert scripts.index(f"{VENDOR}qr-scanner.umd.min.js") < scripts.index("/static/js/scan.js")
    assert all(src.startswith("/static/") for src in scripts)
    assert "<script>" not in page and "onclick" not in page  # the CSP forbids inline scripts


def test_scan_page_carries_every_camera_message(scan_page):
    page = scan_page.get_data(as_text=True)
    for name in ("starting", "scanning", "found", "not-device", "insecure", "denied", "no-camera", "failed"):
        match = re.search(rf'data-msg-{name}="([^"]+)"', page)
        assert match and match.group(1).strip(), name
    assert 'data-lookup-url="/scan?tag="' in page
    assert 'role="status"' in page and "<video" in page and "data-camera-open" in page
    # The typed tag stays as the fallback.
    assert '<input id="tag" name="tag"' in page


def test_camera_messages_are_translated(client_as):
    staff = client_as("staff")
    staff.post("/lang", data={"lang": "th"})
    thai = staff.get("/scan").get_data(as_text=True)
    staff.post("/lang", data={"lang": "en"})
    english = staff.get("/scan").get_data(as_text=True)
    assert "https://" in re.search(r'data-msg-insecure="([^"]+)"', english).group(1)
    assert re.search(r'data-msg-found="([^"]*\{tag\}[^"]*)"', english)
    assert re.search(r'data-msg-found="([^"]*\{tag\}[^"]*)"', thai)


@pytest.mark.parametrize("name", ["qr-scanner.umd.min.js", "qr-scanner-worker.min.js", "LICENSE"])
def test_vendored_files_are_served(client, name):
    with client.get(VENDOR + name) as response:
        assert response.status_code == 200
        body = response.get_data()
    assert body == (ROOT / "static/vendor/qr-scanner-1.4.2" / name).read_bytes()
    if name.endswith(".js"):
        assert response.mimetype in ("text/javascript", "application/javascript")


def test_the_library_finds_its_worker_next_to_itself():
    # qr-scanner imports "./qr-scanner-worker.min.js" relative to its own URL: keep the names.
    library = (ROOT / "static/vendor/qr-scanner-1.4.2/qr-scanner.umd.min.js").read_text()
    assert 'import("./qr-scanner-worker.min.js")' in library
    assert "new Worker(URL.createObjectURL(new Blob(" in (
        ROOT / "static/vendor/qr-scanner-1.4.2/qr-scanner-worker.min.js").read_text()
    vendor_readme = (ROOT / "static/vendor/README.md").read_text()
    assert "qr-scanner-1.4.2/" in vendor_readme and "qr-scanner@1.4.2" in vendor_readme


def test_csp_allows_the_blob_worker_and_stays_strict(scan_page):
    policy = directives(scan_page.headers["Content-Security-Policy"])
    assert policy == directives(CONTENT_SECURITY_POLICY)
    assert "blob:" in policy["worker-src"]
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in " ".join(sum(policy.values(), []))
    assert "'unsafe-eval'" not in " ".join(sum(policy.values(), []))
    assert policy["object-src"] == ["'none'"]


def test_scan_page_is_for_staff_only(client, client_as):
    assert client.get("/scan").status_code in (302, 401)
    assert client_as("donor").get("/scan").status_code == 403
