"""JSON shapes of the program reports."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from reports import periods, tables


class SummarySchema(Schema):
    devices_by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                                    metadata={"description": "device status -> number of devices"})
    requests_by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                                     metadata={"description": "request status -> number of requests"})
    loans = fields.Integer(required=True)
    open_loans = fields.Integer(required=True)
    people_served = fields.Integer(required=True)
    device_days = fields.Float(required=True)
    savings_to_families_satang = fields.Integer(required=True)
    fund_balances_satang = fields.Dict(
        keys=fields.String(), values=fields.Integer(),
        metadata={"description": "fund code -> the money it holds, in satang; present only for the roles that "
                                 "may read /api/v1/funds (treasurer, admin), absent for the others"})


class PeriodArgsSchema(Schema):
    period = fields.String(validate=validate.OneOf(periods.KINDS),
                           metadata={"description": "fiscal_year (October to September, named by the year it ends "
                                                    "in), year, or range; fiscal_year if absent"})
    year = fields.String(validate=validate.Regexp(r"^[0-9]{4}$"),
                         metadata={"description": "Buddhist Era (from 2400) or Common Era; this year if absent"})
    from_ = fields.String(data_key="from", attribute="from", validate=validate.Length(max=20),
                          metadata={"description": "first day of a range (ISO 8601 or day/month/year)"})
    to = fields.String(validate=validate.Length(max=20), metadata={"description": "last day of a range"})
    compare = fields.String(metadata={"description": "ignored by the API: the period before is always given"})

    class Meta:
        unknown = EXCLUDE


class PeriodSchema(Schema):
    kind = fields.String(required=True)
    first_day = fields.Date(required=True)
    last_day = fields.Date(required=True)
    label = fields.String(required=True)


class FigureSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(tables.KINDS))
    value = fields.Raw(required=True, allow_none=True)
    previous = fields.Raw(required=True, allow_none=True)


class ColumnSchema(Schema):
    key = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(tables.KINDS))


class TableSchema(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    columns = fields.List(fields.Nested(ColumnSchema), required=True)
    rows = fields.List(fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True)), required=True,
                       metadata={"description": "column key -> value (null where there is nothing to show)"})
    note = fields.String(required=True, allow_none=True)


class ReportSchema(Schema):
    key = fields.String(required=True)
    title = fields.String(required=True)
    period = fields.Nested(PeriodSchema, required=True, allow_none=True)
    previous_period = fields.Nested(PeriodSchema, required=True, allow_none=True)
    figures = fields.List(fields.Nested(FigureSchema), required=True)
    tables = fields.List(fields.Nested(TableSchema), required=True)


# --- the dashboard (reports/dashboard.py) --------------------------------------------------------

def _statuses(what: str) -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                       metadata={"description": f"{what} status -> number of {what}s (every status, 0 included)"})


class _TypeNames(Schema):
    type_code = fields.String(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(required=True)


class DevicesByTypeSchema(_TypeNames):
    total = fields.Integer(required=True)
    by_status = _statuses("device")


class DashboardDevicesSchema(Schema):
    total = fields.Integer(required=True)
    by_status = _statuses("device")
    by_type = fields.List(fields.Nested(DevicesByTypeSchema), required=True)


class UtilisationSchema(Schema):
    on_loan = fields.Integer(required=True)
    lendable = fields.Integer(required=True, metadata={"description": "devices that are not retired or lost"})
    share = fields.Float(required=True, allow_none=True,
                         metadata={"description": "on_loan / lendable (0..1); null when there is no lendable device"})


class WaitlistTypeSchema(_TypeNames):
    waiting = fields.Integer(required=True)
    oldest_since = fields.DateTime(required=True, allow_none=True)
    oldest_days = fields.Integer(required=True, allow_none=True,
                                 metadata={"description": "whole days (Bangkok) the longest waiting item has waited"})


class DashboardWaitlistSchema(Schema):
    total = fields.Integer(required=True, metadata={"description": "waitlisted items (devices waited for)"})
    oldest_days = fields.Integer(required=True, allow_none=True)
    by_type = fields.List(fields.Nested(WaitlistTypeSchema), required=True)


class StepSchema(Schema):
    status = fields.String(required=True, metadata={"description": "the request status it waits at"})
    count = fields.Integer(required=True)
    oldest_since = fields.DateTime(required=True, allow_none=True,
                                   metadata={"description": "when the longest waiting one reached this step"})
    oldest_days = fields.Integer(required=True, allow_none=True)


class OldestRequestSchema(Schema):
    request_id = fields.Integer(required=True)
    status = fields.String(required=True)
    since = fields.DateTime(required=True)
    days = fields.Integer(required=True)


class DashboardRequestsSchema(Schema):
    waiting = fields.Integer(required=True, metadata={"description": "open requests before delivery"})
    by_step = fields.List(fields.Nested(StepSchema), required=True)
    oldest = fields.Nested(OldestRequestSchema, required=True, allow_none=True,
                           metadata={"description": "the request waiting longest at its step; null when none waits"})


class MooSchema(Schema):
    tambon = fields.String(required=True)
    moo = fields.String(required=True)
    due = fields.Integer(required=True, metadata={"description": "visits due from today to the horizon"})
    overdue = fields.Integer(required=True, metadata={"description": "visits due before today"})
    oldest_due_on = fields.Date(required=True, allow_none=True)
    oldest_overdue_days = fields.Integer(required=True, allow_none=True)


class DashboardFollowUpsSchema(Schema):
    horizon_days = fields.Integer(required=True)
    due = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    by_moo = fields.List(fields.Nested(MooSchema), required=True)


class DashboardPickupsSchema(Schema):
    pending = fields.Integer(required=True)
    oldest_requested_on = fields.Date(required=True, allow_none=True)
    oldest_days = fields.Integer(required=True, allow_none=True)


class KindCountSchema(Schema):
    kind = fields.String(required=True)
    count = fields.Integer(required=True)


class DashboardMaintenanceSchema(Schema):
    open_orders = fields.Integer(required=True)
    by_kind = fields.List(fields.Nested(KindCountSchema), required=True)
    waiting_cost_approval = fields.Integer(required=True)
    inspections_overdue = fields.Integer(required=True,
                                         metadata={"description": "devices in stock or on loan due an inspection"})


class ReasonSchema(Schema):
    code = fields.String(required=True, metadata={"description": "open_report, open_work_order, failed_inspection, "
                                                                 "service_overdue or unusable"})
    devices = fields.Integer(required=True)


class HeldBackSchema(Schema):
    devices = fields.Integer(required=True, metadata={"description": "devices in stock a hold keeps from lending"})
    by_reason = fields.List(fields.Nested(ReasonSchema), required=True,
                            metadata={"description": "a device held for two reasons counts under each"})


class FundBalanceSchema(Schema):
    code = fields.String(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(required=True)
    restricted = fields.Boolean(required=True)
    balance_satang = fields.Integer(required=True)


class DashboardSchema(Schema):
    as_of = fields.DateTime(required=True)
    today = fields.Date(required=True, metadata={"description": "the center's (Bangkok) day the ages count to"})
    devices = fields.Nested(DashboardDevicesSchema, required=True)
    utilisation = fields.Nested(UtilisationSchema, required=True)
    waitlist = fields.Nested(DashboardWaitlistSchema, required=True)
    requests = fields.Nested(DashboardRequestsSchema, required=True)
    follow_ups = fields.Nested(DashboardFollowUpsSchema, required=True)
    pickups = fields.Nested(DashboardPickupsSchema, required=True)
    maintenance = fields.Nested(DashboardMaintenanceSchema, required=True)
    held_back = fields.Nested(HeldBackSchema, required=True)
    fund_balances = fields.List(fields.Nested(FundBalanceSchema), required=True, allow_none=True,
                                metadata={"description": "each fund's money; null for the roles that may not read "
                                                         "/api/v1/funds (all but treasurer and admin)"})
