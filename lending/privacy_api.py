"""JSON API for PDPA consent (withdrawn, given again) and erasure of a person (s.33)."""
from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from core.auth import current_actor
from lending.schemas import ConsentSchema, PersonSchema
from lending.services import consent, erasure, people
from lending.steps import STEPS

bp = Blueprint("consent_api", __name__, url_prefix="/api/v1", description="PDPA: consent and erasure")


class ConsentGiveSchema(Schema):
    given_by = fields.String(required=True, validate=validate.Length(min=1, max=120))
    relation = fields.String(load_default="", validate=validate.Length(max=60))
    given_on = fields.Date(load_default=None)


class WithdrawnSchema(Schema):
    person = fields.Nested(PersonSchema)
    requests_cancelled = fields.List(fields.Integer())


def _shown(person):
    person.show_full_id = people.may_see_full_id(current_actor())
    return person


@bp.route("/people/<int:person_id>/consent/withdraw", methods=["POST"])
@STEPS.route("withdraw_consent")
@bp.response(200, WithdrawnSchema)
def withdraw_consent(person_id):
    """Withdraw the person's consent: no new request; undelivered requests are cancelled; open loans go on."""
    person = people.get_person(person_id)
    cancelled = consent.withdraw(person, by=current_actor())
    return {"person": _shown(person), "requests_cancelled": [req.id for req in cancelled]}


@bp.route("/people/<int:person_id>/consent", methods=["POST"])
@STEPS.route("give_consent")
@bp.arguments(ConsentGiveSchema)
@bp.response(201, ConsentSchema)
def give_consent(data, person_id):
    """Record consent given again (a new consent record)."""
    return consent.give(people.get_person(person_id), data, by=current_actor())


@bp.route("/people/<int:person_id>/erasure", methods=["POST"])
@STEPS.route("erase_person")
@bp.response(200, PersonSchema)
def erase_person(person_id):
    """Anonymise the person (admins). 409 naming ``state`` while a loan is open or when already done."""
    return _shown(erasure.erase(people.get_person(person_id), by=current_actor()))
