"""Browser tests: the app served for real and driven by Debian's headless Chromium.

One live server for all the browser tests (``live_server``): the app on a SQLite file with the
demo data set (``flask demo-data``), served by werkzeug in a daemon thread with CSRF on, as
in production. Playwright's Python package drives ``/usr/bin/chromium`` (``make
system-deps`` installs it); it never downloads a browser of its own. Without Chromium or
Playwright these tests skip with the reason.

What a test gets:

- ``page``: a new browser context and page, phone-sized by default; parametrize it
  indirectly for other sizes (``@pytest.mark.parametrize("page", ["desktop"], indirect=True)``).
  The page is watched: console errors, uncaught exceptions, Content-Security-Policy
  violations and server exceptions fail the test at teardown (``problems(page)`` lists them;
  clear that list to forgive one you expect).
- ``new_page(viewport="phone", user=None, lang="th", shared=False)``: more pages, already
  logged in as a demo user (or anonymous) in the given language; ``shared`` reuses a context
  kept for the same user, language and size (the sweep does, to stay fast).
- ``login(page, username, lang="th")``: log in through the login form.
- ``set_language(page, lang)``: switch language through the header's language form.
- ``axe(page)``: run axe-core's WCAG 2.2 A/AA rules on the page, fail listing the violations.
- ``camera_page(video)``: a staff page whose camera films ``video`` (``browser.camera.y4m_of``
  makes one of a label), in a Chromium of its own (``camera``).
- ``live_server.url_for(endpoint, **values)``, ``live_server.demo`` (tags, ids and tokens
  picked from the demo data, see :class:`Demo`), ``live_server.app`` for database checks.

All demo users share the password ``bansuan-demo``. The data are shared by all the browser tests:
a test that changes the state of a demo object should make its own (through the pages)
rather than use one from ``live_server.demo``, which other tests expect unchanged.
"""
from __future__ import annotations

import dataclasses
import os
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import got_request_exception, url_for
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from browser.camera import Camera
from core.db import db
from core.users import User
from demo.catalog import DEMO_PASSWORD
from devices.models import Device
from fixtures.core import build_app, with_demo_data
from fund.models import Donation, Donor
from lending.models import LendingRequest, Loan
from maintenance.models import OPEN_STATES, WorkOrder

try:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the skip reason says what to install
    sync_playwright = None
    PlaywrightError = Exception

CHROMIUM = Path("/usr/bin/chromium")
# The machines have no network: keep Chromium from trying to reach Google's services.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
AXE_JS = Path(__file__).resolve().parent / "vendor/axe-core-4.14.1/axe.min.js"  # tests only, never served
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Reported to the page's console by every page of a watched context.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline code"}`
                + ` (${e.sourceFile || document.location.href}:${e.lineNumber})`);
});
"""


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


# --- the live server ------------------------------------------------------------------------

@dataclasses.dataclass
class Demo:
    """Objects of the demo data set that the pages are opened with (tags, ids, tokens)."""

    tags: dict[str, str]              # device status ("available", "on_loan", ...) -> a tag
    requests: dict[str, int]          # request status ("submitted", ...) -> a request id
    type_code: str
    person_id: int                    # the borrower of ``open_loan_id``
    open_loan_id: int
    closed_loan_id: int
    open_order_id: int                # a work order in progress, with parts
    order_tag: str                    # a device with an open work order
    donor_id: int                     # the donor company of the ``donor`` login
    share_token: str                  # that donor's secret impact link
    donation_id: int


def _pick_demo() -> Demo:
    def first(query):
        value = db.session.scalar(query.limit(1))
        assert value is not None, f"the demo data have no row for {query}"
        return value

    tags = {}
    for device in db.session.scalars(select(Device).order_by(Device.tag)):
        tags.setdefault(device.status.value, device.tag)
    requests = {}
    for req in db.session.scalars(select(LendingRequest).order_by(LendingRequest.id)):
        requests.setdefault(req.status.value, req.id)
    open_loan = first(select(Loan).where(Loan.returned_at.is_(None)).order_by(Loan.id))
    order = first(select(WorkOrder).where(WorkOrder.status.in_(OPEN_STATES), WorkOrder.parts.any())
                  .order_by(WorkOrder.id))
    donor = first(select(Donor).where(Donor.user_id.is_not(None)).order_by(Donor.id))
    return Demo(
        tags=tags, requests=requests, type_code="WC", person_id=open_loan.person_id, open_loan_id=open_loan.id,
        closed_loan_id=first(select(Loan.id).where(Loan.returned_at.is_not(None)).order_by(Loan.id)),
        open_order_id=order.id, order_tag=order.device.tag, donor_id=donor.id, share_token=donor.share_token,
        donation_id=first(select(Donation.id).order_by(Donation.id)))


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per request would bury the test output
        pass


class LiveServer:
    """The app served on a free local port, with the demo data loaded."""

    def __init__(self, db_path: Path):
        self.app = build_app(f"sqlite:///{db_path}", WTF_CSRF_ENABLED=True, PROPAGATE_EXCEPTIONS=False)
        with_demo_data(self.app)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.app.config["BASE_URL"] = self.url
        self.errors: list[str] = []  # exceptions the app raised while serving
        got_request_exception.connect(self._record_error, self.app)
        with self.app.app_context():
            self.demo = _pick_demo()
        self._thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def _record_error(self, sender, exception, **extra):
        self.errors.append(f"server error: {type(exception).__name__}: {exception}")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)
        got_request_exception.disconnect(self._record_error, self.app)
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()

    def url_for(self, endpoint: str, **values) -> str:
        """The absolute URL of an endpoint on the live server."""
        with self.app.test_request_context(base_url=self.url):
            return url_for(endpoint, _external=True, **values)

    def set_locale(self, username: str, lang: str | None) -> None:
        """Save a user's language directly (what the language form does for a logged-in user)."""
        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            if user.locale != lang:
                user.locale = lang
                db.session.commit()


@pytest.fixture(scope="package")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live") / "live.db")
    server.start()
    yield server
    server.stop()


# --- the browser ----------------------------------------------------------------------------

@pytest.fixture(scope="package")
def browser():
    """Headless Chromium, shared by the browser tests."""
    if sync_playwright is None:
        pytest.skip("Playwright is not installed (pip install -r requirements-dev.txt)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: `make system-deps` installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclasses.dataclass
class Watch:
    """What went wrong on a page: console errors, uncaught exceptions, CSP violations."""

    problems: list[str] = dataclasses.field(default_factory=list)
    documents: set[str] = dataclasses.field(default_factory=set)

    def attach(self, page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught exception: {exc}"))
        page.on("response", self._response)

    def _response(self, response) -> None:
        if response.request.resource_type == "document":
            self.documents.add(response.url)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        # Chromium logs every 4xx/5xx response, pages too: a form sent back with its errors
        # (422) or an error page is what some tests want. The tests check each page's status.
        if message.text.startswith("Failed to load resource") and url in self.documents:
            return
        self.problems.append(f"console error: {message.text} ({url})")


_WATCHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def problems(page) -> list[str]:
    """The console errors, uncaught exceptions and CSP violations seen on a watched page."""
    return _WATCHES[page].problems


@pytest.fixture(scope="package")
def _states(browser, live_server):
    """Storage states (cookies) per demo user or, for anonymous visitors, per language."""
    cache: dict[tuple[str | None, str], dict] = {}

    def state(user: str | None, lang: str) -> dict:
        key = (user, lang if user is None else "")
        if key not in cache:
            context = browser.new_context()
            page = context.new_page()
            if user is None:
                page.goto(live_server.url_for("auth.login"))
                set_language(page, lang)
            else:
                login_as(page, live_server, user)
            cache[key] = context.storage_state()
            context.close()
        return cache[key]

    return state


@pytest.fixture(scope="package")
def _shared_contexts(browser):
    contexts: dict[tuple, object] = {}
    yield contexts
    for context in contexts.values():
        context.close()


@pytest.fixture
def new_page(browser, live_server, _states, _shared_contexts):
    """``new_page(viewport="phone", user=None, lang="th", shared=False)``: a watched page.

    ``user`` is a demo username (logged in) or None (anonymous); ``viewport`` a name from
    ``VIEWPORTS`` or a ``{"width", "height"}`` dict. The page has a browser context of its
    own, unless ``shared``: then it opens in a context kept for other tests with the same
    user, language and viewport (faster, for tests that change no cookies). Every page is
    checked at teardown.
    """
    contexts, pages, watches = [], [], []

    def _new(viewport="phone", user: str | None = None, lang: str = "th", shared: bool = False):
        size = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
        if user is not None:
            live_server.set_locale(user, lang)
        key = (user, lang, size["width"], size["height"])
        context = _shared_contexts.get(key) if shared else None
        if context is None:
            context = browser.new_context(viewport=size, locale="th-TH" if lang == "th" else "en-US",
                                          storage_state=_states(user, lang) if user or lang != "th" else None)
            context.add_init_script(CSP_LISTENER)
            if shared:
                _shared_contexts[key] = context
            else:
                contexts.append(context)
        page = context.new_page()
        pages.append(page)
        watch = Watch()
        watch.attach(page)
        _WATCHES[page] = watch
        watches.append(watch)
        return page

    live_server.errors.clear()
    yield _new
    for page in pages:
        page.close()
    for context in contexts:
        context.close()
    seen = [p for w in watches for p in w.problems] + live_server.errors
    assert not seen, "problems on the page:\n  " + "\n  ".join(seen)


@pytest.fixture
def page(request, new_page):
    """A watched anonymous page in Thai; ``indirect`` parameter: the viewport (default phone)."""
    return new_page(getattr(request, "param", "phone"))


# --- helpers --------------------------------------------------------------------------------

def set_language(page, lang: str) -> None:
    """Choose ``lang`` with the header's language form, unless the page is in it already."""
    if page.locator("html").get_attribute("lang") == lang:
        return
    button = page.locator(f'form button[name="lang"][value="{lang}"]')
    with page.expect_navigation():
        # The form may sit in a collapsed menu on a phone: send it the way its button would.
        button.evaluate("b => b.form.requestSubmit(b)")
    assert page.locator("html").get_attribute("lang") == lang


def login_as(page, live_server, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(live_server.url_for("auth.login"))
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.locator('main form button[type="submit"]').click()
    assert "/login" not in page.url, f"could not log in as {username}"


@pytest.fixture
def login(live_server) -> Callable:
    """``login(page, username, lang="th")``: log in through the login form, then set the language."""

    def _login(page, username: str, lang: str = "th", password: str = DEMO_PASSWORD):
        login_as(page, live_server, username, password)
        set_language(page, lang)
        return page

    return _login


@pytest.fixture(scope="package")  # as the shared browser
def camera(browser, tmp_path_factory):
    """The Chromium with a fake camera (``browser.camera``)."""
    found = Camera(browser, tmp_path_factory.mktemp("camera"), CHROMIUM, CHROMIUM_ARGS)
    yield found
    found.chromium.close()


@pytest.fixture
def camera_page(camera, live_server):
    """``camera_page(video, viewport=VIEWPORTS["phone"])``: a staff page, in Thai, whose camera
    films ``video`` (Y4M bytes). Watched like ``new_page``'s pages."""
    contexts, watches = [], []

    def _open(video: bytes, viewport=VIEWPORTS["phone"]):
        camera.film(video)
        context = camera.chromium.new_context(viewport=viewport, locale="th-TH")
        contexts.append(context)
        context.grant_permissions(["camera"], origin=live_server.url)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()
        watch = Watch()
        watch.attach(page)
        watches.append(watch)
        live_server.set_locale("staff", "th")
        login_as(page, live_server, "staff")
        return page

    live_server.errors.clear()
    yield _open
    for context in contexts:
        context.close()
    seen = [p for w in watches for p in w.problems] + live_server.errors
    assert not seen, "problems on the page:\n  " + "\n  ".join(seen)


def run_axe(page) -> list[dict]:
    """axe-core's WCAG 2.2 A and AA violations on the page as it is now."""
    # Evaluated through the DevTools protocol, which the page's CSP does not govern; a
    # <script> tag would be refused by ``script-src 'self'`` (and a CSP bypass would hide
    # the violations the tests look for).
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    return page.evaluate(
        """async (tags) => {
          const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
          return results.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
            nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary}))}));
        }""", WCAG_TAGS)


_AXE_SOURCE: list[str] = []


def _axe_source() -> str:
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE_JS.read_text(encoding="utf-8"))
    return _AXE_SOURCE[0]


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"    {node['target']}")
            lines.extend(f"        {line}" for line in node["summary"].splitlines()[:4])
        if len(v["nodes"]) > 8:
            lines.append(f"    ... and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


@pytest.fixture
def axe() -> Callable:
    """``axe(page)``: fail, listing rule, impact, elements and help, if axe finds violations."""

    def _axe(page, label: str = ""):
        violations = run_axe(page)
        assert not violations, (f"axe-core found WCAG 2.2 A/AA violations on {label or page.url}:\n"
                                + format_violations(violations))
        return violations

    return _axe
