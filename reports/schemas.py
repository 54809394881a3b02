"""JSON shapes of the program reports."""
from __future__ import annotations

from marshmallow import Schema, fields


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
