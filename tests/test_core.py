"""App factory, security headers, login and logout, roles, tokens, CSRF, language and dates."""
from __future__ import annotations

import datetime as dt

import pytest

from app import _database_url, create_app
from core import dates, money
from core.auth import access_of, safe_next
from core.db import db
from core.errors import Conflict, ValidationError
from core.users import ApiToken, User, authenticate, create_user
from fixtures.core import build_app
from fixtures.users import PASSWORD


def test_every_route_states_who_may_use_it(app):
    """Every view is marked with require_role(...) or public, method by method."""
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "api-docs.openapi_json"):
            continue  # static files and the OpenAPI document are public by nature
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                if access_of(getattr(view_class, method.lower())) is None:
                    missing.append(f"{rule.endpoint} {method}")
        elif access_of(view) is None:
            missing.append(rule.endpoint)
    assert missing == []


def test_database_url_forms(monkeypatch, app):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert _database_url(app) == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert _database_url(app) == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("DATABASE_URL")
    assert _database_url(app).startswith("sqlite:///") and _database_url(app).endswith("lending.db")


def test_secret_key_is_kept_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "inst"))
    first = create_app({"TESTING": True}).config["SECRET_KEY"]
    second = create_app({"TESTING": True}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0


def test_security_headers(client):
    response = client.get("/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert len(response.headers["X-Request-Id"]) == 32


@pytest.mark.parametrize("target, expected", [
    ("/devices", "/devices"),
    ("/devices?q=WC", "/devices?q=WC"),
    ("https://evil.example/", "/"),
    ("//evil.example/x", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("", "/"),
])
def test_safe_next(target, expected):
    assert safe_next(target, "/") == expected


def test_login_page_logs_in_and_follows_next(client, make_user):
    make_user("staff", username="somsri")
    response = client.post("/login", data={"username": "somsri", "password": PASSWORD, "next": "/devices"})
    assert response.status_code == 302 and response.headers["Location"] == "/devices"
    assert client.get("/devices").status_code == 200
    client.post("/logout")
    response = client.get("/devices")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_refuses_open_redirect(client, make_user):
    make_user("staff", username="somsri")
    response = client.post("/login", data={"username": "somsri", "password": PASSWORD,
                                           "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_wrong_password_is_refused(client, make_user):
    make_user("staff", username="somsri")
    response = client.post("/login", data={"username": "somsri", "password": "nope-nope"})
    assert response.status_code == 422
    assert "Wrong username or password" in response.get_data(as_text=True) or "ไม่ถูกต้อง" in response.get_data(
        as_text=True)
    assert client.get("/devices").status_code == 302


def test_inactive_user_cannot_log_in(app, client, make_user):
    user_id = make_user("staff", username="gone")
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
        assert authenticate("gone", PASSWORD) is None


def test_passwords_are_argon2_hashes(ctx):
    user = create_user("kanya", "a-long-password", ["staff", "assessor"])
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password("a-long-password") and not user.check_password("wrong")
    assert user.roles == {"staff", "assessor"}


@pytest.mark.parametrize("username, password, roles, field", [
    ("", "long-enough", ["staff"], "username"),
    ("x" * 65, "long-enough", ["staff"], "username"),
    ("ok", "short", ["staff"], "password"),
    ("ok", "long-enough", ["wizard"], "role"),
    ("ok", "long-enough", [], "role"),
])
def test_create_user_validates(ctx, username, password, roles, field):
    with pytest.raises(ValidationError) as info:
        create_user(username, password, roles)
    assert field in info.value.errors


def test_duplicate_username_conflicts(ctx):
    create_user("dup", "long-enough", ["staff"])
    with pytest.raises(Conflict):
        create_user("dup", "long-enough", ["staff"])


def test_users_cli(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "nurse", "--role", "assessor", "--role", "staff",
                                 "--password", "ward-lamp-7-tea"])
    assert result.exit_code == 0, result.output
    assert "assessor, staff" in result.output
    result = runner.invoke(args=["users", "create", "nurse", "--role", "staff", "--password", "ward-lamp-7-tea"])
    assert result.exit_code != 0 and "taken already" in result.output
    result = runner.invoke(args=["users", "create", "x", "--role", "wizard", "--password", "long-enough"])
    assert result.exit_code != 0
    result = runner.invoke(args=["users", "list"])
    assert "nurse" in result.output
    result = runner.invoke(args=["users", "set-password", "nurse", "--password", "another-pass"])
    assert result.exit_code == 0
    with app.app_context():
        assert authenticate("nurse", "another-pass") is not None


# --- tokens -------------------------------------------------------------------------------

def test_token_flow(client, make_user):
    make_user("staff", username="api-user")
    response = client.post("/api/v1/auth/token", json={"username": "api-user", "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert client.get("/api/v1/devices", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/api/v1/devices", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_token_wrong_password_is_401_json(client, make_user):
    make_user("staff", username="api-user")
    response = client.post("/api/v1/auth/token", json={"username": "api-user", "password": "bad-password"})
    assert response.status_code == 401
    assert response.get_json()["code"] == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_token_missing_field_is_422_naming_it(client):
    response = client.post("/api/v1/auth/token", json={"username": "x"})
    assert response.status_code == 422
    assert "password" in response.get_json()["errors"]["json"]


def test_expired_token_is_refused(app, client, api_headers):
    headers = api_headers("staff")
    with app.app_context():
        for row in db.session.scalars(db.select(ApiToken)):
            row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/devices", headers=headers).status_code == 401


def test_api_ignores_the_session_cookie(client_as):
    """The API authenticates by token only, so it needs no CSRF protection."""
    browser = client_as("admin")
    assert browser.get("/devices").status_code == 200
    assert browser.get("/api/v1/devices").status_code == 401


def test_wrong_role_is_403(client_as, api_headers, client):
    assert client_as("donor").get("/devices").status_code == 403
    assert client.get("/api/v1/devices", headers=api_headers("donor")).status_code == 403


# --- CSRF ------------------------------------------------------------------------------------

def test_forms_need_a_csrf_token(tmp_path, make_user):
    app = build_app(f"sqlite:///{tmp_path / 'csrf.db'}", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        create_user("somsri", PASSWORD, ["staff"])
        db.session.commit()
    response = client.post("/login", data={"username": "somsri", "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "somsri", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    # The public problem report form is protected too.
    assert client.post("/d/BS-WC-00001/report", data={"kind": "problem"}).status_code == 400
    # The API is exempt: it uses bearer tokens.
    assert client.post("/api/v1/auth/token", json={"username": "somsri", "password": PASSWORD}).status_code == 201
    with app.app_context():
        db.engine.dispose()


# --- language and dates ------------------------------------------------------------------------

def test_thai_is_the_default_and_english_is_remembered_per_user(app, client, make_user):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="th"' in page and "เข้าสู่ระบบ" in page
    user_id = make_user("staff", username="lang")
    client.post("/login", data={"username": "lang", "password": PASSWORD})
    client.post("/lang", data={"lang": "en", "next": "/devices"})
    with app.app_context():
        assert db.session.get(User, user_id).locale == "en"
    other = app.test_client()  # a new browser: the saved choice follows the user
    other.post("/login", data={"username": "lang", "password": PASSWORD})
    page = other.get("/devices").get_data(as_text=True)
    assert '<html lang="en"' in page and "Devices" in page


def test_anonymous_language_switch(client):
    client.post("/lang", data={"lang": "en"})
    assert '<html lang="en"' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("value, locale, expected", [
    (dt.date(2026, 11, 24), "th", "24 พ.ย. 2569"),
    (dt.date(2026, 11, 24), "en", "24 Nov 2026"),
    (dt.date(2027, 1, 1), "th", "1 ม.ค. 2570"),
    # 20:00 UTC on 31 Dec is already 1 Jan in Bangkok
    (dt.datetime(2026, 12, 31, 20, 0, tzinfo=dt.UTC), "th", "1 ม.ค. 2570"),
])
def test_buddhist_era_dates(value, locale, expected):
    assert dates.format_date(value, locale) == expected


def test_datetime_and_baht_formatting():
    moment = dt.datetime(2026, 11, 24, 2, 5, tzinfo=dt.UTC)
    assert dates.format_datetime(moment, "th") == "24 พ.ย. 2569 09:05 น."
    assert dates.format_datetime(moment, "en") == "24 Nov 2026 09:05"
    assert money.format_baht(125000, "th") == "฿1,250.00"
    assert money.format_baht(None) == ""


def test_login_and_token_are_rate_limited(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'rl.db'}", RATELIMIT_ENABLED=True)
    client = app.test_client()
    codes = [client.post("/login", data={"username": "x", "password": "wrong-password"}).status_code
             for _ in range(11)]
    assert codes[:10] == [422] * 10 and codes[10] == 429
    codes = [client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}).status_code
             for _ in range(11)]
    assert codes[10] == 429
    assert client.get("/login").status_code == 200  # reading the page is not limited
    with app.app_context():
        db.engine.dispose()


def test_an_id_past_the_databases_integer_is_a_404_not_a_500(client_as):
    supervisor = client_as("supervisor")
    for path in ("/requests/99999999999999999999", "/loans/2147483648"):
        assert supervisor.get(path).status_code == 404
    assert supervisor.post("/maintenance/retirements/99999999999999999999", data={}).status_code == 404
