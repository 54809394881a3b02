"""Optimistic locking: one rule (core.concurrency.check_version) for every record people edit."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from core.concurrency import check_version
from core.errors import Conflict, ValidationError
from fixtures.core import Api
from fixtures.lending import PERSON


def test_check_version_lets_the_read_version_through():
    check_version(3, 3)


def test_an_edit_without_a_version_is_invalid_naming_version(ctx):
    with pytest.raises(ValidationError) as refused:
        check_version(3, None)
    assert refused.value.code == 422 and list(refused.value.errors) == ["version"]


def test_a_stale_edit_is_a_conflict_naming_the_current_version(app):
    with pytest.raises(Conflict) as refused:
        check_version(3, 2)
    assert refused.value.code == 409
    with app.test_request_context(), force_locale("en"):
        assert [str(m) for m in refused.value.errors["version"]] == ["Stale: the current version is 3."]


@pytest.fixture
def staff(client, api_headers):
    return Api(client, api_headers("staff"))


def test_every_edit_of_a_stale_version_gets_the_same_409(staff, make_device):
    """A device, a person and a referral: the same answer, naming the version stored now."""
    tag = make_device("WC")
    person = staff.post("/api/v1/people", {**PERSON, "national_id": None}, expect=201)
    referral = staff.post(f"/api/v1/people/{person['id']}/referrals", {"reason": "ไม่มีรายได้"}, expect=201)
    english = {"Accept-Language": "en"}
    answers = [staff.call("patch", path, json=body, headers=english) for path, body in (
        (f"/api/v1/devices/{tag}", {"location": "B2", "version": 7}),
        (f"/api/v1/people/{person['id']}", {"moo": "5", "version": 7}),
        (f"/api/v1/referrals/{referral['id']}", {"status": "in_progress", "version": 7}),
    )]
    assert [a.status_code for a in answers] == [409, 409, 409]
    assert {a.get_json()["message"] for a in answers} == {
        "Someone else changed this record meanwhile; reload it and try again."}
    assert [a.get_json()["errors"] for a in answers] == [{"version": ["Stale: the current version is 1."]}] * 3
    assert staff.get(f"/api/v1/people/{person['id']}")["moo"] == PERSON["moo"]
