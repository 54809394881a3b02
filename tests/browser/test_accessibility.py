"""The accessibility sweep: every page, as the role that uses it, in Thai and in English, at a
phone's width and at a desktop's, has no WCAG 2.2 A/AA violation that axe-core finds, no console
error and no Content-Security-Policy violation.

The pages come from the URL map: every GET route, its arguments filled from the demo data
(``live_server.demo``), opened as a demo user holding a role the route allows. On top of
those: the scan page as each kind of visitor, a request in each state, the error pages and
the forms sent back with their errors after an empty submit.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from browser.conftest import VIEWPORTS, format_violations, problems, run_axe
from core.auth import access_of
from fixtures.core import build_app

# Routes that are not HTML pages, or only redirect to one that the sweep opens anyway.
NOT_PAGES = {
    "static": "static files",
    "labels.label_png_view": "PNG image",
    "labels.sheet": "PDF",
    "loans.agreement": "PDF",
    "loans.photo": "image",
    "fund.receipt": "PDF",
    "reports.report_xlsx": "Excel workbook",
    "reports.annual_pdf": "PDF",
    "reports.report_csv": "CSV",
    "donor_papers.donor_statement": "PDF",
    "donor_papers.own_receipt": "PDF",
    "donor_papers.own_statement": "PDF",
    "donor_papers.summary_pdf": "PDF",
    "privacy.access_log_csv": "CSV",
    "privacy.export_person": "JSON",
    "loans.device_follow_up": "redirects to loans.follow_up",
    "requests.reserve_device": "redirects to requests.waitlist",
    "maintenance.device_work": "redirects to the device's open work order, or back to its scan page",
}
# Who opens a page that several roles may use: the blueprint's own role if the route allows
# it, else the first of ROLE_ORDER that it allows.
BLUEPRINT_ROLE = {"maintenance": "maintenance", "fund": "treasurer", "impact": "donor"}
ROLE_ORDER = ["staff", "assessor", "supervisor", "maintenance", "treasurer", "donor", "admin"]
# Routes whose pages need an object in a particular state.
VALUES_BY_ENDPOINT = {
    "loans.deliver": lambda d: {"tag": d.tags["reserved"]},
    "loans.receive_return": lambda d: {"tag": d.tags["on_loan"]},
    "devices.scan": lambda d: {"tag": d.tags["on_loan"]},
    "requests.assessment": lambda d: {"request_id": d.requests["assessment_scheduled"]},
}
VALUES_BY_NAME = {
    "tag": lambda d: d.tags["available"],
    "code": lambda d: d.type_code,
    "person_id": lambda d: d.person_id,
    "loan_id": lambda d: d.open_loan_id,
    "request_id": lambda d: d.requests["submitted"],
    "order_id": lambda d: d.open_order_id,
    "donor_id": lambda d: d.donor_id,
    "donation_id": lambda d: d.donation_id,
    "token": lambda d: d.share_token,
    "key": lambda d: "outcomes",
}
# Forms whose empty submit must fail validation (so that the sweep changes no data).
EMPTY_SUBMITS = ["auth.login", "auth.change_password", "people.person_new", "people.person_edit", "devices.type_new",
                 "devices.type_edit",
                 "fund.donor_new", "fund.donation_new", "fund.in_kind_new", "fund.purchase_new",
                 "requests.assessment", "loans.follow_up", "loans.deliver"]
# Who looks at a request in each state.
REQUEST_READERS = {"submitted": "staff", "assessment_scheduled": "assessor", "assessed": "supervisor",
                   "approved": "staff", "rejected": "supervisor", "waitlisted": "staff", "reserved": "staff",
                   "delivered": "staff", "closed": "staff", "cancelled": "staff"}


@dataclasses.dataclass(frozen=True)
class Case:
    endpoint: str
    user: str | None                      # a demo username, None for an anonymous visitor
    values: tuple = ()                    # (argument, function of the Demo giving the sample)
    query: str | Callable = ""           # or a function of the Demo giving the query string
    path: str = ""                        # instead of the endpoint, for pages no route serves
    status: int = 200
    redirect_to: str = ""                 # the endpoint the visitor lands on instead
    empty_submit: bool = False
    name: str = ""

    def __str__(self):
        return self.name or f"{self.endpoint}-{self.user or 'anonymous'}"

    def url(self, live_server) -> str:
        if self.path:
            return live_server.url + self.path
        demo, given = live_server.demo, dict(self.values)
        if self.endpoint not in live_server.app.view_functions:
            pytest.fail(f"no route {self.endpoint} any more: update its case in tests/browser/test_accessibility.py")
        rule = next(live_server.app.url_map.iter_rules(self.endpoint))
        by_endpoint = VALUES_BY_ENDPOINT.get(self.endpoint, lambda d: {})(demo)
        values = {}
        for argument in rule.arguments:
            if argument in given:
                values[argument] = given[argument](demo)
            elif argument in by_endpoint:
                values[argument] = by_endpoint[argument]
            elif argument in VALUES_BY_NAME:
                values[argument] = VALUES_BY_NAME[argument](demo)
            else:
                pytest.fail(f"no demo sample for <{argument}> of {self.endpoint}: add one to VALUES_BY_NAME or "
                            "VALUES_BY_ENDPOINT in tests/browser/test_accessibility.py (and to Demo if needed)")
        query = self.query(demo) if callable(self.query) else self.query
        return live_server.url_for(self.endpoint, **values) + query


def user_for(endpoint: str, roles: tuple[str, ...]) -> str | None:
    if "public" in roles:
        return None
    own = BLUEPRINT_ROLE.get(endpoint.partition(".")[0])
    return own if own in roles else next(role for role in ROLE_ORDER if role in roles)


def cases(app) -> list[Case]:
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.rule.startswith("/api/") or rule.endpoint in NOT_PAGES:
            continue
        roles = access_of(app.view_functions[rule.endpoint]) or ()
        user = user_for(rule.endpoint, roles)
        found.append(Case(rule.endpoint, user))
        if rule.endpoint in EMPTY_SUBMITS:
            found.append(Case(rule.endpoint, user, empty_submit=True, status=422,
                              name=f"{rule.endpoint}-errors"))
    home = next(c for c in found if c.endpoint == "auth.home")
    found.remove(home)  # anonymous visitors are sent to the login page
    # A technician's and a home visitor's home is their own list (covered by its route).
    found += [Case("auth.home", user, name=f"home-{user}") for user in ("staff", "treasurer", "donor")]
    # The head of center's home is the dashboard.
    found.append(Case("auth.home", "supervisor", redirect_to="dashboard.dashboard_page", name="home-supervisor"))
    found += [
        Case("devices.scan", None, (("tag", lambda d: d.tags["available"]),), name="scan-public"),
        Case("devices.scan", "staff", (("tag", lambda d: d.tags["reserved"]),), name="scan-staff-reserved"),
        Case("devices.scan", "staff", (("tag", lambda d: d.tags["available"]),), name="scan-staff-available"),
        Case("devices.scan", "staff", (("tag", lambda d: d.tags["returned"]),), name="scan-staff-returned"),
        Case("devices.scan", "staff", (("tag", lambda d: d.tags["retired"]),), name="scan-staff-retired"),
        Case("devices.scan", None, (("tag", lambda d: d.tags["retired"]),), name="scan-public-retired"),
        Case("devices.scan", "maintenance", (("tag", lambda d: d.order_tag),), name="scan-maintenance"),
        Case("loans.loan_view", "staff", (("loan_id", lambda d: d.closed_loan_id),), name="loan-closed"),
        Case("requests.request_new", "staff", query="?q=%E0%B8%99", name="request-new-search"),
        Case("requests.request_new", "staff", query=lambda d: f"?person_id={d.person_id}", name="request-new-person"),
        Case("maintenance.retirements", "supervisor", name="retirements-supervisor"),
        Case("maintenance.service_due_list", "staff", name="service-due-staff"),
        Case("impact.center", "donor", name="impact-center-donor"),
        Case("reports.report_page", "staff", (("key", lambda d: "service"),), name="report-service"),
        Case("reports.report_page", "treasurer", (("key", lambda d: "fund"),), query="?compare=1",
             name="report-fund"),
        Case("dashboard.dashboard_page", "treasurer", name="dashboard-treasurer"),
        Case("devices.device_list", None, redirect_to="auth.login", name="login-to-continue"),
        Case("devices.device_list", "donor", status=403, name="error-403"),
        Case("", None, path="/no-such-page", status=404, name="error-404"),
        Case("", "staff", path="/devices/BS-XX-99999", status=404, name="error-404-staff"),
    ]
    found += [Case("requests.request_view", user, (("request_id", lambda d, s=state: d.requests[s]),),
                   name=f"request-{state}") for state, user in REQUEST_READERS.items()]
    return found


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        app = build_app("sqlite://", create_schema=False)
        found = cases(app)
        metafunc.parametrize("case", found, ids=[str(c) for c in found])


def submit_empty(page):
    """Empty the text fields of the page's form and send it, past the browser's own checks.

    Returns the response to the form.
    """
    form = page.locator("main form[method='post' i]").first
    form.evaluate("""(f) => {
      f.noValidate = true;
      for (const el of f.elements) {
        const text = el.tagName === "TEXTAREA" || ["text", "password", "date", "number", "email", "tel", "search"]
          .includes(el.type);
        if (text && !el.readOnly) el.value = "";
      }
    }""")
    with page.expect_navigation() as navigation:
        form.locator("button[type='submit'], button:not([type])").last.click()
    return navigation.value


def check_error_summary(page) -> None:
    """The summary has the focus, and each of its links leads to a field marked invalid."""
    assert page.evaluate("document.activeElement.classList.contains('error-summary')"), "the summary is not focused"
    for href in page.locator(".error-summary a").evaluate_all("links => links.map((a) => a.getAttribute('href'))"):
        assert href.startswith("#"), href
        target = page.locator(f"[id='{href[1:]}']")
        assert target.count() == 1, f"the error summary links to {href}, which is not on the page"
        assert target.get_attribute("aria-invalid") == "true", f"{href} is not marked aria-invalid"


@pytest.mark.parametrize("lang", ["th", "en"])
def test_page_is_accessible(case, lang, new_page, live_server, axe):
    # Opened on a phone, then checked again with the window widened to a desktop's: one
    # page load for both widths keeps the sweep within a few minutes.
    page = new_page("phone", user=case.user, lang=lang, shared=True)
    url = case.url(live_server)
    response = page.goto(url)
    if case.empty_submit:
        assert response.status == 200, f"{url}: {response.status}"
        response = submit_empty(page)
        assert page.locator(".error-summary").count() == 1, f"{url}: the empty form was accepted"
        check_error_summary(page)
    assert response.status == case.status, f"{url}: {response.status}"
    if case.redirect_to:
        assert urlsplit(page.url).path == urlsplit(live_server.url_for(case.redirect_to)).path
    else:
        assert urlsplit(page.url).path == urlsplit(url).path, f"{url} redirected to {page.url}"
    assert page.evaluate("document.contentType") == "text/html", f"{url} is not an HTML page: see NOT_PAGES"
    assert page.locator("html").get_attribute("lang") == lang
    # Colour is never the only signal: every status badge says its status in words.
    assert page.locator(".badge").evaluate_all("bs => bs.filter((b) => !b.innerText.trim()).length") == 0
    for viewport in VIEWPORTS:
        page.set_viewport_size(VIEWPORTS[viewport])
        axe(page, f"{case} ({lang}, {viewport}) {page.url}")
        # WCAG 1.4.10 Reflow: no sideways scrolling of the page (a wide table scrolls in its own box).
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{case} ({lang}, {viewport}) scrolls sideways by {overflow}px"
    # A small phone, 360 px wide: no sideways scrolling either (axe's rules do not depend on the width).
    page.set_viewport_size({"width": 360, "height": 740})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{case} ({lang}, 360 px) scrolls sideways by {overflow}px"


def test_watch_catches_csp_violations_and_console_errors(new_page, live_server):
    """The sweep's other checks can fail too: an inline script is refused and reported."""
    page = new_page("phone")
    page.goto(live_server.url_for("auth.login"))
    page.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "window.ran = true";
      document.body.append(script);
      console.error("something broke");
    }""")
    for _ in range(100):  # the violation is reported a moment later
        found = "\n".join(problems(page))
        if "CSP violation" in found:
            break
        page.wait_for_timeout(20)
    assert "CSP violation: script-src" in found and "something broke" in found, found
    assert page.evaluate("window.ran") is None
    problems(page).clear()


def test_axe_finds_violations(new_page, live_server):
    """The sweep can fail: axe reports an unlabelled field and a low-contrast text."""
    page = new_page("phone")
    page.goto(live_server.url_for("auth.login"))
    page.evaluate("""() => {
      const input = document.createElement("input");
      document.querySelector("main").append(input);
      const faint = document.createElement("p");
      faint.textContent = "faint";
      faint.style.color = "#ddd";
      document.querySelector("main").append(faint);
    }""")
    found = {v["id"] for v in run_axe(page)}
    assert {"label", "color-contrast"} <= found, format_violations(run_axe(page))


@pytest.mark.parametrize("lang", ["th", "en"])
def test_form_errors_are_announced(new_page, live_server, lang):
    """An empty login form comes back with the focus on a summary that says what is wrong."""
    page = new_page("phone", lang=lang)
    page.goto(live_server.url_for("auth.login"))
    with page.expect_navigation() as sent:
        page.locator("main form button[type='submit']").click()
    assert sent.value.status == 422
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement === document.querySelector('.error-summary')")
    for name in ("username", "password"):
        field = page.locator(f"#{name}")
        assert field.get_attribute("aria-invalid") == "true"
        described = " ".join(page.locator(f"[id='{i}']").inner_text()
                              for i in field.get_attribute("aria-describedby").split())
        error = page.locator(f"#{name}-error").inner_text().lstrip("⚠ ")
        assert error and error in described
        assert error in summary.inner_text()
    # The summary's link takes the keyboard user to the field.
    summary.locator("a[href='#username']").click()
    assert page.evaluate("document.activeElement.id") == "username"


def tab_through(page, presses: int = 40) -> tuple[set[str], list[str]]:
    """Press Tab; return the elements reached and those that showed no focus indicator."""
    seen, invisible = set(), []
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
          const el = document.activeElement, style = getComputedStyle(el);
          return {what: el.outerHTML.slice(0, 80), shadow: style.boxShadow !== "none",
                  outline: style.outlineStyle !== "none" ? parseFloat(style.outlineWidth) : 0};
        }""")
        if focused["what"] in seen or focused["what"].startswith("<body"):
            continue
        seen.add(focused["what"])
        if focused["outline"] < 2 and not focused["shadow"]:
            invisible.append(focused["what"])
    return seen, invisible


@pytest.fixture
def busy_page(new_page, live_server):
    page = new_page("desktop", user="staff")
    page.goto(live_server.url_for("devices.scan", tag=live_server.demo.tags["on_loan"]))
    return page


def test_focus_is_visible(busy_page):
    """Every element the Tab key reaches on a busy page shows a clear focus indicator."""
    seen, invisible = tab_through(busy_page)
    assert len(seen) > 5
    assert not invisible, "no visible focus on:\n  " + "\n  ".join(invisible)


def test_focus_check_can_fail(busy_page):
    # A rule that hides focus, added through the CSSOM (the CSP refuses a <style> element).
    busy_page.evaluate("""() => document.styleSheets[document.styleSheets.length - 1]
      .insertRule("*:focus, *:focus-visible { outline: none !important; box-shadow: none !important }")""")
    _seen, invisible = tab_through(busy_page, presses=5)
    assert invisible
