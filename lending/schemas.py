"""JSON shapes for people, requests, assessments, loans and follow-ups (no queries here)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from core import clock
from core.input_guards import code_field, id_field
from devices.models import Condition
from lending.models import (CareTask, Carer, Channel, ChronicCondition, DependencyGroup, DisabilityType, ItemStatus,
                            LifeStatus, Outcome, ReferralStatus, RequestStatus, Urgency)


def _text(max_len: int, min_len: int = 0, **kwargs):
    return fields.String(validate=validate.Length(min=min_len, max=max_len), **kwargs)


def _given(value: str) -> None:
    # Not a Length(min=1): what is sent may not be empty, but a person anonymised under the PDPA is
    # shown with empty names, so the document says only the longest length.
    if not value:
        raise ValidationError(_l("Shorter than minimum length %(min)s.", min=1))


def _name(max_len: int, **kwargs):
    """A name the sender must give (refused empty) that an erased record shows empty."""
    return fields.String(validate=[validate.Length(max=max_len), _given], **kwargs)


def _measure(max_value: float):
    return fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=max_value))


def _enum(kind, **kwargs):
    return fields.Enum(kind, by_value=True, **kwargs)


PHONE = validate.Regexp(r"^[0-9+\-() ]*$", error=_l("Use only digits, spaces and + - ( )."))


class ConsentSchema(Schema):
    version = _text(20)
    given_on = fields.Date()
    given_by = _name(120, required=True)
    relation = _text(60)
    withdrawn_at = fields.DateTime(dump_only=True, allow_none=True)


class PersonSchema(Schema):
    id = fields.Integer(dump_only=True)
    # The API shows the whole ID only to roles that need it; others get it masked.
    national_id = code_field(lambda p: p.national_id if getattr(p, "show_full_id", False)
                             else p.masked_national_id, allow_none=True)
    title = _text(40)
    first_name = _name(80, required=True)
    last_name = _text(80)
    birth_date = fields.Date(allow_none=True)
    phone = fields.String(validate=[validate.Length(max=32), PHONE])
    house_no = _text(40)
    moo = _text(10)
    soi = _text(80)
    road = _text(80)
    tambon = _text(80)
    amphoe = _text(80)
    changwat = _text(80)
    postcode = fields.String(validate=validate.Regexp(r"^(\d{5})?$", error=_l("A postcode has 5 digits.")))
    caregiver_name = _text(120)
    caregiver_relation = _text(60)
    caregiver_phone = fields.String(validate=[validate.Length(max=32), PHONE])
    disability_types = fields.List(fields.String(validate=validate.OneOf([d.value for d in DisabilityType])),
                                   validate=validate.Length(max=7))
    disability_card_no = _text(20)
    disability_card_type = _enum(DisabilityType, allow_none=True)
    disability_card_expires_on = fields.Date(allow_none=True)
    chronic_conditions = fields.List(fields.String(validate=validate.OneOf([c.value for c in ChronicCondition])),
                                     validate=validate.Length(max=10))
    chronic_notes = _text(300)
    life_status = _enum(LifeStatus, dump_only=True)
    life_status_on = fields.Date(dump_only=True, allow_none=True)
    notes = _text(4000)
    consents = fields.List(fields.Nested(ConsentSchema), dump_only=True)
    has_consent = fields.Boolean(dump_only=True)
    birth_year = fields.Integer(dump_only=True, allow_none=True)
    erased_at = fields.DateTime(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class PersonCreateSchema(PersonSchema):
    national_id = fields.String(allow_none=True, validate=validate.Length(max=20))
    consent = fields.Nested(ConsentSchema, required=True, load_only=True)


class PersonUpdateSchema(PersonSchema):
    national_id = fields.String(allow_none=True, validate=validate.Length(max=20))
    first_name = _text(80, 1)
    version = fields.Integer(strict=True, required=True)


class PersonQuerySchema(Schema):
    q = _text(80, load_default="")
    tambon = _text(80, load_default="")
    moo = _text(10, load_default="")


def _age_days(req) -> int:
    return clock.days_since(req.created_at)


class RequestItemSchema(Schema):
    id = fields.Integer()
    device_type = fields.Function(lambda i: i.device_type.code)
    recommended_type = fields.Function(lambda i: i.recommended_type.code if i.recommended_type else None)
    lend_type = fields.Function(lambda i: i.lend_type.code)
    status = _enum(ItemStatus)
    decision_reason = fields.String()
    proposed_device_tag = fields.Function(lambda i: i.proposed_device.tag if i.proposed_device else None)
    device_tag = fields.Function(lambda i: i.device.tag if i.device else None)
    waitlisted_at = fields.DateTime(allow_none=True)
    reserved_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)


class RequestSchema(Schema):
    id = fields.Integer(dump_only=True)
    person_id = id_field(required=True)
    device_type = fields.String(validate=validate.Length(min=1, max=8),
                                metadata={"description": "The type code of the device asked for (or device_types)."})
    device_types = fields.List(fields.String(validate=validate.Length(min=1, max=8)), load_only=True,
                               validate=validate.Length(min=1, max=6),
                               metadata={"description": "Several devices for one person, e.g. [\"BED\", \"AIR\"]."})
    channel = _enum(Channel, required=True)
    urgency = _enum(Urgency, load_default=Urgency.NORMAL)
    reason = _text(4000)
    requested_by_name = _text(120)
    requested_by_relation = _text(60)
    requested_by_phone = fields.String(validate=[validate.Length(max=32), PHONE])
    status = _enum(RequestStatus, dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    status_changed_at = fields.DateTime(dump_only=True)
    age_days = fields.Function(_age_days, dump_only=True)
    assessment_due_on = fields.Date(dump_only=True, allow_none=True)
    recommended_type = fields.Function(lambda r: r.recommended_type.code if r.recommended_type else None,
                                       dump_only=True)
    dependency_group = _enum(DependencyGroup, dump_only=True, allow_none=True)
    decision_reason = fields.String(dump_only=True)
    proposed_device_tag = fields.Function(lambda r: r.proposed_device.tag if r.proposed_device else None,
                                          dump_only=True)
    device_tag = fields.Function(lambda r: r.device.tag if r.device else None, dump_only=True)
    items = fields.List(fields.Nested(RequestItemSchema), dump_only=True,
                        metadata={"description": "Each device asked for; the fields above are the first item's."})
    cancel_reason = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)


class RequestDumpSchema(RequestSchema):
    device_type = fields.Function(lambda r: r.device_type.code if r.device_type else None)


class RequestQuerySchema(Schema):
    status = _enum(RequestStatus, load_default=None)
    type = _text(8, load_default="")
    person_id = id_field(strict=False, load_default=None)


class ScheduleSchema(Schema):
    due_on = fields.Date(required=True)
    assessor = _text(64, allow_none=True)


class RecommendationSchema(Schema):
    item_id = id_field(required=True)
    recommended_type = fields.String(required=True, validate=validate.Length(min=1, max=8))


class AssessmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    request_id = fields.Integer(dump_only=True)
    assessed_on = fields.Date()
    adl_items = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(equal=10))
    adl_total = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=20))
    dependency_group = _enum(DependencyGroup, allow_none=True)
    weight_kg = _measure(400)
    height_cm = _measure(250)
    seat_width_cm = _measure(100)
    doorway_width_cm = _measure(400)
    steps_at_entrance = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=100))
    floor = _text(40)
    bedside_space_cm = _measure(1000)
    suitable = fields.Boolean(required=True)
    recommended_type = code_field(lambda a: a.recommended_type.code if a.recommended_type else None,
                                  validate=validate.Length(max=8), allow_none=True)
    recommendations = fields.List(fields.Nested(RecommendationSchema), load_only=True,
                                  validate=validate.Length(max=6),
                                  metadata={"description": "For requests of several devices: the type recommended "
                                                           "for each other item."})
    notes = _text(4000)
    assessor = fields.Function(lambda a: a.assessor.username if a.assessor else None, dump_only=True)


ITEM_ID = {"description": "One item of a request of several devices (default: every item the step applies to)."}


class DecisionSchema(Schema):
    approved = fields.Boolean(required=True)
    reason = _text(2000, load_default="")
    item_id = id_field(load_default=None, allow_none=True, metadata=ITEM_ID)


class ReservationSchema(Schema):
    device_tag = _text(32, allow_none=True)
    reason = _text(2000, load_default="")
    item_id = id_field(load_default=None, allow_none=True, metadata=ITEM_ID)


class CancelSchema(Schema):
    reason = _text(2000, 1, required=True)
    item_id = id_field(load_default=None, allow_none=True, metadata=ITEM_ID)


class LoanSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    request_id = id_field(required=True)
    item_id = fields.Integer(dump_only=True)
    device_tag = code_field(lambda loan: loan.device.tag, validate=validate.Length(min=1, max=32), required=True)
    person_id = fields.Integer(dump_only=True)
    instructions = fields.List(_text(300), load_default=list, validate=validate.Length(max=30))
    acknowledged_by = _text(120, 1, required=True)
    acknowledged_relation = _text(60)
    expected_return_on = fields.Date(allow_none=True)
    latitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=-180, max=180))
    delivered_at = fields.DateTime(dump_only=True)
    next_follow_up_on = fields.Date(dump_only=True, allow_none=True)
    pickup_requested_on = fields.Date(dump_only=True, allow_none=True)
    pickup_reason = _enum(Outcome, dump_only=True, allow_none=True)
    returned_at = fields.DateTime(dump_only=True, allow_none=True)
    return_condition = _enum(Condition, dump_only=True, allow_none=True)
    return_notes = fields.String(dump_only=True)
    is_open = fields.Boolean(dump_only=True)


class LoanQuerySchema(Schema):
    open = fields.Boolean(load_default=None)
    person_id = id_field(strict=False, load_default=None)


class FollowUpSchema(Schema):
    id = fields.Integer(dump_only=True)
    loan_id = fields.Integer(dump_only=True)
    visited_on = fields.Date()
    in_use = fields.Boolean(required=True)
    condition = _enum(Condition, required=True)
    adl_items = fields.List(fields.Integer(strict=True), allow_none=True, validate=validate.Length(equal=10))
    adl_total = fields.Integer(dump_only=True, allow_none=True)
    dependency_group = _enum(DependencyGroup, dump_only=True, allow_none=True)
    outcome = _enum(Outcome, required=True)
    problems = _text(4000)
    raise_problem = fields.Boolean(load_only=True, load_default=False)
    notes = _text(4000)
    visitor = fields.Function(lambda f: f.visitor.username if f.visitor else None, dump_only=True)


class ReturnSchema(Schema):
    condition = _enum(Condition, required=True)
    notes = _text(4000, load_default="")


class HistorySchema(Schema):
    requests = fields.List(fields.Nested(RequestDumpSchema))
    loans = fields.List(fields.Nested(LoanSchema))
    follow_ups = fields.List(fields.Nested(FollowUpSchema))
    assessments = fields.List(fields.Nested(AssessmentSchema))


class LifeStatusSchema(Schema):
    status = _enum(LifeStatus, required=True)
    on = fields.Date(load_default=None, allow_none=True)
    note = _text(300, load_default="")


class CareNeedSchema(Schema):
    task = _enum(CareTask, required=True)
    done_by = _enum(Carer, required=True)
    how_often = _text(80, load_default="")
    notes = _text(500, load_default="")


class CarePlanSchema(Schema):
    needs = fields.List(fields.Nested(CareNeedSchema), required=True, validate=validate.Length(max=len(CareTask)))


class ReferralSchema(Schema):
    id = fields.Integer(dump_only=True)
    person_id = fields.Integer(dump_only=True)
    reason = _text(2000, 1, required=True)
    referred_on = fields.Date(load_default=None)
    status = _enum(ReferralStatus, dump_only=True)
    outcome = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)


class ReferralUpdateSchema(Schema):
    status = _enum(ReferralStatus, required=True)
    outcome = _text(2000, load_default="")
    version = fields.Integer(strict=True, required=True)
