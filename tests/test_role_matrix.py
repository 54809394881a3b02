"""The role matrix: every route of the URL map, as anonymous, every role and the wrong donor.

Each view declares who may use it (``@require_role(...)`` or ``@public``, core/auth.py); this
test holds every answer to that declaration, on a small world with one object of each kind:

- GET: anonymous on a page is sent to the login page, on the API gets a 401; a role outside
  the policy gets a 403; a role inside it gets neither, and never a 5xx.
- POST, PUT, PATCH, DELETE: only the refusals (anonymous and roles outside the policy), and
  that nothing was written. The allowed writes are the domain tests' business.
- The wrong donor (a second donor's login) and anonymous callers never see the first donor's
  data, on any route but the one the donor shares by link (``SHARED_BY_LINK``).

A route whose policy is finer than a role (a donor sees only their own impact) has an entry
in ``FINER``. A new route needs nothing here when its arguments are in ``ARGUMENTS``; a new
argument name, or a view with no declared policy, fails ``test_every_route_is_in_the_matrix``
with the line to add.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import func, literal, select, union_all

from core import images
from core.audit import AuditEvent
from core.auth import access_of
from core.db import db
from core.users import Role, User, create_user, issue_token
from devices import services as device_services
from devices.models import Condition, ReportKind
from fixtures.core import build_app
from fixtures.devices import new_type
from fixtures.lending import approved_request, lend
from fixtures.users import make_actors
from fund.models import PaymentMethod
from fund.services import donations, ledger
from lending.services import care, loans, people, pipeline, waitlist
from privacy.services import requests as subject_requests
from reports import catalog, periods
from reports.steps import STEPS as REPORT_STEPS
from reports.views import READERS as REPORT_READERS
from maintenance.models import RetirementKind, WorkKind
from maintenance.services import orders, retirement

ANONYMOUS, WRONG_DONOR = "anonymous", "wrong_donor"
ACTORS = (ANONYMOUS, *(role.value for role in Role), WRONG_DONOR)   # Role.DONOR is the right donor
WRITES = ("POST", "PUT", "PATCH", "DELETE")
DONOR_NAME = "มูลนิธิสายรุ้งเมตตา"      # the right donor's data: never in the wrong donor's answers
DONOR_EMAIL = "rainbow-donor@example.org"

# The value of each URL argument: a key of the world (``World.values``).
ARGUMENTS = {
    "tag": "device_on_loan",
    "code": "type_code",
    "loan_id": "loan",
    "person_id": "person",
    "request_id": "request_submitted",
    "order_id": "work_order",
    "report_id": "problem_report",
    "referral_id": "referral",
    "donor_id": "donor",
    "donation_id": "donation",
    "entry_id": "entry",
    "username": "username",
    "token": "share_token",
    "filename": "static_file",
    "key": "report_key",
}
# Routes whose arguments name another object than ARGUMENTS gives (the page needs that state).
ENDPOINT_ARGUMENTS = {
    "loans.deliver": {"tag": "device_reserved"},
    "requests.reserve_device": {"tag": "device_available"},
    "maintenance.device_work": {"tag": "device_in_repair"},
    "maintenance.retire": {"tag": "device_in_repair"},
    "maintenance.start_service": {"tag": "device_available"},
    "maintenance.decide_retirement": {"request_id": "retirement"},
    "maintenance_api.approve_retirement": {"request_id": "retirement"},
    "maintenance_api.reject_retirement": {"request_id": "retirement"},
    "requests.request_view": {"request_id": "request_delivered"},
    "privacy_api.SubjectRequestItem": {"request_id": "subject_request"},
    "privacy_api.close_request": {"request_id": "subject_request"},
    "privacy.close_request": {"request_id": "subject_request"},
}
# Query arguments a page needs to answer at all (argument -> world key).
QUERY = {"labels.sheet": {"tags": "device_on_loan"}, "reports.report_csv": {"table": "report_table"}}
# Public by nature, though no view declares it: static files and the OpenAPI document.
PUBLIC_BY_NATURE = {"static", "api-docs.openapi_json"}


@dataclass(frozen=True)
class Finer:
    """A policy finer than a role: who, allowed by role, is still refused (403 or 404), and why."""
    why: str
    refused: frozenset[str] = field(default_factory=frozenset)


FINER = {
    ("fund_api.DonorImpact", "GET"): Finer("a donor reads only their own impact", frozenset({WRONG_DONOR})),
    ("impact.mine", "GET"): Finer("a donor's page shows only their own donor (checked: no other donor's data)"),
    ("impact.shared", "GET"): Finer("the page a donor shares by its secret link: whoever holds the link sees it"),
    ("donor_papers.own_receipt", "GET"): Finer("a donor downloads only their own receipts", frozenset({WRONG_DONOR})),
    ("donor_papers.own_statement", "GET"): Finer("a donor's statement is of their own donor only"),
    ("fund_api.DonorStatement", "GET"): Finer("a donor reads only their own statement", frozenset({WRONG_DONOR})),
    ("fund_api.DonorReceipts", "GET"): Finer("a donor reads only their own receipts", frozenset({WRONG_DONOR})),
}
_WORKSHOP = Finer("staff and assessors work only on orders done at the home (an inspection of a device on loan); "
                  "a workshop order is the technicians'", frozenset({Role.STAFF.value, Role.ASSESSOR.value}))
FINER[("maintenance.order_view", "GET")] = FINER[("maintenance.order_view", "POST")] = _WORKSHOP
SHARED_BY_LINK = {"impact.shared"}

# The routes that take a report key read the first report of the catalog; those of the reports'
# readers whose roles may not read that one report are refused by the report's step.
REPORT_KEY = next(iter(catalog.load()), None)
NO_REPORT = ("no report is registered in reports/catalog.py (MODULES): the routes taking a report <key> have "
             "none to read; register one, or these routes cannot be checked")
if REPORT_KEY is not None:
    _refused = frozenset(role.value for role in REPORT_READERS) - {
        role.value for role in REPORT_STEPS.roles(catalog.KINDS[REPORT_KEY].step)}
    if _refused:
        for _endpoint in ("reports.report_page", "reports.report_csv", "reports.report_xlsx",
                          "reports_api.ReportByKey"):
            FINER[(_endpoint, "GET")] = Finer(f"the report {REPORT_KEY} is read only by its step's roles", _refused)


def _rules(app) -> list[tuple[str, str, object]]:
    """(endpoint, method, rule) for every method of every route, HEAD and OPTIONS aside."""
    return sorted(((rule.endpoint, method, rule) for rule in app.url_map.iter_rules()
                   for method in rule.methods - {"HEAD", "OPTIONS"}), key=lambda r: (r[2].rule, r[1]))


def policy_of(app, endpoint: str, method: str) -> tuple[str, ...] | None:
    if endpoint in PUBLIC_BY_NATURE:
        return ("public",)
    view = app.view_functions[endpoint]
    view_class = getattr(view, "view_class", None)
    return access_of(getattr(view_class, method.lower(), None) if view_class is not None else view)


def role_of(actor: str) -> str | None:
    return {ANONYMOUS: None, WRONG_DONOR: Role.DONOR.value}.get(actor, actor)


def allowed(policy: tuple[str, ...], actor: str) -> bool:
    return "public" in policy or role_of(actor) in policy


_MAP_APP = build_app("sqlite://", create_schema=False)   # read for the parameters only; never serves
ROUTES = [(endpoint, method) for endpoint, method, _rule in _rules(_MAP_APP)]
READS = [pytest.param(endpoint, method, actor, id=f"{method} {endpoint} {actor}")
         for endpoint, method in ROUTES if method == "GET" for actor in ACTORS]
REFUSED_WRITES = [pytest.param(endpoint, method, actor, id=f"{method} {endpoint} {actor}")
                  for endpoint, method in ROUTES if method in WRITES for actor in ACTORS
                  if (policy_of(_MAP_APP, endpoint, method) is None
                      or not allowed(policy_of(_MAP_APP, endpoint, method), actor)
                      or actor in FINER.get((endpoint, method), Finer("")).refused)]


@dataclass
class World:
    app: object
    values: dict[str, object]
    clients: dict[str, object]
    tokens: dict[str, str]

    def url(self, endpoint: str, method: str) -> str:
        rule = next(rule for e, m, rule in _rules(self.app) if (e, m) == (endpoint, method))
        names = {**ARGUMENTS, **ENDPOINT_ARGUMENTS.get(endpoint, {})}
        missing = sorted(set(rule.arguments) - names.keys())
        assert not missing, missing_arguments(rule, missing)
        assert "key" not in rule.arguments or self.values["report_key"] is not None, f"{rule.rule}: {NO_REPORT}"
        values = {name: self.values[key] for name, key in {**names, **QUERY.get(endpoint, {})}.items()
                  if name in rule.arguments or name in QUERY.get(endpoint, {})}
        return rule.build(values, append_unknown=True)[1]

    def call(self, actor: str, method: str, url: str, body=None):
        headers = {}
        if url.startswith("/api/") and actor != ANONYMOUS:
            headers["Authorization"] = f"Bearer {self.tokens[actor]}"
        kwargs = {"json": body if body is not None else {}} if url.startswith("/api/") else {"data": body or {}}
        if method == "GET":
            kwargs = {}
        response = self.clients[actor].open(url, method=method, headers=headers, **kwargs)
        response.get_data()   # read it all (a static file is streamed), then let the file go
        response.close()
        return response


def missing_arguments(rule, names) -> str:
    return (f"{rule.rule}: no value for the URL argument(s) {names}. Add to ARGUMENTS in "
            f"tests/test_role_matrix.py, e.g. {', '.join(repr(n) + ': <world key>' for n in names)}, "
            f"making the object in build_world if it is new; world keys: {sorted(WORLD_KEYS)}")


def missing_policy(endpoint: str, method: str) -> str:
    return (f"{method} {endpoint} declares no policy: decorate the view (or its MethodView method) with "
            f"@require_role(...), a steps table's @STEPS.route(...) or @public (core/auth.py)")


WORLD_KEYS = {"device_on_loan", "device_reserved", "device_available", "device_in_repair", "type_code", "loan",
              "person", "request_submitted", "request_delivered", "follow_up", "work_order", "problem_report",
              "retirement", "referral", "donor", "wrong_donor", "donation", "entry", "username", "share_token",
              "static_file", "subject_request", "report_key", "report_table"}


def build_world() -> dict[str, object]:
    """One of each object, made by the services (in the current app context, committed)."""
    actors = make_actors()
    treasurer, staff = actors["treasurer"], actors["staff"]
    device_type = new_type("WC", instructions=[])

    def device():
        return device_services.register_device(device_type, {}, by=None)

    on_loan, reserved, available, in_repair = device(), device(), device(), device()
    loan = lend(actors, on_loan)
    loan.photo, loan.photo_type = images.normalize(_photo(), "photo"), images.MEDIA_TYPE
    follow_up = loans.record_follow_up(loan, {"in_use": True, "condition": Condition.GOOD.value,
                                              "outcome": "stable"}, by=staff)
    waiting = approved_request(actors, first_name="ข")
    waitlist.reserve(waiting, reserved, by=staff)
    submitted = pipeline.submit(people.create_person({"first_name": "ค"}, {"given_by": "ค"}, by=staff),
                                device_type, {"channel": "phone"}, by=staff)
    report = device_services.report_problem(in_repair, ReportKind.PROBLEM, "ล้อหลวม", by=None)
    order = orders.open_order(in_repair, WorkKind.REPAIR, by=actors["maintenance"], problem_report=report)
    retire = retirement.request_retirement(in_repair, RetirementKind.RETIRE, "เก่ามาก", by=actors["maintenance"])
    referral = care.refer(loan.person, "ต้องการเบี้ยความพิการ", by=staff)
    ledger.ensure_chart()
    donor = donations.create_donor({"name": DONOR_NAME, "email": DONOR_EMAIL, "phone": "02-000-1111"}, by=treasurer)
    donor.user = create_user("donor-own", "long-enough", [Role.DONOR])
    wrong = donations.create_donor({"name": "บริษัทอื่น จำกัด"}, by=treasurer)
    wrong.user = create_user(WRONG_DONOR, "long-enough", [Role.DONOR])
    donation = donations.donate_cash(donor, 5_000_00, ledger.GENERAL_FUND, PaymentMethod.TRANSFER, by=treasurer)
    subject_request = subject_requests.receive(loan.person, "access", by=actors["dpo"])
    program_report = catalog.build(REPORT_KEY, periods.current(), by=actors["supervisor"]) if REPORT_KEY else None
    db.session.commit()
    users = {**{role: user.id for role, user in actors.items() if role != Role.DONOR.value},
             Role.DONOR.value: donor.user.id, WRONG_DONOR: wrong.user.id}
    values = {
        "device_on_loan": on_loan.tag, "device_reserved": reserved.tag, "device_available": available.tag,
        "device_in_repair": in_repair.tag, "type_code": device_type.code, "loan": loan.id, "person": loan.person_id,
        "request_submitted": submitted.id, "request_delivered": loan.request_id, "follow_up": follow_up.id,
        "work_order": order.id, "problem_report": report.id, "retirement": retire.id, "referral": referral.id,
        "donor": donor.id, "wrong_donor": wrong.id, "donation": donation.id, "entry": donation.entry_id,
        "username": actors["maintenance"].username, "share_token": donor.share_token, "static_file": "css/app.css",
        "subject_request": subject_request.id,
        "report_key": REPORT_KEY,
        "report_table": program_report.tables[0].key if program_report and program_report.tables else "",
        "users": users}
    assert values.keys() - {"users"} == WORLD_KEYS
    return values


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = build_app(f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'matrix.db'}")
    with app.app_context():
        values = build_world()
        users = values.pop("users")
        tokens = {actor: issue_token(db.session.get(User, user_id))[0] for actor, user_id in users.items()}
        sessions = {actor: db.session.get(User, user_id).get_id() for actor, user_id in users.items()}
        db.session.commit()
    clients = {ANONYMOUS: app.test_client()}
    for actor, session_id in sessions.items():
        clients[actor] = app.test_client()
        with clients[actor].session_transaction() as session:
            session["_user_id"], session["_fresh"] = session_id, True
    yield World(app, values, clients, tokens)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_route_is_in_the_matrix():
    """Every route declares a policy and every URL argument has a value; the message says what to add."""
    problems = []
    for endpoint, method, rule in _rules(_MAP_APP):
        if policy_of(_MAP_APP, endpoint, method) is None:
            problems.append(missing_policy(endpoint, method))
        names = {**ARGUMENTS, **ENDPOINT_ARGUMENTS.get(endpoint, {})}
        if set(rule.arguments) - names.keys():
            problems.append(missing_arguments(rule, sorted(set(rule.arguments) - names.keys())))
        if "key" in rule.arguments and REPORT_KEY is None:
            problems.append(f"{rule.rule}: {NO_REPORT}")
    stale = [key for key in FINER if key not in ROUTES] + [e for e in ENDPOINT_ARGUMENTS if e not in dict(ROUTES)]
    problems += [f"{key}: in FINER or ENDPOINT_ARGUMENTS but no such route; remove it" for key in stale]
    assert not problems, "\n".join(problems)


def test_the_donor_data_looked_for_is_there(world):
    """The right donor and the treasurer do see what the wrong donor must not (so the check can fail)."""
    mine = world.call(Role.DONOR.value, "GET", "/impact")
    books = world.call(Role.TREASURER.value, "GET", f"/fund/donors/{world.values['donor']}")
    assert mine.status_code == books.status_code == 200
    assert leaks_donor(mine) and leaks_donor(books)


def leaks_donor(response) -> bool:
    return DONOR_NAME.encode() in response.data or DONOR_EMAIL.encode() in response.data


@pytest.mark.parametrize("endpoint, method, actor", READS)
def test_reads_answer_as_declared(world, endpoint, method, actor):
    policy = policy_of(world.app, endpoint, method)
    assert policy is not None, missing_policy(endpoint, method)
    url = world.url(endpoint, method)
    response = world.call(actor, method, url)
    status, finer = response.status_code, FINER.get((endpoint, method), Finer(""))
    assert status < 500, (url, actor, status)
    if actor in finer.refused:
        assert status in (403, 404), (url, actor, status, finer.why)
    elif allowed(policy, actor):
        assert status < 400, (url, actor, status, policy)
        if status in (301, 302, 303) and actor != ANONYMOUS:
            assert urlsplit(response.location).path != "/login", (url, actor, "sent to log in again")
    elif actor == ANONYMOUS and url.startswith("/api/"):
        assert status == 401, (url, status)
    elif actor == ANONYMOUS:
        assert status == 302 and urlsplit(response.location).path == "/login", (url, status, response.location)
    else:
        assert status == 403, (url, actor, status, policy)
    if actor in (ANONYMOUS, WRONG_DONOR) and endpoint not in SHARED_BY_LINK:
        assert not leaks_donor(response), (url, actor, "shows another donor's data")


def written() -> dict[str, int]:
    """Rows in every table, and the newest audit event: what a refused write must leave alone."""
    counts = union_all(*(select(literal(table.name), func.count()).select_from(table)
                         for table in db.metadata.sorted_tables))
    rows = dict(db.session.execute(counts).all())
    rows["audit.max_id"] = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    return rows


@pytest.mark.parametrize("endpoint, method, actor", REFUSED_WRITES)
def test_refused_writes_write_nothing(world, endpoint, method, actor):
    policy = policy_of(world.app, endpoint, method)
    assert policy is not None, missing_policy(endpoint, method)
    url = world.url(endpoint, method)
    with world.app.app_context():
        before = written()
    response = world.call(actor, method, url, body={})
    finer = FINER.get((endpoint, method), Finer(""))
    if actor in finer.refused:
        assert response.status_code in (403, 404), (url, actor, response.status_code, finer.why)
    elif actor == ANONYMOUS and url.startswith("/api/"):
        assert response.status_code == 401, (url, response.status_code)
    elif actor == ANONYMOUS:
        assert response.status_code == 302 and urlsplit(response.location).path == "/login", (url, response.status_code)
    else:
        assert response.status_code == 403, (url, actor, response.status_code, policy)
    with world.app.app_context():
        after = written()
    assert after == before, (url, actor, {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v})
