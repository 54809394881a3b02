"""Fixtures: the app on a temporary database, clients per role, and factories.

``TEST_DATABASE_URL`` (set by ``.ci/run``) adds PostgreSQL runs to the tests marked
``@both_databases``; without it those runs skip with the reason.

The suite never depends on the day or hour it runs: the process keeps its clock in UTC, as
most servers do, and the clock is frozen at ``FROZEN_AT`` (10:00 in Bangkok) for the whole
session, ticking from there. A test that needs another moment travels to it
(``at_bangkok``).
"""
from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import create_engine, select, text

os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="lending-instance-"))
for _var in ("DATABASE_URL", "BASE_URL", "TAG_PREFIX", "SECRET_KEY", "CENTER_TIMEZONE"):
    os.environ.pop(_var, None)
# A server in UTC: Bangkok's day starts at 17:00 the day before on this clock.
os.environ["TZ"] = "UTC"
time.tzset()

from app import create_app  # noqa: E402
from core.db import db  # noqa: E402
from core.errors import DomainError, NotFound  # noqa: E402
from core.users import User, create_user, issue_token, use_fast_hashing  # noqa: E402

use_fast_hashing()
from devices import services as device_services  # noqa: E402

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
PG_SKIP = "TEST_DATABASE_URL is not set; PostgreSQL runs are skipped (.ci/run sets it)"
BASE_URL = "http://lend.test"
PASSWORD = "correct-horse-9"
TYPE_NAMES = {"WC": ("รถเข็นวีลแชร์", "Wheelchair"), "BED": ("เตียงผู้ป่วยปรับระดับ", "Hospital bed")}


BANGKOK = ZoneInfo("Asia/Bangkok")
FROZEN_AT = dt.datetime(2026, 11, 30, 10, 0, tzinfo=BANGKOK)


def at_bangkok(year: int, month: int, day: int, hour: int, minute: int = 0, *, tick: bool = False):
    """Travel to a moment of the center's clock (a context manager; it nests in the frozen session).

    The destination is given to time-machine in UTC: given a ZoneInfo it would also move the
    process's local zone to Bangkok, hiding any use of the server's clock.
    """
    moment = dt.datetime(year, month, day, hour, minute, tzinfo=BANGKOK)
    return time_machine.travel(moment.astimezone(dt.UTC), tick=tick)


@pytest.fixture(scope="session", autouse=True)
def frozen_clock():
    """The whole session runs on the same day and hour, whenever the suite runs."""
    with time_machine.travel(FROZEN_AT.astimezone(dt.UTC), tick=True):
        yield


def pg_url() -> str:
    url = PG_URL
    for old in ("postgres://", "postgresql://"):
        if url.startswith(old):
            url = "postgresql+psycopg://" + url[len(old):]
    return url


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def database_url(kind: str, tmp_path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    if not PG_URL:
        pytest.skip(PG_SKIP)
    url = pg_url()
    reset_postgres(url)
    return url


def build_app(url: str, create_schema: bool = True, **overrides):
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
              "SECRET_KEY": "test-secret", "BASE_URL": BASE_URL, "TAG_PREFIX": "BS",
              "RATELIMIT_ENABLED": False}
    config.update(overrides)
    app = create_app(config)
    if create_schema:
        with app.app_context():
            db.create_all()
    return app


def _make_app(kind, tmp_path, **overrides):
    app = build_app(database_url(kind, tmp_path), **overrides)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# Run a test on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too.
both_databases = pytest.mark.parametrize(
    "app", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


@pytest.fixture
def app(request, tmp_path):
    """The app on a fresh SQLite file (or the database named by an indirect parameter)."""
    yield from _make_app(getattr(request, "param", "sqlite"), tmp_path)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10_000))

    def _make(*roles, username=None, password=PASSWORD):
        with app.app_context():
            user = create_user(username or f"user{next(counter)}", password, roles or ("staff",))
            db.session.commit()
            return user.id

    return _make


@pytest.fixture
def login(app):
    """``login(client, user_id)`` puts a user in the client's session."""

    def _login(test_client, user_id):
        with app.app_context():
            session_id = db.session.get(User, user_id).get_id()  # "id:version", as a real login keeps it
        with test_client.session_transaction() as session:
            session["_user_id"] = session_id
            session["_fresh"] = True
        return test_client

    return _login


@pytest.fixture
def client_as(app, make_user, login):
    """A logged-in browser client for a user holding the given roles."""

    def _client(*roles):
        return login(app.test_client(), make_user(*roles))

    return _client


@pytest.fixture
def api_headers(app, make_user):
    """Authorization headers of a bearer token for a user with the given roles."""

    def _headers(*roles):
        user_id = make_user(*roles)
        with app.app_context():
            token, _row = issue_token(db.session.get(User, user_id))
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return _headers


@pytest.fixture
def make_type(app):
    def _make(code="WC", name_th="รถเข็นวีลแชร์", name_en="Wheelchair", price=3500_00, **extra):
        with app.app_context():
            device_type = device_services.create_type(
                {"code": code, "name_th": name_th, "name_en": name_en, "reference_price_satang": price, **extra},
                by=None)
            db.session.commit()
            return device_type.code

    return _make


@pytest.fixture
def make_device(app, make_type):
    """``make_device(type_code="WC", **fields)`` registers a device and returns its tag."""

    def _make(type_code="WC", **fields):
        with app.app_context():
            try:
                device_type = device_services.get_type(type_code)
            except NotFound:
                db.session.rollback()  # release SQLite's write lock before the nested context writes
                make_type(type_code, *TYPE_NAMES.get(type_code, (f"ประเภท {type_code}", f"Type {type_code}")))
                device_type = device_services.get_type(type_code)
            device = device_services.register_device(device_type, fields, by=None)
            db.session.commit()
            return device.tag

    return _make


def race(app, work, args) -> list[str]:
    """Run ``work(arg)`` for each arg in its own thread and app context, all at the same moment.

    Each thread commits its own transaction (real concurrent connections). Returns, in
    finishing order, "ok", the HTTP code of a domain error, or the type name of anything
    else (a lost optimistic-lock race, say).
    """
    barrier, results = threading.Barrier(len(args)), []

    def run(arg):
        with app.app_context():
            try:
                # Start together; on SQLite the later one waits for the write lock (BEGIN
                # IMMEDIATE), on PostgreSQL for the row lock, then finds the state changed.
                barrier.wait(timeout=30)
                work(arg)
                db.session.commit()
                results.append("ok")
            except DomainError as exc:
                db.session.rollback()
                results.append(str(exc.code))
            except Exception as exc:  # noqa: BLE001 - reported to the test, which asserts on it
                db.session.rollback()
                results.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def user_named(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))
