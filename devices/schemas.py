"""JSON shapes of device types, devices and their history (validation only, no queries)."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.money import Satang
from devices.models import Acquisition, Condition, DeviceStatus
from devices.services import device_url

def _text(max_len: int, min_len: int = 0, **kwargs):
    return fields.String(validate=validate.Length(min=min_len, max=max_len), **kwargs)


class DeviceTypeSchema(Schema):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Za-z][A-Za-z0-9]{0,7}$", error=_l("Use 1 to 8 letters or digits, starting with a letter.")))
    name_th = _text(120, 1, required=True)
    name_en = _text(120, 1, required=True)
    reference_price_satang = Satang(load_default=0)
    reference_price_date = fields.Date(allow_none=True)
    reference_price_source = _text(200)
    service_interval_days = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=3650))
    service_interval_loans = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=1000))
    expected_life_years = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=50))
    description = _text(4000)
    instructions = fields.List(_text(300, 1), validate=validate.Length(max=30))
    cleaning_steps = fields.List(_text(300, 1), validate=validate.Length(max=30))
    contact_time_minutes = fields.Integer(strict=True, validate=validate.Range(min=0, max=240))
    inspection_items = fields.List(_text(300, 1), validate=validate.Length(max=40))
    first_follow_up_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=365))
    follow_up_interval_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=365))
    version = fields.Integer(dump_only=True)
    device_count = fields.Integer(dump_only=True)


class DeviceTypeUpdateSchema(DeviceTypeSchema):
    class Meta:
        exclude = ("code",)

    name_th = _text(120, 1)
    name_en = _text(120, 1)
    reference_price_satang = Satang()
    version = fields.Integer(strict=True, required=True)


class DeviceSchema(Schema):
    tag = fields.String(dump_only=True)
    type = fields.Function(lambda d: d.type.code, dump_only=True)
    type_name_th = fields.Function(lambda d: d.type.name_th, dump_only=True)
    type_name_en = fields.Function(lambda d: d.type.name_en, dump_only=True)
    brand = _text(80)
    model = _text(80)
    serial = _text(80)
    status = fields.Enum(DeviceStatus, by_value=True)
    condition = fields.Enum(Condition, by_value=True)
    location = _text(120)
    acquisition = fields.Enum(Acquisition, by_value=True)
    acquired_on = fields.Date(allow_none=True)
    acquisition_value_satang = Satang(allow_none=True)
    notes = _text(4000)
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    url = fields.Function(lambda d: device_url(d.tag), dump_only=True)
    label_url = fields.Function(lambda d: url_for("labels.label_png_view", tag=d.tag, _external=True), dump_only=True,
                                metadata={"type": "string", "format": "uri",
                                          "description": "The label as a PNG; fetch it with the same bearer token."})


class HoldSchema(Schema):
    code = fields.String(metadata={"description": "open_report, open_work_order, failed_inspection, "
                                                  "service_overdue or unusable"})
    reason = fields.String()
    overridden = fields.Boolean()


class DeviceDetailSchema(DeviceSchema):
    holds = fields.List(fields.Nested(HoldSchema), dump_only=True,
                        metadata={"description": "What holds the device back from lending (devices in stock or "
                                                 "reserved); an overridden hold no longer blocks."})
    lendable = fields.Boolean(dump_only=True, metadata={"description": "Available and nothing blocks it."})


class HoldOverrideSchema(Schema):
    reason = _text(2000, 1, required=True)


class DeviceCreateSchema(DeviceSchema):
    type = fields.String(required=True, validate=validate.Length(min=1, max=8))


class DeviceUpdateSchema(DeviceSchema):
    version = fields.Integer(strict=True, required=True)


class DeviceQuerySchema(Schema):
    q = _text(80, load_default="")
    type = _text(8, load_default="")
    status = fields.Enum(DeviceStatus, by_value=True, load_default=None)


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.Function(lambda e: e.actor.username if e.actor else None)
    action = fields.String()
    changes = fields.Dict()
    request_id = fields.String(allow_none=True)
