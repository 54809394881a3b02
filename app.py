"""Application factory: configuration, extensions, blueprints, error handlers, CLI."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, g, request
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from core import backup as backup_cli
from core import cli as core_cli
from core import clock
from core.api import api, init_api
from core.api import bp as auth_api_bp
from core.audit import current_request_id
from core.auth import login_manager
from core.db import db, init_storage
from core.errors import register_error_handlers
from core.i18n import init_i18n
from core.limits import PUBLIC_PAGE_DEFAULT, limiter
from core.money import MAX_SATANG
from core.unit_of_work import App
from core.views import bp as auth_bp
from demo import cli as demo_cli
from devices import hooks as device_hooks
from devices.api import bp as devices_api_bp
from devices.views import bp as devices_bp
from fund import hooks as fund_hooks
from fund.api import bp as fund_api_bp
from fund.views import bp as fund_bp
from fund.views import impact_bp
from fund.papers import bp as donor_papers_bp
from lending import hooks as lending_hooks
from lending import cli as lending_cli
from lending.api import bp as lending_api_bp
from lending.privacy_api import bp as consent_api_bp
from maintenance import hooks as maintenance_hooks
from maintenance.api import bp as maintenance_api_bp
from maintenance.views import bp as maintenance_bp
from reports import cache as report_cache  # noqa: F401 - its tables, and the change tracking that keeps them true
from reports.api import bp as reports_api_bp
from reports.views import bp as reports_bp
from reports.views import dashboard_bp
from privacy.api import bp as privacy_api_bp
from privacy.views import bp as privacy_bp
from lending.views import blueprints as lending_blueprints
from labels.views import bp as labels_bp

csrf = CSRFProtect()
migrate = Migrate()

# qr-scanner decodes in a worker it builds from a blob: URL (worker-src); the camera stream
# goes to the <video> as srcObject, which media-src does not govern.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; "
    "worker-src 'self' blob:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The camera (scanning labels) and the location (recorded at a delivery) for the app's own
# pages; every other powerful feature for nobody.
PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=(), serial=(), bluetooth=()"


def _database_url(app: Flask) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(app.instance_path) / 'lending.db'}"
    # Accept the URL forms that hosting panels print, and use psycopg 3.
    for old in ("postgres://", "postgresql://"):
        if url.startswith(old):
            return "postgresql+psycopg://" + url[len(old):]
    return url


def _secret_key(app: Flask) -> str:
    # A key kept in the instance folder survives restarts and is shared by all workers.
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _whole_days(env, name: str, default: int, unit: str = "days") -> int:
    """A setting counted in whole days (or ``unit``), 0 or more; anything else stops the start, naming it."""
    value = env.get(name, "").strip() or str(default)
    if not value.isascii() or not value.isdigit() or len(value) > 6:
        raise RuntimeError(f"{name} must be a whole number of {unit}, not {value!r}")
    return int(value)


def _satang(env, name: str, default: int) -> int:
    """An amount in satang (0 or more, at most the books' largest); anything else stops the start, naming it."""
    value = env.get(name, "").strip() or str(default)
    if not value.isascii() or not value.isdigit() or len(value) > 10 or int(value) > MAX_SATANG:
        raise RuntimeError(f"{name} must be a whole number of satang up to {MAX_SATANG}, not {value!r}")
    return int(value)


def _configure(app: Flask, overrides: dict | None) -> None:
    env = os.environ
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        SQLALCHEMY_DATABASE_URI=_database_url(app),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        BASE_URL=env.get("BASE_URL", "").rstrip("/"),
        TAG_PREFIX=env.get("TAG_PREFIX", "BS"),
        CENTER_NAME_TH=env.get("CENTER_NAME_TH", "ศูนย์กายอุปกรณ์ เทศบาลเมืองบ้านสวน"),
        CENTER_NAME_EN=env.get("CENTER_NAME_EN", "Ban Suan Municipality Assistive Device Center"),
        CENTER_PHONE=env.get("CENTER_PHONE", "038-184-5555"),
        FUND_NAME_TH=env.get("FUND_NAME_TH", "กองทุนสวัสดิการชุมชน เทศบาลเมืองบ้านสวน"),
        CENTER_TAX_ID=env.get("CENTER_TAX_ID", ""),
        CENTER_ADDRESS=env.get("CENTER_ADDRESS", "ตำบลบ้านสวน อำเภอเมืองชลบุรี จังหวัดชลบุรี 20000"),
        # E-mail through SMTP (core/outbox.py); no MAIL_SERVER: mail is off and pages offer the PDF instead.
        MAIL_SERVER=env.get("MAIL_SERVER", "").strip(),
        MAIL_PORT=_whole_days(env, "MAIL_PORT", 25, "port") or 25,
        MAIL_FROM=env.get("MAIL_FROM", "").strip(),
        MAIL_USERNAME=env.get("MAIL_USERNAME", ""),
        MAIL_PASSWORD=env.get("MAIL_PASSWORD", ""),
        MAIL_STARTTLS=env.get("MAIL_STARTTLS", "") == "1",
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=env.get("SESSION_COOKIE_SECURE", "") == "1",
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=8 * 1024 * 1024,
        # Uploaded images (core.images): larger ones are refused from their header (decompression
        # bombs); what is kept is re-encoded no larger than this on its longest side.
        IMAGE_MAX_PIXELS=40_000_000,
        IMAGE_MAX_SIDE=2048,
        BABEL_DEFAULT_LOCALE="th",
        CENTER_TIMEZONE=env.get("CENTER_TIMEZONE", clock.DEFAULT_TIMEZONE),
        PER_PAGE=25,
        RATELIMIT_STORAGE_URI=env.get("RATELIMIT_STORAGE_URI", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
        # Per network address, across the public and donor pages (core.limits); e.g. "120 per minute".
        PUBLIC_PAGE_LIMIT=env.get("PUBLIC_PAGE_LIMIT", PUBLIC_PAGE_DEFAULT),
        # The server's copy of the impact figures (fund.services.impact.cached): at most this old,
        # and at most this many kept per worker.
        IMPACT_CACHE_SECONDS=60,
        IMPACT_CACHE_ENTRIES=1000,
        API_TOKEN_DAYS=_whole_days(env, "API_TOKEN_DAYS", 30) or 30,
        # Strict-Transport-Security on answers given over HTTPS; 0 sends none.
        HSTS_MAX_AGE=_whole_days(env, "HSTS_DAYS", 365) * 86400,
        # The public scan page writes one row per client and device within this window.
        SCAN_REPEAT_MINUTES=30,
        # `flask privacy retention`: people whose last loan closed more than this many years ago.
        PRIVACY_RETENTION_YEARS=_whole_days(env, "PRIVACY_RETENTION_YEARS", 5, "years") or 5,
        # A work order costing more than this (or more than its estimate) waits for a supervisor
        # before the fund pays; a cleaning order's consumables may cost at most the cap.
        WORK_ORDER_COST_LIMIT_SATANG=_satang(env, "WORK_ORDER_COST_LIMIT_SATANG", 5_000_00),
        CLEANING_CONSUMABLES_CAP_SATANG=_satang(env, "CLEANING_CONSUMABLES_CAP_SATANG", 500_00),
    )
    app.config.update(overrides or {})
    app.config.setdefault("TRUST_PROXY", env.get("TRUST_PROXY", "") == "1")
    clock.zone(app.config["CENTER_TIMEZONE"])  # an unknown zone stops the start, naming the setting
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["CENTER_TIMEZONE"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(app)


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route, capped at the database's integer: a larger id is a 404,
    not an overflow in the driver (a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(overrides: dict | None = None) -> Flask:
    app = App(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None)
    app.url_map.converters["int"] = IdConverter
    _configure(app, overrides)
    if app.config["TRUST_PROXY"]:
        # Behind nginx or caddy terminating HTTPS: believe one hop of X-Forwarded-* headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    init_storage(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    init_i18n(app)
    init_api(app)

    app.register_blueprint(auth_bp)
    app.register_blueprint(devices_bp)
    app.register_blueprint(labels_bp)
    for blueprint in lending_blueprints:
        app.register_blueprint(blueprint)
    app.register_blueprint(maintenance_bp)
    app.register_blueprint(fund_bp)
    app.register_blueprint(impact_bp)
    app.register_blueprint(donor_papers_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(dashboard_bp)
    # Each domain hooks into the others through named signals (devices/signals.py).
    for hooks in (device_hooks, lending_hooks, maintenance_hooks, fund_hooks):
        hooks.connect(app)
    for blp in (auth_api_bp, devices_api_bp, lending_api_bp, fund_api_bp, maintenance_api_bp, reports_api_bp,
                privacy_api_bp, consent_api_bp):
        api.register_blueprint(blp)
        # The API authenticates by bearer token only, never by cookie: no CSRF needed.
        csrf.exempt(blp)

    register_error_handlers(app)
    core_cli.register(app)
    backup_cli.register(app)
    demo_cli.register(app)
    lending_cli.register(app)

    @app.before_request
    def _start():
        current_request_id()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.is_secure and app.config["HSTS_MAX_AGE"]:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_MAX_AGE']}")
        if request.endpoint != "static" and not response.cache_control.private:
            # Pages, PDFs and API answers may hold personal data: no browser or proxy keeps a copy.
            # Only an answer the view marked private itself (a device's label) may be kept a while.
            response.headers["Cache-Control"] = "no-store"
        if response.mimetype == "text/html":
            # Pages follow the browser's language until the user chooses one (core.i18n).
            response.vary.add("Accept-Language")
        return response

    @app.context_processor
    def _center():
        return {"center": {"name_th": app.config["CENTER_NAME_TH"], "name_en": app.config["CENTER_NAME_EN"],
                           "phone": app.config["CENTER_PHONE"]}}

    return app
