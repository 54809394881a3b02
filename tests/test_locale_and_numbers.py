"""The language follows the browser until the user chooses one; numbers as the locale writes them."""
from __future__ import annotations

import pytest

from core.money import format_baht
from core.db import db
from core.forms import LoginForm
from core.i18n import format_number
from core.users import User
from fixtures.users import PASSWORD

ENGLISH = '<html lang="en"'
THAI = '<html lang="th"'


def page(client, path, accept=None):
    headers = {"Accept-Language": accept} if accept is not None else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert "Accept-Language" in response.headers.get("Vary", "")
    return response.get_data(as_text=True)


@pytest.fixture
def public_paths(make_device):
    return [f"/d/{make_device('WC')}", "/impact/center"]


@pytest.mark.parametrize("accept, marker", [
    ("en-US,en;q=0.9", ENGLISH),
    ("en", ENGLISH),
    ("th-TH,th;q=0.9,en;q=0.8", THAI),
    ("th", THAI),
    (None, THAI),
    ("fr", THAI),
    ("fr-FR,de;q=0.5", THAI),
])
def test_anonymous_pages_follow_the_browser_language(client, public_paths, accept, marker):
    for path in public_paths:
        text = page(client, path, accept)
        assert marker in text, path


def test_english_page_is_english_and_thai_page_is_thai(client, public_paths):
    scan_path = public_paths[0]
    english = page(client, scan_path, "en-US,en;q=0.9")
    assert "This device belongs to" in english and "Ban Suan Municipality" in english
    thai = page(client, scan_path, "fr")
    assert "This device belongs to" not in thai and "ศูนย์กายอุปกรณ์" in thai


def test_a_chosen_language_beats_the_browser(client, public_paths):
    client.post("/lang", data={"lang": "th"})
    for path in public_paths:
        assert THAI in page(client, path, "en-US,en;q=0.9")
    client.post("/lang", data={"lang": "en"})
    for path in public_paths:
        assert ENGLISH in page(client, path, "th")


def test_a_user_without_a_saved_language_follows_the_browser(app, make_user, login):
    user_id = make_user("donor")
    browser = login(app.test_client(), user_id)
    assert ENGLISH in page(browser, "/impact/center", "en-US,en;q=0.9")
    assert THAI in page(browser, "/impact/center", "th")
    with app.app_context():
        db.session.get(User, user_id).locale = "th"
        db.session.commit()
    assert THAI in page(browser, "/impact/center", "en-US,en;q=0.9")


def test_logging_in_keeps_a_language_chosen_before(app, make_user):
    make_user("donor", username="chooser")
    browser = app.test_client()
    browser.post("/lang", data={"lang": "en"})
    browser.post("/login", data={"username": "chooser", "password": PASSWORD})
    with app.app_context():
        assert db.session.scalar(db.select(User.locale).where(User.username == "chooser")) == "en"
    # Nothing chosen: the saved language stays empty and the browser decides.
    make_user("donor", username="follower")
    other = app.test_client()
    other.post("/login", data={"username": "follower", "password": PASSWORD},
               headers={"Accept-Language": "en"})
    with app.app_context():
        assert db.session.scalar(db.select(User.locale).where(User.username == "follower")) is None


def test_json_and_static_responses_do_not_vary_by_language(client):
    assert "Accept-Language" not in client.get("/api/v1/openapi.json").headers.get("Vary", "")
    with client.get("/static/css/app.css") as static:
        assert "Accept-Language" not in static.headers.get("Vary", "")


@pytest.mark.parametrize("locale", ["th", "en"])
@pytest.mark.parametrize("value, decimals, expected", [
    (12345, None, "12,345"),
    (0, None, "0"),
    (999, None, "999"),
    (1234567, None, "1,234,567"),
    (2.5, None, "2.5"),
    (1234.56, 0, "1,235"),
    (None, None, ""),
])
def test_numbers_are_grouped_in_both_locales(locale, value, decimals, expected):
    assert format_number(value, locale, decimals) == expected


@pytest.mark.parametrize("locale", ["th", "en"])
def test_baht_keeps_its_sign_and_grouping(locale):
    assert format_baht(1_234_567_89, locale) == "฿1,234,567.89"


@pytest.mark.parametrize("lang", ["th", "en"])
def test_number_filter_in_templates(app, lang):
    with app.test_request_context(headers={"Accept-Language": lang}):
        assert app.jinja_env.from_string("{{ 12345|number }} {{ 1234.4|number(0) }}").render() == "12,345 1,234"


def test_a_negative_amount_puts_the_minus_before_the_baht_sign():
    assert format_baht(-13_450_000) == "-฿134,500.00" and format_baht(0, "en") == "฿0.00"


def test_wtforms_own_messages_are_in_the_readers_language(app):
    for lang, expected in (("th", "กรุณากรอกช่องนี้"), ("en", "This field is required.")):
        with app.test_request_context("/login", method="POST", data={}, headers={"Accept-Language": lang}):
            form = LoginForm(meta={"csrf": False})
            assert not form.validate() and form.username.errors == [expected]
    with app.test_request_context("/login", method="POST", data={"username": "x" * 65, "password": "p"},
                                  headers={"Accept-Language": "th"}):
        form = LoginForm(meta={"csrf": False})
        assert not form.validate() and form.username.errors == ["ยาวได้ไม่เกิน 64 ตัวอักษร"]
