"""The 403 and 404 pages are wholly in the reader's language: title, heading, message, links."""
from __future__ import annotations

import html
import re

import pytest

THAI = re.compile(r"[\u0e00-\u0e7f]")


def visible(page: str) -> dict[str, str]:
    """The title, the main text and the footer of a page, as a person reads them."""
    def text(fragment: str) -> str:
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
    return {"title": text(re.search(r"<title>(.*?)</title>", page, re.S).group(1)),
            "main": text(re.search(r"<main.*?</main>", page, re.S).group(0))}


def english_words(text: str) -> list[str]:
    """Latin words in a Thai page's text (a device tag or a code is not a word)."""
    return [w for w in re.findall(r"[A-Za-z][A-Za-z']+", text) if not re.fullmatch(r"[A-Z]{1,3}|BS|XX", w)]


@pytest.fixture
def pages(app, client_as, make_type):
    make_type("WC")
    staff, donor = client_as("staff"), client_as("donor")
    return {"404 unknown address": (staff, "/no-such-page", 404),
            "404 unknown device": (staff, "/devices/BS-XX-99999", 404),   # a service's NotFound
            "404 unknown request": (staff, "/requests/999999", 404),
            "404 unknown type": (client_as("admin"), "/device-types/ZZ/edit", 404),
            "403 not the role": (donor, "/devices", 403),
            "403 not the role (people)": (donor, "/people", 403)}


@pytest.mark.parametrize("name", ["404 unknown address", "404 unknown device", "404 unknown request",
                                  "404 unknown type", "403 not the role", "403 not the role (people)"])
def test_error_pages_are_in_thai(pages, name):
    client, path, status = pages[name]
    response = client.get(path, headers={"Accept-Language": "th"})
    assert response.status_code == status
    page = visible(response.get_data(as_text=True))
    heading = "ไม่พบหน้าที่ต้องการ" if status == 404 else "ไม่มีสิทธิ์"
    assert page["title"].startswith(heading) and not english_words(page["title"]), page["title"]
    assert page["main"].startswith(heading)
    assert "กลับสู่หน้าแรก" in page["main"]
    assert not english_words(page["main"]), f"{path}: English on the Thai page: {page['main']}"


@pytest.mark.parametrize("name", ["404 unknown address", "404 unknown device", "403 not the role"])
def test_error_pages_are_in_english(pages, name):
    client, path, status = pages[name]
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == status
    page = visible(response.get_data(as_text=True))
    heading = "Page not found" if status == 404 else "Not allowed"
    assert page["title"].startswith(heading)
    assert page["main"].startswith(heading) and "Back to the start page" in page["main"]
    assert not THAI.search(page["main"]), page["main"]


def test_an_api_client_still_gets_the_services_message(app, api_headers):
    response = app.test_client().get("/api/v1/devices/BS-XX-99999", headers=api_headers("staff"))
    assert response.status_code == 404
    assert response.get_json()["message"] == "ไม่พบอุปกรณ์รหัส BS-XX-99999"
    response = app.test_client().get("/api/v1/devices/BS-XX-99999",
                                     headers={**api_headers("staff"), "Accept-Language": "en"})
    assert response.get_json()["message"] == "There is no device with the tag BS-XX-99999."
