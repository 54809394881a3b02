"""JSON shapes for people, requests, assessments, loans and follow-ups (no queries here)."""
from __future__ import annotations


from marshmallow import Schema, fields, validate

from core import clock
from devices.models import Condition
from lending.models import Channel, DependencyGroup, DisabilityType, Outcome, RequestStatus, Urgency


def _text(max_len: int, min_len: int = 0, **kwargs):
    return fields.String(validate=validate.Length(min=min_len, max=max_len), **kwargs)


def _measure(max_value: float):
    return fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=0, max=max_value))


def _enum(kind, **kwargs):
    return fields.Enum(kind, by_value=True, **kwargs)


PHONE = validate.Regexp(r"^[0-9+\-() ]*$", error="digits, spaces, + - ( ) only")


class ConsentSchema(Schema):
    version = _text(20)
    given_on = fields.Date()
    given_by = _text(120, 1, required=True)
    relation = _text(60)
    withdrawn_at = fields.DateTime(dump_only=True)


class PersonSchema(Schema):
    id = fields.Integer(dump_only=True)
    # The API shows the whole ID only to roles that need it; others get it masked.
    national_id = fields.Function(lambda p: p.national_id if getattr(p, "show_full_id", False)
                                  else p.masked_national_id, deserialize=lambda v: v, allow_none=True)
    title = _text(40)
    first_name = _text(80, 1, required=True)
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
    postcode = fields.String(validate=validate.Regexp(r"^(\d{5})?$", error="5 digits"))
    caregiver_name = _text(120)
    caregiver_relation = _text(60)
    caregiver_phone = fields.String(validate=[validate.Length(max=32), PHONE])
    disability_types = fields.List(fields.String(validate=validate.OneOf([d.value for d in DisabilityType])),
                                   validate=validate.Length(max=7))
    notes = _text(4000)
    consents = fields.List(fields.Nested(ConsentSchema), dump_only=True)
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


class RequestSchema(Schema):
    id = fields.Integer(dump_only=True)
    person_id = fields.Integer(strict=True, required=True)
    device_type = fields.String(required=True, validate=validate.Length(min=1, max=8))
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
    assessment_due_on = fields.Date(dump_only=True)
    recommended_type = fields.Function(lambda r: r.recommended_type.code if r.recommended_type else None,
                                       dump_only=True)
    dependency_group = _enum(DependencyGroup, dump_only=True)
    decision_reason = fields.String(dump_only=True)
    proposed_device_tag = fields.Function(lambda r: r.proposed_device.tag if r.proposed_device else None,
                                          dump_only=True)
    device_tag = fields.Function(lambda r: r.device.tag if r.device else None, dump_only=True)
    cancel_reason = fields.String(dump_only=True)
    version = fields.Integer(dump_only=True)


class RequestDumpSchema(RequestSchema):
    device_type = fields.Function(lambda r: r.device_type.code)


class RequestQuerySchema(Schema):
    status = _enum(RequestStatus, load_default=None)
    type = _text(8, load_default="")
    person_id = fields.Integer(load_default=None)


class ScheduleSchema(Schema):
    due_on = fields.Date(required=True)
    assessor = _text(64, allow_none=True)


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
    recommended_type = fields.Function(lambda a: a.recommended_type.code if a.recommended_type else None,
                                       deserialize=lambda v: v, validate=validate.Length(max=8), allow_none=True)
    notes = _text(4000)
    assessor = fields.Function(lambda a: a.assessor.username if a.assessor else None, dump_only=True)


class DecisionSchema(Schema):
    approved = fields.Boolean(required=True)
    reason = _text(2000, load_default="")


class ReservationSchema(Schema):
    device_tag = _text(32, allow_none=True)
    reason = _text(2000, load_default="")


class CancelSchema(Schema):
    reason = _text(2000, 1, required=True)


class LoanSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    request_id = fields.Integer(strict=True, required=True)
    device_tag = fields.Function(lambda loan: loan.device.tag, deserialize=lambda v: v,
                                 validate=validate.Length(min=1, max=32), required=True)
    person_id = fields.Integer(dump_only=True)
    instructions = fields.List(_text(300), load_default=list, validate=validate.Length(max=30))
    acknowledged_by = _text(120, 1, required=True)
    acknowledged_relation = _text(60)
    expected_return_on = fields.Date(allow_none=True)
    latitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=-90, max=90))
    longitude = fields.Float(allow_none=True, allow_nan=False, validate=validate.Range(min=-180, max=180))
    delivered_at = fields.DateTime(dump_only=True)
    next_follow_up_on = fields.Date(dump_only=True)
    pickup_requested_on = fields.Date(dump_only=True)
    pickup_reason = _enum(Outcome, dump_only=True)
    returned_at = fields.DateTime(dump_only=True)
    return_condition = _enum(Condition, dump_only=True)
    return_notes = fields.String(dump_only=True)
    is_open = fields.Boolean(dump_only=True)


class LoanQuerySchema(Schema):
    open = fields.Boolean(load_default=None)
    person_id = fields.Integer(load_default=None)


class FollowUpSchema(Schema):
    id = fields.Integer(dump_only=True)
    loan_id = fields.Integer(dump_only=True)
    visited_on = fields.Date()
    in_use = fields.Boolean(required=True)
    condition = _enum(Condition, required=True)
    adl_items = fields.List(fields.Integer(strict=True), allow_none=True, validate=validate.Length(equal=10))
    adl_total = fields.Integer(dump_only=True)
    dependency_group = _enum(DependencyGroup, dump_only=True)
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
