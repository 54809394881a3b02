"""The seams between the domains: signals, one step-to-roles table per domain, audit labels."""
from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

from core import audit
from core.errors import PermissionDenied
from core.steps import Steps
from core.users import Role, User, UserRole
from devices import services as device_services
from devices import signals
from fund.models import Purpose
from lending.steps import STEPS as LENDING
from maintenance.steps import STEPS as MAINTENANCE

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOMAINS = ("core", "devices", "lending", "maintenance", "fund", "labels", "demo")
TABLES = {"lending": LENDING, "maintenance": MAINTENANCE}


def _sources(*packages: str):
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def _user(*roles: Role) -> User:
    return User(username="probe", display_name="probe", role_rows=[UserRole(role=role) for role in roles])


def test_importing_a_service_loads_no_pages_forms_or_pdf_writer():
    """Package __init__s import nothing heavy: the fund's impact service needs no lending page."""
    code = ("import sys, fund.services.impact, lending.services.loans, maintenance.services.orders; "
            "print(' '.join(sorted(sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                                text=True).stdout.split())
    heavy = {name for name in loaded if name.endswith((".views", ".forms", ".agreement", ".receipts", ".hooks"))
             or name.split(".")[0] in ("fpdf", "flask_wtf", "qrcode")}
    assert heavy == set()


def test_no_process_wide_registry_lists_in_devices():
    for name in ("NEXT_ACTIONS", "ACTION_ENDPOINTS", "SCAN_PANELS", "DEVICE_PANELS", "DEVICE_FLAGS"):
        assert not hasattr(device_services, name)


def _step_names(path: pathlib.Path):
    """Every literal step name handed to a STEPS table (route, check, allows, roles) or to _require."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
        if (owner == "STEPS" and name in ("route", "roles", "check", "allows")) or name == "_require":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield arg.value, node.lineno


@pytest.mark.parametrize("domain", sorted(TABLES))
def test_every_step_named_in_the_code_is_in_its_domains_table(domain):
    table = TABLES[domain]
    named = {(str(path.relative_to(ROOT)), line, step)
             for path in _sources(domain) for step, line in _step_names(path)}
    assert named, f"{domain} names no step"
    unknown = [(path, line, step) for path, line, step in named if step not in table.table]
    assert unknown == []


def test_pages_api_and_services_read_one_table(client, app):
    """The step 'deliver' is written once: the page, the API and the service all refuse a supervisor."""
    assert Role.SUPERVISOR not in LENDING.roles("deliver")
    view = app.view_functions["loans.deliver"]
    assert view._access == LENDING.roles("deliver")
    api_view = app.view_functions["lending_api.Loans"].view_class.post
    assert api_view._access == LENDING.roles("deliver")
    with pytest.raises(PermissionDenied):
        LENDING.check(_user(Role.SUPERVISOR), "deliver")
    LENDING.check(_user(Role.STAFF), "deliver")
    LENDING.check(_user(Role.ADMIN), "deliver")  # admins may take every step


def test_a_table_names_the_roles_of_each_step_and_admins_take_every_step():
    steps = Steps({"a": (Role.STAFF,), "b": (Role.SUPERVISOR, Role.STAFF), "c": ()})
    assert steps.roles("a", "b") == (Role.STAFF, Role.SUPERVISOR, Role.ADMIN)
    assert steps.roles("c") == (Role.ADMIN,)
    with pytest.raises(PermissionDenied, match="may not take this step"):
        steps.check(_user(Role.DONOR), "a")
    assert steps.allows(_user(Role.ADMIN), "c") and not steps.allows(_user(Role.STAFF), "c")
    assert not steps.allows(None, "a")


def _recorded_actions():
    """The literal audit actions the services write."""
    paths = [p for p in _sources("devices", "lending", "maintenance", "fund", "core")
             if "services" in p.parts or p.stem in ("services", "holds", "users", "audit")]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value
                    and node.value.split(".")[0] in ("device", "device_type", "request", "loan", "person", "user",
                                                     "work_order", "donor", "donation", "ledger")
                    and node.value.split(".")[1].isidentifier()):
                yield node.value


def test_every_audit_action_has_a_label_in_its_domains_hooks(app):
    actions = set(_recorded_actions()) | {f"fund.{purpose.value}" for purpose in Purpose}
    assert len(actions) > 50
    assert sorted(a for a in actions if a not in audit.ACTION_LABELS) == []


def test_the_device_pages_collect_answers_from_every_connected_domain(app):
    modules = {receiver.__module__ for receiver in signals.next_steps.receivers_for(None)}
    assert {"lending.hooks", "maintenance.hooks"} <= modules
    assert signals.answers(signals.device_flags, None, devices=[]) == []
