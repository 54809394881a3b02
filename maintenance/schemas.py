"""JSON shapes of work orders."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from devices.schemas import MAX_SATANG
from maintenance.models import WorkKind


class PartSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    quantity = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=1000))
    unit_cost_satang = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=MAX_SATANG))


class WorkOrderSchema(Schema):
    id = fields.Integer(dump_only=True)
    device_tag = fields.Function(lambda o: o.device.tag, deserialize=lambda v: v, required=True,
                                 validate=validate.Length(min=1, max=32))
    kind = fields.Enum(WorkKind, by_value=True, required=True)
    status = fields.Function(lambda o: o.status.value, dump_only=True)
    source = fields.String(dump_only=True)
    description = fields.String(validate=validate.Length(max=4000), load_default="")
    assignee = fields.Function(lambda o: o.assignee.username if o.assignee else None, dump_only=True)
    opened_at = fields.DateTime(dump_only=True)
    started_at = fields.DateTime(dump_only=True)
    finished_at = fields.DateTime(dump_only=True)
    checklist = fields.Dict(dump_only=True)
    parts = fields.List(fields.Nested(PartSchema), dump_only=True)
    total_satang = fields.Integer(dump_only=True)
    spending_id = fields.Integer(dump_only=True)


class WorkOrderQuerySchema(Schema):
    device_tag = fields.String(load_default="", validate=validate.Length(max=32))
    status = fields.String(load_default="", validate=validate.OneOf(["", "open", "in_progress", "waiting_parts",
                                                                     "done", "cancelled"]))
    kind = fields.String(load_default="", validate=validate.OneOf(["", *[k.value for k in WorkKind]]))


class CompleteSchema(Schema):
    checklist = fields.Dict(keys=fields.String(validate=validate.Length(max=300)),
                            values=fields.String(validate=validate.OneOf(["pass", "fail"])), load_default=dict)
    labour_hours = fields.Float(load_default=0, allow_nan=False, validate=validate.Range(min=0, max=1000))
    labour_rate_satang = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=MAX_SATANG))
    other_cost_satang = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=MAX_SATANG))
    notes = fields.String(load_default="", validate=validate.Length(max=4000))


class CancelOrderSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class NoBodySchema(Schema):
    """For steps that need no input."""
