"""Ending access: logout, a new password and deactivation end every session cookie and API token
of the user at once; tokens have a configured lifetime and can be revoked; admins deactivate and
reactivate accounts on a page and on the command line; the password policy holds everywhere."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from fixtures.core import build_app
from fixtures.users import PASSWORD, user_named
from core.audit import AuditEvent
from core.db import db
from core.passwords import DEMO_PASSWORD
from core.users import ApiToken, User, authenticate, create_user
from core.errors import ValidationError

NEW_PASSWORD = "mango-river-lantern-4"


def logged_in(app, username):
    """A browser that logged in through the login form, and a copy of its session cookie."""
    browser = app.test_client()
    response = browser.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser, browser.get_cookie("session").value


def with_cookie(app, cookie):
    """Another browser presenting a captured session cookie (what a thief would do)."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def is_logged_in(browser) -> bool:
    return browser.get("/devices").status_code == 200


def token_for(client, username, password=PASSWORD):
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def token_works(client, headers) -> bool:
    return client.get("/api/v1/devices", headers=headers).status_code == 200


# --- logout ---------------------------------------------------------------------------------

def test_a_cookie_captured_before_logout_is_refused_after(app, client, make_user):
    make_user("staff", username="somsri")
    browser, cookie = logged_in(app, "somsri")
    phone, _ = logged_in(app, "somsri")
    headers = token_for(client, "somsri")
    assert is_logged_in(with_cookie(app, cookie)) and is_logged_in(phone)
    browser.post("/logout")
    assert not is_logged_in(with_cookie(app, cookie))
    assert not is_logged_in(phone)                       # every session of the user, on every device
    assert not token_works(client, headers)              # and every token
    again, _ = logged_in(app, "somsri")                  # a new login works as before
    assert is_logged_in(again)


# --- a new password ---------------------------------------------------------------------------

def test_a_password_change_on_the_page_ends_every_session_and_token(app, client, make_user):
    make_user("staff", username="somsri")
    browser, cookie = logged_in(app, "somsri")
    other, _ = logged_in(app, "somsri")
    headers = token_for(client, "somsri")
    assert "รหัสผ่านปัจจุบัน" in browser.get("/account/password").get_data(as_text=True)
    response = browser.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                        "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for stale in (browser, other, with_cookie(app, cookie)):
        assert not is_logged_in(stale)
    assert not token_works(client, headers)
    with app.app_context():
        assert authenticate("somsri", PASSWORD) is None and authenticate("somsri", NEW_PASSWORD) is not None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_changed"))
        assert event.object_id == "somsri" and event.actor.username == "somsri"


def test_the_password_page_refuses_a_wrong_current_password_and_a_weak_new_one(app, make_user):
    make_user("staff", username="somsri")
    browser, _ = logged_in(app, "somsri")
    for data, field in (({"current_password": "not-it-at-all", "new_password": NEW_PASSWORD}, "current_password"),
                        ({"current_password": PASSWORD, "new_password": "password1234"}, "new_password"),
                        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"},
                         "confirm")):
        data.setdefault("confirm", data["new_password"])
        response = browser.post("/account/password", data=data)
        assert response.status_code == 422
        assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert is_logged_in(browser)
    with app.app_context():
        assert authenticate("somsri", PASSWORD) is not None


def test_a_token_survives_no_password_change_through_the_api(app, client, make_user):
    make_user("staff", username="api-user")
    headers, other = token_for(client, "api-user"), token_for(client, "api-user")
    response = client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": PASSWORD, "new_password": "12345678901"})
    assert response.status_code == 422 and "new_password" in response.get_json()["errors"]
    response = client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": "wrong-password-1", "new_password": NEW_PASSWORD})
    assert response.status_code == 422 and "current_password" in response.get_json()["errors"]
    assert token_works(client, headers)
    response = client.post("/api/v1/auth/password", headers=headers,
                           json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 204
    assert not token_works(client, headers) and not token_works(client, other)
    assert token_works(client, token_for(client, "api-user", NEW_PASSWORD))


def test_a_password_set_on_the_command_line_ends_sessions_and_tokens(app, client, make_user):
    make_user("staff", username="somsri")
    _browser, cookie = logged_in(app, "somsri")
    headers = token_for(client, "somsri")
    result = app.test_cli_runner().invoke(args=["users", "set-password", "somsri", "--password", NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    assert not is_logged_in(with_cookie(app, cookie)) and not token_works(client, headers)


# --- tokens -----------------------------------------------------------------------------------

def test_delete_token_revokes_the_presenting_token_only(client, make_user):
    make_user("staff", username="api-user")
    first, second = token_for(client, "api-user"), token_for(client, "api-user")
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 204
    assert not token_works(client, first)
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 401
    assert token_works(client, second)
    assert client.delete("/api/v1/auth/token").status_code == 401


def test_tokens_last_the_configured_lifetime(tmp_path, make_user):
    app = build_app(f"sqlite:///{tmp_path / 'short.db'}", API_TOKEN_DAYS=7)
    client = app.test_client()
    with app.app_context():
        create_user("api-user", PASSWORD, ["staff"])
        db.session.commit()
    response = client.post("/api/v1/auth/token", json={"username": "api-user", "password": PASSWORD})
    lasts = dt.datetime.fromisoformat(response.get_json()["expires_at"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=6, hours=23) < lasts <= dt.timedelta(days=7)
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    assert token_works(client, headers)
    with app.app_context():
        # A token made when the lifetime was longer ends with the lifetime configured now.
        row = db.session.scalar(select(ApiToken))
        row.created_at -= dt.timedelta(days=8)
        row.expires_at += dt.timedelta(days=90)
        db.session.commit()
    assert not token_works(client, headers)
    with app.app_context():
        db.engine.dispose()


def test_the_default_token_lifetime_is_thirty_days(app, client, make_user):
    make_user("staff", username="api-user")
    response = client.post("/api/v1/auth/token", json={"username": "api-user", "password": PASSWORD})
    lasts = dt.datetime.fromisoformat(response.get_json()["expires_at"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=29) < lasts <= dt.timedelta(days=30)


# --- deactivation -----------------------------------------------------------------------------

def test_an_admin_deactivates_and_reactivates_a_user_on_the_page(app, client, client_as, make_user):
    make_user("staff", username="somsri")
    _browser, cookie = logged_in(app, "somsri")
    headers = token_for(client, "somsri")
    admin = client_as("admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "somsri" in page and "ปิดการใช้งาน" in page
    response = admin.post("/admin/users/somsri/deactivate")
    assert response.status_code == 302
    assert not is_logged_in(with_cookie(app, cookie)) and not token_works(client, headers)
    assert client.post("/login", data={"username": "somsri", "password": PASSWORD}).status_code == 422
    assert client.post("/api/v1/auth/token", json={"username": "somsri", "password": PASSWORD}).status_code == 401
    assert "ปิดการใช้งานแล้ว" in admin.get("/admin/users").get_data(as_text=True)
    assert admin.post("/admin/users/somsri/reactivate").status_code == 302
    assert is_logged_in(logged_in(app, "somsri")[0])
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == "somsri")
                                                        .order_by(AuditEvent.id))]
        assert actions == ["user.deactivated", "user.reactivated"]


def test_only_admins_deactivate_and_never_themselves(app, client_as, make_user):
    make_user("staff", username="somsri")
    for role in ("staff", "supervisor", "donor"):
        browser = client_as(role)
        assert browser.get("/admin/users").status_code == 403
        assert browser.post("/admin/users/somsri/deactivate").status_code == 403
    admin_id = make_user("admin", username="boss")
    admin = app.test_client()
    admin.post("/login", data={"username": "boss", "password": PASSWORD})
    response = admin.post("/admin/users/boss/deactivate", follow_redirects=True)
    assert "ไม่สามารถปิดการใช้งานบัญชีของตัวเอง" in response.get_data(as_text=True)
    assert admin.post("/admin/users/nobody/deactivate").status_code == 404
    with app.app_context():
        assert db.session.get(User, admin_id).active and user_named("somsri").active


def test_the_users_page_fits_a_phone(client_as, make_user):
    make_user("staff", username="somsri")
    page = client_as("admin").get("/admin/users").get_data(as_text=True)
    assert '<html lang="th"' in page and "<table" not in page and 'class="cards-list"' in page


def test_deactivate_on_the_command_line(app, client, make_user):
    make_user("staff", username="somsri")
    _browser, cookie = logged_in(app, "somsri")
    headers = token_for(client, "somsri")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "deactivate", "somsri"])
    assert result.exit_code == 0, result.output
    assert not is_logged_in(with_cookie(app, cookie)) and not token_works(client, headers)
    assert "(inactive)" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "deactivate", "somsri"]).exit_code != 0
    assert runner.invoke(args=["users", "deactivate", "nobody"]).exit_code != 0
    assert runner.invoke(args=["users", "reactivate", "somsri"]).exit_code == 0
    assert is_logged_in(logged_in(app, "somsri")[0])


# --- the password policy ------------------------------------------------------------------------

WEAK = ["aaaaaaaa", "12345678", "password", "aaaaaaaaaaaa", "1234567890", "password1234", "qwertyuiop",
        "iloveyou2026", DEMO_PASSWORD, "somsri-2569-home"]


@pytest.mark.parametrize("password", WEAK)
def test_the_policy_refuses_weak_passwords_on_the_command_line(app, password):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "somsri", "--role", "admin", "--password", password])
    assert result.exit_code != 0 and "password" in result.output
    with app.app_context():
        assert user_named("somsri") is None


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "password1234", DEMO_PASSWORD])
def test_the_policy_holds_for_a_new_password_everywhere(app, client, make_user, password):
    make_user("staff", username="somsri")
    result = app.test_cli_runner().invoke(args=["users", "set-password", "somsri", "--password", password])
    assert result.exit_code != 0
    browser, _ = logged_in(app, "somsri")
    response = browser.post("/account/password", data={"current_password": PASSWORD, "new_password": password,
                                                        "confirm": password})
    assert response.status_code == 422
    response = client.post("/api/v1/auth/password", headers=token_for(client, "somsri"),
                           json={"current_password": PASSWORD, "new_password": password})
    assert response.status_code == 422
    with app.app_context():
        assert authenticate("somsri", PASSWORD) is not None


def test_the_policy_accepts_a_few_unrelated_words(ctx):
    user = create_user("somsri", "mango river lantern", ["staff"])
    assert user.check_password("mango river lantern")
    with pytest.raises(ValidationError) as info:
        create_user("kanya", "ab1", ["staff"])
    assert "password" in info.value.errors


def test_the_demo_password_works_only_on_a_database_the_demo_loader_made(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "admin", "--role", "admin", "--password", DEMO_PASSWORD])
    assert result.exit_code != 0 and "published" in result.output
    result = runner.invoke(args=["users", "create", "admin", "--role", "admin", "--password", NEW_PASSWORD])
    assert result.exit_code == 0
    # `make run` on a real install: the demo data are not loaded, and no demo login is printed.
    result = runner.invoke(args=["demo-data", "--if-empty"])
    assert result.exit_code == 0 and DEMO_PASSWORD not in result.output
    with app.app_context():
        assert authenticate("admin", DEMO_PASSWORD) is None
