"""JSON shapes of work orders."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.input_guards import code_field, id_field
from core.money import Satang
from devices.models import Condition
from maintenance.models import DecisionStatus, RetirementKind, WorkKind
from maintenance.services import orders, retirement


class PartSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    quantity = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=1000))
    unit_cost_satang = Satang(required=True)


class ChecklistItemSchema(Schema):
    item = fields.String(metadata={"description": "What to check, as ``complete`` expects it in ``checklist``."})
    result = fields.String(allow_none=True, validate=validate.OneOf(["pass", "fail"]),
                           metadata={"description": "null while not ticked"})


class ChecklistItems(fields.List):
    """A work order's checklist items with their results, read through the service (not an attribute)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return orders.checklist_items(obj)


class WorkOrderSchema(Schema):
    id = fields.Integer(dump_only=True)
    device_tag = code_field(lambda o: o.device.tag, required=True, validate=validate.Length(min=1, max=32))
    kind = fields.Enum(WorkKind, by_value=True, required=True)
    status = fields.Function(lambda o: o.status.value, dump_only=True)
    source = fields.String(dump_only=True)
    description = fields.String(validate=validate.Length(max=4000), load_default="")
    assignee = fields.Function(lambda o: o.assignee.username if o.assignee else None, dump_only=True,
                               allow_none=True, metadata={"type": "string"})
    opened_at = fields.DateTime(dump_only=True)
    started_at = fields.DateTime(dump_only=True, allow_none=True)
    finished_at = fields.DateTime(dump_only=True, allow_none=True)
    checklist = fields.Dict(dump_only=True, metadata={"description": "The results as ticked (once done)."})
    checklist_items = ChecklistItems(fields.Nested(ChecklistItemSchema), dump_only=True, metadata={
        "description": "What to tick, in order, each with its result: the type's checklist while the order is "
                       "open (a repair has none), the items as ticked once it is done."})
    parts = fields.List(fields.Nested(PartSchema), dump_only=True)
    total_satang = fields.Integer(dump_only=True)
    spending_id = fields.Integer(dump_only=True, allow_none=True)
    estimate_satang = fields.Integer(dump_only=True, allow_none=True)
    retire_suggested = fields.Function(lambda o: retirement.retire_suggested(o), dump_only=True)
    ready_at = fields.DateTime(dump_only=True, allow_none=True)
    costs_approved = fields.Boolean(dump_only=True, allow_none=True,
                                    metadata={"description": "the last decision on costs that waited for approval; "
                                                             "null when none was needed"})
    costs_decided_by = fields.Function(lambda o: o.costs_decided_by.username if o.costs_decided_by else None,
                                       dump_only=True, allow_none=True, metadata={"type": "string"})
    costs_decided_at = fields.DateTime(dump_only=True, allow_none=True)
    costs_decision_note = fields.String(dump_only=True)


class WorkOrderQuerySchema(Schema):
    device_tag = fields.String(load_default="", validate=validate.Length(max=32))
    status = fields.String(load_default="", validate=validate.OneOf(["", "open", "in_progress", "waiting_parts",
                                                                     "cost_approval", "done", "cancelled"]))
    kind = fields.String(load_default="", validate=validate.OneOf(["", *[k.value for k in WorkKind]]))


class CompleteSchema(Schema):
    checklist = fields.Dict(keys=fields.String(validate=validate.Length(max=300)),
                            values=fields.String(validate=validate.OneOf(["pass", "fail"])), load_default=dict)
    labour_hours = fields.Float(load_default=0, allow_nan=False, validate=validate.Range(min=0, max=1000))
    labour_rate_satang = Satang(load_default=0)
    other_cost_satang = Satang(load_default=0)
    notes = fields.String(load_default="", validate=validate.Length(max=4000))
    condition = fields.Enum(Condition, by_value=True, load_default=None, allow_none=True,
                            metadata={"description": "The device's condition after the work (required for a repair)."})


class CancelOrderSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CostApprovalSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class CostDeclineSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class NoBodySchema(Schema):
    """For steps that need no input."""


class EstimateSchema(Schema):
    estimate_satang = Satang(required=True)


class RetirementSchema(Schema):
    id = fields.Integer(dump_only=True)
    device_tag = code_field(lambda r: r.device.tag, required=True, validate=validate.Length(min=1, max=32))
    kind = fields.Enum(RetirementKind, by_value=True, required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    work_order_id = id_field(allow_none=True, load_default=None)
    status = fields.Function(lambda r: r.status.value, dump_only=True)
    estimate_satang = fields.Integer(dump_only=True, allow_none=True)
    requested_by = fields.Function(lambda r: r.requested_by.username if r.requested_by else None, dump_only=True)
    requested_at = fields.DateTime(dump_only=True)
    decided_by = fields.Function(lambda r: r.decided_by.username if r.decided_by else None, dump_only=True)
    decided_at = fields.DateTime(dump_only=True, allow_none=True)
    decision_note = fields.String(dump_only=True)


class RetirementQuerySchema(Schema):
    status = fields.String(load_default="", validate=validate.OneOf(["", *[s.value for s in DecisionStatus]]))


class RetirementDecisionSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ServiceDueSchema(Schema):
    device_tag = fields.Function(lambda d: d.device.tag)
    type_code = fields.Function(lambda d: d.device.type.code)
    device_status = fields.Function(lambda d: d.device.status.value)
    last_service_at = fields.DateTime(allow_none=True, metadata={"description": "null: never inspected"})
    due_at = fields.DateTime(allow_none=True, metadata={"description": "null when the type counts loans only"})
    loans_since = fields.Integer()
    by_days = fields.Boolean()
    by_loans = fields.Boolean()
    next_visit_on = fields.Date(allow_none=True)
    open_order_id = fields.Integer(allow_none=True)


class TypeFiguresSchema(Schema):
    type_code = fields.String()
    type_name_th = fields.String()
    type_name_en = fields.String()
    devices = fields.Integer()
    out_of_service = fields.Integer()
    repairs = fields.Integer()
    mtbf_days = fields.Float(allow_none=True)
    returns_turned_around = fields.Integer()
    turnaround_mean_days = fields.Float(allow_none=True)
    turnaround_median_days = fields.Float(allow_none=True)
    downtime_days = fields.Float()
    repair_cost_satang = fields.Integer()
