"""Demo data, and the Thai catalog covering every string in the code."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from sqlalchemy import select

from core.audit import ACTION_LABELS, AuditEvent
from core.db import db
from core.users import Role, User, authenticate
from devices.models import Device, DeviceStatus, DeviceType, ProblemReport
from lending.models import FollowUp, LendingRequest, Loan, RequestStatus

ROOT = Path(__file__).resolve().parent.parent


def test_demo_data_loads_a_realistic_set_and_prints_logins(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "admin" in result.output and "bansuan-demo" in result.output
    with app.app_context():
        devices = list(db.session.scalars(select(Device)))
        assert 55 <= len(devices) <= 70
        statuses = Counter(d.status for d in devices)
        assert len(statuses) >= 5 and statuses[DeviceStatus.AVAILABLE] > 10
        types = list(db.session.scalars(select(DeviceType)))
        assert all(t.reference_price_satang > 0 and any("\u0e00" <= ch <= "\u0e7f" for ch in t.name_th)
                   for t in types)
        users = list(db.session.scalars(select(User)))
        assert {r for u in users for r in u.roles} == set(Role)
        assert authenticate("staff", "bansuan-demo") is not None
        assert db.session.scalar(select(db.func.count()).select_from(ProblemReport)) == 1
        assert {r.status for r in db.session.scalars(select(LendingRequest))} == set(RequestStatus)
        all_loans = list(db.session.scalars(select(Loan)))
        assert any(loan.is_open for loan in all_loans) and any(not loan.is_open for loan in all_loans)
        assert any(loan.pickup_requested_on for loan in all_loans)
        visits = list(db.session.scalars(select(FollowUp)))
        assert len(visits) > 20 and all(v.adl_total is not None for v in visits)
        # Every device state agrees with the lending records.
        on_loan = {d.id for d in devices if d.status == DeviceStatus.ON_LOAN}
        assert on_loan == {loan.device_id for loan in all_loans if loan.is_open}
        # Every event of the replayed history reads as a label (each domain's hooks.py).
        actions = set(db.session.scalars(select(AuditEvent.action).distinct()))
        assert len(actions) > 20 and sorted(a for a in actions if a not in ACTION_LABELS) == []
    # A second run leaves the data alone.
    assert runner.invoke(args=["demo-data", "--if-empty"]).exit_code == 0
    assert runner.invoke(args=["demo-data"]).exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Device)) == len(devices)


def _catalog(lang: str):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def _source_messages(tmp_path) -> set[str]:
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                                "-k", "lazy_gettext", "-k", "lazy_ngettext:1,2", "--ignore-dirs=.venv migrations tests",
                                "-o", str(pot),
                                str(ROOT)])
    with open(pot, "rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_every_string_in_the_code_has_a_thai_and_english_translation(tmp_path):
    wanted = _source_messages(tmp_path)
    assert len(wanted) > 100
    for lang in ("th", "en"):
        catalog = _catalog(lang)
        done = {(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
                if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])}
        missing = sorted(wanted - done)
        assert missing == [], f"{lang}: run `make messages` and translate: {missing[:10]}"


def test_thai_translations_keep_their_placeholders():
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in _catalog("th"):
        if not message.id or isinstance(message.id, tuple) or not message.string:
            continue
        assert sorted(placeholder.findall(message.id)) == sorted(placeholder.findall(message.string)), message.id
