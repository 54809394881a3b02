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
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.errors import MACHINE_CODES, DomainError, InvalidTransition

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "devices", "lending", "maintenance", "fund", "labels", "demo")
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
