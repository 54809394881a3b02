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
