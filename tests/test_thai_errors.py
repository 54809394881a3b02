"""No English on Thai pages: every domain error the app raises speaks the reader's language.

Read from the source: each ``raise`` of a domain error (core.errors and any subclass) in the
app's packages has a lazily translated message, ``_l(...)`` or ``lazy_ngettext(...)``, whose
placeholders are all named and all given; so are its per-field messages in ``errors``, those
written in the raise and those gathered beforehand in the same function
(``errors["x"] = [...]``, ``errors.setdefault("x", []).append(...)``). No bare string, no
f-string, no eager ``_()`` (translated before the reader's language is known), except the
machine codes kept for API clients (``errors["state"]``, ``errors["holds"]`` and
InvalidTransition's current state).
"""
from __future__ import annotations

import ast
import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from marshmallow import Schema, fields, validate

from core import input_messages
from core.db import db
from core.errors import MACHINE_CODES, DomainError, InvalidTransition, readable_messages
from devices import services as devices
from devices.models import ReportKind
from fixtures.lending import ADL_HOME_BOUND, PERSON, national_id
from maintenance.services import orders
from maintenance.models import WorkKind

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "devices", "lending", "maintenance", "fund", "labels", "reports", "demo")
LAZY = {"_l": 1, "lazy_ngettext": 2}  # the lazy translations and how many msgids each takes
IMPORTS = {"_l": "lazy_gettext", "lazy_ngettext": "lazy_ngettext"}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([a-zA-Z%])")
COLLECTING = ("append", "extend", "insert", "update", "setdefault")


def _subclasses(cls) -> set[str]:
    return {cls.__name__}.union(*(_subclasses(sub) for sub in cls.__subclasses__()))


DOMAIN_ERRORS = _subclasses(DomainError)        # the app is imported (conftest): its own subclasses too
STATE_FIRST = _subclasses(InvalidTransition)    # InvalidTransition(message, current_state)


def _name(node: ast.AST) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _is_lazy(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and _name(node.func) in LAZY


def _root(node: ast.AST) -> str | None:
    """The variable an expression starts from: ``errors`` in ``errors.setdefault("x", []).append``."""
    while isinstance(node, (ast.Subscript, ast.Attribute, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _machine_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in MACHINE_CODES


def bare_texts(node: ast.AST) -> list[str]:
    """Text a person would read that is not lazily translated, in an expression."""
    if _is_lazy(node):
        return []
    if isinstance(node, ast.JoinedStr):
        return [ast.unparse(node)]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Dict):  # keys name fields; machine codes stay as they are
        return [text for key, value in zip(node.keys, node.values, strict=True)
                if not _machine_key(key) for text in bare_texts(value)]
    if isinstance(node, ast.Subscript):  # row["name"]: the key is no message
        return bare_texts(node.value)
    return [text for child in ast.iter_child_nodes(node) for text in bare_texts(child)]


def lazy_problems(call: ast.Call) -> list[str]:
    """A lazy translation whose msgid is not a literal, or whose placeholders are not named and given."""
    count = LAZY[_name(call.func)]
    msgids = call.args[:count]
    if len(msgids) < count or not all(isinstance(m, ast.Constant) and isinstance(m.value, str) for m in msgids):
        return [f"not a literal message: {ast.unparse(call)[:60]}"]
    given = {k.arg for k in call.keywords}
    if None in given:
        return [f"parameters passed as **: {ast.unparse(call)[:60]}"]
    used: set[str] = set()
    for msgid in msgids:
        for found in PLACEHOLDER.finditer(msgid.value):
            if found.group(2) == "%":
                continue
            if found.group(1) is None:
                return [f"unnamed placeholder in {msgid.value!r}"]
            used.add(found.group(1))
    if count == 2:
        used.discard("num")  # lazy_ngettext fills %(num)d from its count
    if used != given:
        return [f"placeholders {sorted(used)} but parameters {sorted(given)} in {msgids[0].value!r}"]
    return []


def _gathered(scope: ast.AST, variable: str) -> Iterator[ast.AST]:
    """What a function puts into ``variable`` before raising with it (machine codes left out)."""
    for node in ast.walk(scope):
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if _root(target) == variable and not (isinstance(target, ast.Subscript) and _machine_key(target.slice)):
                    yield node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in COLLECTING and _root(node.func) == variable:
            if node.func.attr == "setdefault":
                if not (node.args and _machine_key(node.args[0])):
                    yield from node.args[1:]
                continue
            inner = node.func.value
            if isinstance(inner, ast.Call) and _name(inner.func) == "setdefault" and inner.args and \
                    _machine_key(inner.args[0]):
                continue
            yield from node.args


def raise_problems(source: str, errors: set[str] = DOMAIN_ERRORS) -> Iterator[tuple[int, str]]:
    """(line, problem) for each raise of a domain error in ``source`` that is not wholly translated."""
    tree = ast.parse(source)
    scopes: dict[ast.AST, ast.AST] = {}
    for scope in ast.walk(tree):
        if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            for node in ast.walk(scope):
                if isinstance(node, ast.Raise):
                    scopes[node] = scope  # the innermost function wins: walked after the outer ones
    for node, scope in scopes.items():
        call = node.exc
        if not (isinstance(call, ast.Call) and _name(call.func) in errors):
            continue
        keywords = {k.arg: k.value for k in call.keywords}
        message = call.args[0] if call.args else keywords.get("message")
        if message is None or not _is_lazy(message):
            yield node.lineno, f"message not lazily translated: {ast.unparse(message)[:60] if message else None}"
        rest = list(call.args[1:]) + [v for k, v in keywords.items() if k != "message"]
        if _name(call.func) in STATE_FIRST:  # the current state: a machine code
            rest = [v for k, v in keywords.items() if k not in ("message", "current_state")]
        parts = [message] if message is not None else []
        for value in rest:
            parts.append(value)
            if isinstance(value, ast.Name):
                parts.extend(_gathered(scope, value.id))
        for part in parts:
            for text in bare_texts(part) if part is not message else []:
                yield node.lineno, f"not translated: {text!r}"
            for lazy in (n for n in ast.walk(part) if _is_lazy(n)):
                for problem in lazy_problems(lazy):
                    yield node.lineno, problem


def _files() -> Iterator[Path]:
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def _lazy_imports(source: str) -> dict[str, str]:
    return {alias.asname or alias.name: alias.name for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.ImportFrom) and node.module == "flask_babel" for alias in node.names}


def _raises(source: str) -> list[ast.Call]:
    return [node.exc for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Raise)
            and isinstance(node.exc, ast.Call) and _name(node.exc.func) in DOMAIN_ERRORS]


def test_every_domain_error_the_app_raises_is_lazily_translated():
    found, problems = {}, {}
    for path in _files():
        source = path.read_text()
        where = str(path.relative_to(ROOT))
        raised = _raises(source)
        if raised:
            found[where] = len(raised)
        for line, problem in raise_problems(source):
            problems.setdefault(f"{where}:{line}", []).append(problem)
        # _l and lazy_ngettext are flask_babel's lazy ones, not an eager gettext under that name.
        used = {_name(n.func) for call in raised for n in ast.walk(call) if _is_lazy(n)}
        imported = _lazy_imports(source)
        for name in used:
            if imported.get(name) != IMPORTS[name]:
                problems.setdefault(where, []).append(f"{name} is not flask_babel's {IMPORTS[name]}")
    assert problems == {}
    # The scan saw the whole app: every package that raises, and well over a hundred raises.
    assert {where.split("/")[0] for where in found} >= {"core", "devices", "lending", "maintenance", "fund", "labels"}
    assert sum(found.values()) > 140


def _problems(code: str) -> list[str]:
    return [problem for _line, problem in raise_problems(code)]


@pytest.mark.parametrize("code, expected", [
    ('raise NotFound(f"no device {tag}")', "message not lazily translated: f'no device {tag}'"),
    ('raise NotFound("no such device")', "message not lazily translated: 'no such device'"),
    ('raise NotFound(_("No device %(tag)s.", tag=tag))', "message not lazily translated"),
    ('raise Conflict(_l("Stale."), {"version": [f"stale: {v}"]})', "not translated: \"f'stale: {v}'\""),
    ('raise Conflict(_l("Stale."), {"version": ["stale"], "state": ["reserved"]})', "not translated: 'stale'"),
    ('raise ValidationError(_l("Bad."), errors={"x": [_("eager")]})', "not translated: 'eager'"),
    ('raise InvalidTransition(_l("Loan %(n)s.", n=n), "closed", )\n'
     'raise InvalidTransition(_l("Loan %s.", n))', "unnamed placeholder in 'Loan %s.'"),
    ('raise NotFound(_l("No device %(tag)s."))', "placeholders ['tag'] but parameters []"),
    ('raise NotFound(_l("No device.", tag=tag))', "placeholders [] but parameters ['tag']"),
    ('raise NotFound(_l("No device " + tag))', "not a literal message"),
    ('raise NotFound(_l(f"No device {tag}"))', "not a literal message"),
    ('raise NotFound(_l("No %(a)s.", **values))', "parameters passed as **"),
    ('def f():\n    errors = {}\n    errors["name"] = ["required"]\n    raise ValidationError(_l("Bad."), errors)',
     "not translated: 'required'"),
    ('def f():\n    errors = {}\n    errors.setdefault("needs", []).append(f"twice: {t}")\n'
     '    raise ValidationError(_l("Bad."), errors)', "not translated: \"f'twice: {t}'\""),
    ('def f():\n    errors = {"a": [_l("Fine.")], "b": ["not fine"]}\n    raise ValidationError(_l("Bad."), errors)',
     "not translated: 'not fine'"),
    ('raise errors.PermissionDenied("your role may not")', "message not lazily translated: 'your role may not'"),
])
def test_the_check_finds_what_it_should(code, expected):
    assert any(problem.startswith(expected) for problem in _problems(code)), _problems(code)


@pytest.mark.parametrize("code", [
    'raise Conflict(_l("Fund %(f)s.", f=x), {"fund": [_l("Short.")], "state": ["reversed"]})',
    'raise InvalidTransition(_l("Loan %(number)s is closed.", number=n), "closed")',
    'raise InvalidTransition(_l("Loan %(number)s is closed.", number=n), current_state="closed")',
    'raise Conflict(_l("%(tag)s is held back: %(r)s.", tag=t, r=r), {"holds": ["open_report"], "device_tag": rs})',
    'raise ValidationError(_l("Too many."), {"tags": [lazy_ngettext("At most %(num)d label.", "At most %(num)d '
    'labels.", n)]})',
    'raise ValidationError(_l("At %(pct)d%% of a new one.", pct=p))',
    'def f():\n    errors = {}\n    errors["name"] = [_l("Name it.")]\n    errors["state"] = ["open"]\n'
    '    errors.setdefault("needs", []).append(_l("Twice."))\n    raise ValidationError(_l("Bad."), errors)',
    'raise ValueError(f"not a domain error {x}")',
    'raise NotFound(_l("Unknown tags: %(tags)s", tags=", ".join(missing)), {"tags": missing[:20]})',
])
def test_the_check_lets_translated_errors_and_machine_codes_pass(code):
    assert _problems(code) == []


def test_the_check_finds_an_english_message_put_back_into_the_app():
    """The same check, on a real module with one message made plain English again."""
    path = ROOT / "devices" / "services.py"
    source = path.read_text()
    assert list(raise_problems(source)) == []
    spoiled = source.replace('{"tag": [_l("Unknown tag.")]}', '{"tag": ["unknown tag"]}', 1)
    assert spoiled != source
    assert [problem for _line, problem in raise_problems(spoiled)] == ["not translated: 'unknown tag'"]
    spoiled = source.replace('raise NotFound(_l("There is no device with the tag %(tag)s.", tag=tag)',
                             'raise NotFound(f"no device with tag {tag!r}"', 1)
    assert spoiled != source
    assert [problem for _line, problem in raise_problems(spoiled)] == [
        "message not lazily translated: f'no device with tag {tag!r}'"]


# --- each kind of domain error, provoked on a Thai page and through the API ----------------------

THAI = re.compile(r"[\u0e00-\u0e7f]")
# A word of English: letters, with small letters after the first (codes such as WC, JSON or
# BS-WC-00001 are not words).
WORD = re.compile(r"[A-Za-z][a-z'’]*(?:-[a-z]+)*")
BRAND = "Yuwell"                # data this test creates: a brand name reads the same in any language
# The Thai Barthel form says "เครื่องช่วยเดิน เช่น walker" on purpose: the word people use.
LOANWORDS = {"walker"}
REPORTED = "เบรกซ้ายไม่อยู่"      # the public's own words, shown as they were written
NATIONAL_ID = national_id("310050123456")
# The page chrome that is in English on purpose, the same on every page and in both languages:
# the language switch's button names English in English (marked lang="en"), and the user's name.
CHROME = (re.compile(r'<button[^>]*\blang="en"[^>]*>English</button>'),
          re.compile(r'<span class="user-name">\(user\d+\)</span>'))


def visible_text(page: str) -> str:
    """What a person reads or hears on a page: its text and its title, label and placeholder
    attributes, without scripts, styles and the language-neutral chrome."""
    for chrome in CHROME:
        page, count = chrome.subn(" ", page)
        assert count <= 1, chrome.pattern
    attributes = re.findall(r'\b(?:aria-label|title|placeholder|alt)="([^"]*)"', page)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(" ".join([re.sub(r"<[^>]+>", " ", page), *attributes]))


def _words(text: str) -> list[str]:
    """Each whitespace-separated piece of the text, without the punctuation around it."""
    return [token.strip(".,;:!?()[]{}\"'“”‘’…·/") for token in text.split()]


def english_words(text: str) -> set[str]:
    return {word for word in _words(text) if WORD.fullmatch(word)}


def english_runs(text: str, allowed=(BRAND,)) -> list[str]:
    """Runs of three or more English words in a row: English sentences, or pieces of them."""
    runs, current = [], []
    for word in _words(text) + [""]:
        if WORD.fullmatch(word) and word not in allowed:
            current.append(word)
            continue
        if len(current) >= 3:
            runs.append(" ".join(current))
        current = []
    return runs


def test_english_runs_finds_sentences_and_leaves_codes_names_and_thai_alone():
    assert english_runs("ข้อผิดพลาด: this record was changed (version 99 given, 1 stored)") == [
        "this record was changed version"]
    assert english_runs("ไม่พบอุปกรณ์รหัส BS-WC-00001 ยี่ห้อ Yuwell WC JSON 5 MB") == []
    assert english_runs("Device BS-WC-00001 is on loan.") == ["is on loan"]
    assert english_runs("Yuwell is a brand") == ["is a brand"]
    page = ('<button type="submit" name="lang" value="en" class="x" lang="en">English</button>'
            '<span class="user-name">(user3)</span><p title="Back to start">กลับ</p><script>var a = "b c d";</script>')
    assert visible_text(page).split() == ["กลับ", "Back", "to", "start"]


@pytest.fixture
def world(app, api_as, make_type, make_device):
    """A center with one of each thing an error can be about.

    BS-WC-00001 is on loan (delivered today); 00002 is in stock, edited once (version 2) and
    proposed to an approved request; 00003 has an open problem report; 00004 an open repair.
    Requests: one just submitted, one assessed awaiting the decision, one approved.
    """
    make_type("WC")
    tags = [make_device("WC", brand=BRAND) for _ in range(4)]
    api = {role: api_as(role) for role in ("staff", "assessor", "supervisor", "maintenance")}

    def request(step: str, **person) -> dict:
        who = api["staff"].post("/api/v1/people", {**PERSON, "national_id": None, **person}, expect=201)
        req = api["staff"].post("/api/v1/requests", {"person_id": who["id"], "device_type": "WC", "channel": "phone"},
                                expect=201)
        if step != "submitted":
            api["assessor"].post(f"/api/v1/requests/{req['id']}/assessment",
                                 {"adl_items": ADL_HOME_BOUND, "suitable": True}, expect=201)
        if step == "approved":
            req = api["supervisor"].post(f"/api/v1/requests/{req['id']}/decision", {"approved": True}, expect=200)
        return req

    with app.app_context():
        devices.report_problem(devices.get_device(tags[2]), ReportKind.PROBLEM, REPORTED)
        repair = orders.open_order(devices.get_device(tags[3]), WorkKind.REPAIR, by=None).id
        db.session.commit()
    lent = request("approved", national_id=NATIONAL_ID)
    assert lent["proposed_device_tag"] == tags[0]
    api["staff"].post(f"/api/v1/requests/{lent['id']}/reservation", {"device_tag": tags[0]}, expect=200)
    loan = api["staff"].post("/api/v1/loans", {"request_id": lent["id"], "device_tag": tags[0], "instructions": [],
                                               "acknowledged_by": "ก"}, expect=201)
    api["staff"].call("patch", f"/api/v1/devices/{tags[1]}", json={"location": "ชั้น A2", "version": 1}, expect=200)
    approved = request("approved")
    assert approved["proposed_device_tag"] == tags[1]
    return {"tags": tags, "loan": loan["id"], "repair": repair, "submitted": request("submitted")["id"],
            "assessed": request("assessed")["id"], "approved": approved["id"]}


# Each kind of domain error, provoked as a person of the right role does it on a page:
# (role, method, path, form data, status, what the page says in Thai).
PAGES = {
    "404 unknown device tag": ("staff", "get", "/d/BS-WC-99999", None, 404, "ไม่พบอุปกรณ์รหัส BS-WC-99999"),
    "404 unknown request": ("staff", "get", "/requests/999999", None, 404, "ไม่พบคำขอหมายเลข 999999"),
    "403 wrong role": ("donor", "get", "/devices", None, 403, "คุณไม่มีสิทธิ์ดำเนินการนี้"),
    "403 a service's rule": ("staff", "get", "/maintenance/orders/{repair}", None, 403,
                             "บทบาทของท่านทำงานซ่อมบำรุงไม่ได้"),
    "409 a request's step from the wrong state": (
        "supervisor", "post", "/requests/{submitted}/decision", {"approved": "1", "reason": ""}, 409,
        "อยู่ในสถานะใหม่ ขั้นตอนนี้ทำได้เมื่ออยู่ในสถานะประเมินแล้ว รอพิจารณา"),
    "409 a device's step from the wrong state": (
        "admin", "post", "/d/{tag1}/release", {}, 409, "อยู่ในสถานะว่าง พร้อมให้ยืม ขั้นตอนนี้ทำได้เมื่ออยู่ในสถานะ"),
    "409 a work order's step from the wrong state": (
        "maintenance", "post", "/maintenance/orders/{repair}", {"step": "wait"}, 409, "อยู่ในสถานะเปิด"),
    "409 a stale version on the device form": (
        "staff", "post", "/devices/{tag1}/edit", {"condition": "good", "acquisition": "donation", "brand": BRAND,
                                                  "location": "ชั้น B1", "version": "1"}, 409,
        "มีผู้อื่นแก้ไขข้อมูลนี้ไปก่อนแล้ว"),
    "409 a duplicate national ID on the person form": (
        "staff", "post", "/people/new", {"first_name": "บุญมี", "national_id": NATIONAL_ID, "consent_given": "y",
                                         "consent_by": "บุญมี"}, 409, "ลงทะเบียนแล้ว"),
    "422 a rejection without a reason": (
        "supervisor", "post", "/requests/{assessed}/decision", {"approved": "0", "reason": ""}, 422,
        "การไม่อนุมัติต้องระบุเหตุผล"),
    "422 a follow-up dated before the delivery": (
        "assessor", "post", "/loans/{loan}/follow-up", {"visited_on": "2026-11-29", "in_use": "yes",
                                                        "condition": "good", "outcome": "stable"}, 422,
        "วันที่เยี่ยมต้องไม่ก่อนวันที่ส่งมอบอุปกรณ์"),
    "409 a device held back from reservation": (
        "staff", "post", "/requests/{approved}/reservation", {"device_tag": "{tag2}"}, 409, REPORTED),
}


def _filled(value, world):
    names = {"tag1": world["tags"][1], "tag2": world["tags"][2], **world}
    if isinstance(value, dict):
        return {key: _filled(item, world) for key, item in value.items()}
    return value.format(**names) if isinstance(value, str) else value


@pytest.mark.parametrize("case", list(PAGES))
def test_each_kind_of_domain_error_is_all_thai_on_a_thai_page(world, client_as, case):
    role, method, path, data, status, said = PAGES[case]
    client = client_as(role)
    response = getattr(client, method)(_filled(path, world), data=_filled(data, world),
                                       headers={"Accept-Language": "th"})
    assert response.status_code == status
    text = visible_text(response.get_data(as_text=True))
    assert " ".join(said.split()) in " ".join(text.split()), " ".join(text.split())  # the error's own words
    assert english_runs(text) == [], english_runs(text)
    # Not even a single English word (a field's name, a state's code), but for the brand.
    assert english_words(text) <= {BRAND, *LOANWORDS}, english_words(text)


# The same errors through the API: (role, method, path, body, status, machine codes expected).
API = {
    "404 unknown device tag": ("staff", "get", "/api/v1/devices/BS-WC-99999", None, 404, {}),
    "404 unknown request": ("staff", "get", "/api/v1/requests/999999", None, 404, {}),
    "404 unknown work order": ("staff", "get", "/api/v1/work-orders/999999", None, 404, {}),
    "403 wrong role": ("donor", "get", "/api/v1/devices", None, 403, {}),
    "403 a service's rule": ("staff", "post", "/api/v1/devices", {"type": "WC", "status": "on_loan"}, 403, {}),
    "409 a request's step from the wrong state": (
        "supervisor", "post", "/api/v1/requests/{submitted}/decision", {"approved": True}, 409,
        {"state": ["submitted"]}),
    "409 a work order's step from the wrong state": (
        "maintenance", "post", "/api/v1/work-orders/{repair}/waiting-parts", {}, 409, {"state": ["open"]}),
    "409 a stale version": ("staff", "patch", "/api/v1/devices/{tag1}", {"location": "ชั้น B1", "version": 1}, 409,
                            {}),
    "409 a duplicate national ID": (
        "staff", "post", "/api/v1/people", {"first_name": "บุญมี", "national_id": NATIONAL_ID,
                                            "consent": {"given_by": "บุญมี"}}, 409, {}),
    "422 a rejection without a reason": (
        "supervisor", "post", "/api/v1/requests/{assessed}/decision", {"approved": False, "reason": ""}, 422, {}),
    "422 a follow-up dated before the delivery": (
        "assessor", "post", "/api/v1/loans/{loan}/followups", {"visited_on": "2026-11-29", "in_use": True,
                                                              "condition": "good", "outcome": "stable"}, 422, {}),
    "422 input marshmallow refuses": (
        "staff", "post", "/api/v1/devices", {"brand": 7, "acquired_on": "someday", "surprise": 1}, 422, {}),
    "409 a device held back from reservation": (
        "staff", "post", "/api/v1/requests/{approved}/reservation", {"device_tag": "{tag2}"}, 409,
        {"holds": ["open_report"]}),
}


def _messages(body: dict) -> list[str]:
    """The message and the per-field ones, without machine codes and numbers (the id of the person
    already registered with a national ID)."""
    return [m for m in (body["message"], *readable_messages(body.get("errors") or {})) if not m.isdigit()]


def _shape(errors):
    """The keys of the errors at every depth (the same whatever the language)."""
    return {key: _shape(value) for key, value in errors.items()} if isinstance(errors, dict) else None


@pytest.mark.parametrize("case", list(API))
def test_the_api_answers_each_kind_in_the_language_asked_for_thai_by_default(world, api_headers, client, case):
    role, method, path, body, status, codes = API[case]
    headers = api_headers(role)

    def ask(**extra):
        response = getattr(client, method)(_filled(path, world), json=_filled(body, world),
                                           headers={**headers, **extra})
        assert response.status_code == status, response.get_json()
        return response.get_json()

    thai, english = ask(), ask(**{"Accept-Language": "en"})
    assert ask(**{"Accept-Language": "th-TH,th;q=0.9"}) == thai
    for code, values in codes.items():
        assert thai["errors"][code] == english["errors"][code] == values
    assert _shape(thai.get("errors") or {}) == _shape(english.get("errors") or {})
    said_in_thai = [m.replace(REPORTED, "") for m in _messages(thai)]
    said_in_english = [m.replace(REPORTED, "") for m in _messages(english)]
    assert all(THAI.search(m) for m in said_in_thai), said_in_thai
    assert not any(english_runs(m) for m in said_in_thai), said_in_thai
    assert not any(THAI.search(m) for m in said_in_english), said_in_english
    assert english_runs(english["message"]), english["message"]   # a sentence, in English


# --- marshmallow's and webargs' own messages -------------------------------------------------------

class _Everything(Schema):
    """One field of each kind the app's schemas use, with their validators."""

    class Inner(Schema):
        name = fields.String(required=True)

    text = fields.String(validate=validate.Length(min=2, max=3))
    exact = fields.String(validate=validate.Length(equal=5))
    short = fields.String(validate=validate.Length(max=2))
    long = fields.String(validate=validate.Length(min=4))
    pattern = fields.String(validate=validate.Regexp(r"^\d+$"))
    count = fields.Integer(strict=True, validate=validate.Range(min=1, max=9))
    least = fields.Integer(validate=validate.Range(min=1))
    most = fields.Integer(validate=validate.Range(max=9))
    number = fields.Float(allow_nan=False)
    flag = fields.Boolean()
    day = fields.Date()
    moment = fields.DateTime()
    kind = fields.Enum(WorkKind, by_value=True)
    choice = fields.String(validate=validate.OneOf(["a", "b"]))
    items = fields.List(fields.Integer())
    inner = fields.Nested(Inner)
    mapping = fields.Dict()
    needed = fields.String(required=True)
    nothing = fields.String(allow_none=False)


BAD = {"text": "x", "exact": "x", "short": "xyz", "long": "x", "pattern": "x", "count": 10, "least": 0,
       "most": 10, "number": "nan", "flag": "perhaps", "day": "someday", "moment": "soon", "kind": "magic",
       "choice": "c", "items": "x", "inner": {"name": 5}, "mapping": [], "nothing": None, "surprise": 1}


def test_marshmallows_messages_read_in_the_readers_language(app):
    errors = _Everything().validate(BAD)
    assert set(errors) == set(BAD) | {"needed"}   # every field refused something
    said = readable_messages(errors)
    assert len(said) >= 18 and not any(THAI.search(m) for m in said)
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "th"}):
        thai = input_messages.translated(errors)
    with app.test_request_context("/api/v1/x", headers={"Accept-Language": "en"}):
        assert input_messages.translated(errors) == errors   # marshmallow's own words
    assert _shape(thai) == _shape(errors)
    untranslated = [m for m in readable_messages(thai) if not THAI.search(m)]
    assert untranslated == []
    assert thai["count"] == ["ต้องอยู่ระหว่าง 1 ถึง 9"] and thai["text"] == ["ต้องยาว 2 ถึง 3 ตัวอักษร"]
    assert thai["kind"] == ["ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: cleaning, inspection, repair, preventive"]
    assert thai["day"] == ["วันที่ไม่ถูกต้อง"] and thai["surprise"] == ["ไม่รู้จักช่องข้อมูลนี้"]
    with app.test_request_context("/api/v1/x"):
        assert input_messages.translate("Something of our own.") == "Something of our own."


def test_every_message_marshmallow_has_is_known():
    """A marshmallow upgrade that adds a message shows here, before a Thai client reads it in English."""
    known = set(input_messages.MESSAGES)
    templates = {message for cls in vars(fields).values() if isinstance(cls, type) and issubclass(cls, fields.Field)
                 for message in cls.__dict__.get("default_error_messages", {}).values()}
    templates |= {value for cls in vars(validate).values() if isinstance(cls, type)
                  for key, value in vars(cls).items() if key in ("default_message", "message_min", "message_max",
                                                                 "message_all", "message_equal")
                  and isinstance(value, str) and "{min_op}" not in value and "{max_op}" not in value}
    templates |= set(Schema._default_error_messages.values())
    generic = {"Not a valid {obj_type}.", "Not a valid {awareness} {obj_type}.",
               '"{input}" cannot be formatted as a {obj_type}.', "{input!r} cannot be formatted as a timedelta."}
    missing = {t for t in templates - generic if re.sub(r"\{(\w+)\}", r"%(\1)s", t) not in known}
    assert missing == set()
