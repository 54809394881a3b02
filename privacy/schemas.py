"""JSON shapes of the access log, a person's exported record and data-subject requests."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from core import clock
from core.input_guards import id_field
from lending.schemas import (AssessmentSchema, CareNeedSchema, ConsentSchema, FollowUpSchema, LoanSchema,
                             PersonSchema, ReferralSchema, RequestDumpSchema)
from privacy.models import SubjectRequestKind, SubjectRequestStatus


class AccessLogQuerySchema(Schema):
    person_id = id_field(strict=False, load_default=None)
    actor = fields.String(load_default="", validate=validate.Length(max=64))
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)


class AccessEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    user = fields.Function(lambda e: e.user.username)
    object_type = fields.String()
    object_id = fields.String()
    purpose = fields.String()
    detail = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)


class PhotoSchema(Schema):
    loan_id = fields.Integer()
    content_type = fields.String()
    url = fields.String()


class SubjectRequestSchema(Schema):
    id = fields.Integer(dump_only=True)
    person_id = id_field(required=True)
    kind = fields.Enum(SubjectRequestKind, by_value=True, required=True)
    received_on = fields.Date(load_default=None, allow_none=True)
    due_on = fields.Date(dump_only=True)
    status = fields.Enum(SubjectRequestStatus, by_value=True, dump_only=True)
    closed_on = fields.Date(dump_only=True, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=1000))
    overdue = fields.Function(lambda r: r.is_overdue(clock.today()), dump_only=True,
                              metadata={"type": "boolean"})
    created_by = fields.Function(lambda r: r.created_by.username, dump_only=True)
    closed_by = fields.Function(lambda r: r.closed_by.username if r.closed_by else None, dump_only=True,
                                allow_none=True)


class SubjectRequestQuerySchema(Schema):
    status = fields.Enum(SubjectRequestStatus, by_value=True, load_default=SubjectRequestStatus.OPEN)
    person_id = id_field(strict=False, load_default=None)


class SubjectRequestCloseSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf([SubjectRequestStatus.DONE.value,
                                                                   SubjectRequestStatus.REFUSED.value]))
    closed_on = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class PersonRecordSchema(Schema):
    exported_at = fields.DateTime()
    exported_by = fields.String()
    person = fields.Nested(PersonSchema)
    requests = fields.List(fields.Nested(RequestDumpSchema))
    assessments = fields.List(fields.Nested(AssessmentSchema))
    loans = fields.List(fields.Nested(LoanSchema))
    follow_ups = fields.List(fields.Nested(FollowUpSchema))
    consents = fields.List(fields.Nested(ConsentSchema))
    care_needs = fields.List(fields.Nested(CareNeedSchema))
    referrals = fields.List(fields.Nested(ReferralSchema))
    photos = fields.List(fields.Nested(PhotoSchema))
    subject_requests = fields.List(fields.Nested(SubjectRequestSchema))
    accesses = fields.List(fields.Nested(AccessEventSchema))
