"""JSON shapes for donors, donations, purchases, repairs, funds and the journal."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.input_guards import OptionalEmail, code_field
from core.money import Satang
from fund import memos
from fund.models import AccountKind, DonorKind, PaymentMethod, ValueSource

MAX_ID = 2**31 - 1  # the database's integer: a larger id is invalid input, not a driver overflow


def _id(**kwargs):
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


class DonorSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Enum(DonorKind, by_value=True, load_default=DonorKind.PERSON)
    tax_id = fields.String(allow_none=True, validate=validate.Length(max=20))
    phone = fields.String(validate=[validate.Length(max=32), validate.Regexp(r"^[0-9+\-() ]*$")])
    email = OptionalEmail(validate=validate.Length(max=200), metadata={"description": "null when none is known"})
    address = fields.String(validate=validate.Length(max=1000))
    may_be_named = fields.Boolean(load_default=False)


class DeviceItemSchema(Schema):
    """One device bought: what its label and register say."""

    brand = fields.String(validate=validate.Length(max=80), load_default="")
    model = fields.String(validate=validate.Length(max=80), load_default="")
    serial = fields.String(validate=validate.Length(max=80), load_default="")
    location = fields.String(validate=validate.Length(max=120), load_default="")


class InKindItemSchema(DeviceItemSchema):
    """One device given; without ``value_satang`` it is valued at its type's reference new price."""

    type = fields.String(required=True, validate=validate.Length(min=1, max=8))
    value_satang = Satang(allow_none=True)


class RegisteredDeviceSchema(Schema):
    """A device as a purchase or a gift registered it (read from its link row)."""

    tag = fields.String(attribute="device.tag")
    type = fields.String(attribute="device.type.code")
    brand = fields.String(attribute="device.brand")
    model = fields.String(attribute="device.model")
    serial = fields.String(attribute="device.serial")
    location = fields.String(attribute="device.location")
    value_satang = fields.Integer(attribute="device.acquisition_value_satang", allow_none=True)


class GivenDeviceSchema(RegisteredDeviceSchema):
    value_satang = fields.Integer(allow_none=True)
    value_source = fields.Enum(ValueSource, by_value=True, allow_none=True,
                               metadata={"description": "donor: the value the donor stated; reference: the type's "
                                                        "reference new price"})


class DonationSchema(Schema):
    id = fields.Integer(dump_only=True)
    donor_id = _id(required=True)
    kind = fields.String(dump_only=True)
    amount_satang = Satang(minimum=1)
    fund = code_field(lambda d: d.fund.code if d.fund else None, validate=validate.Length(max=20))
    method = fields.Enum(PaymentMethod, by_value=True, load_default=PaymentMethod.TRANSFER, allow_none=True,
                         metadata={"description": "How the money came; null for a gift in kind."})
    received_on = fields.Date()
    description = fields.String(validate=validate.Length(max=2000), load_default="")
    devices = fields.List(fields.Nested(InKindItemSchema), load_only=True, validate=validate.Length(max=200))
    devices_given = fields.List(fields.Nested(GivenDeviceSchema), attribute="devices", data_key="devices",
                                dump_only=True)
    device_tags = fields.Function(lambda d: [item.device.tag for item in d.devices], dump_only=True)
    receipt = fields.String(attribute="receipt_label", dump_only=True)
    entry_id = fields.Integer(dump_only=True, allow_none=True)


class ChosenAllocationSchema(Schema):
    donation_id = _id(required=True)
    amount_satang = Satang(minimum=1, required=True)


class SpendingSchema(Schema):
    id = fields.Integer(dump_only=True)
    purpose = fields.String(dump_only=True)
    device_type = code_field(lambda s: s.device_type.code if s.device_type else None, validate=validate.Length(max=8))
    amount_satang = Satang(minimum=1, required=True)
    fund = fields.String(load_only=True, validate=validate.Length(max=20), load_default=None, allow_none=True)
    count = fields.Integer(strict=True, load_only=True, validate=validate.Range(min=1, max=100), load_default=None)
    description = fields.String(validate=validate.Length(max=2000), load_default="")
    spent_on = fields.Date()
    allocations = fields.Method("_allocations", deserialize="_load_allocations")
    device_tags = fields.Function(lambda s: [p.device.tag for p in s.devices], dump_only=True)
    entry_id = fields.Integer(dump_only=True)

    def _allocations(self, spending):
        return [{"donation_id": a.donation_id, "amount_satang": a.amount_satang} for a in spending.allocations]

    def _load_allocations(self, value):
        return ChosenAllocationSchema(many=True).load(value)


class PurchaseSchema(SpendingSchema):
    """``count`` devices, or one per item of ``devices`` (both given: they must agree; neither: one)."""

    devices = fields.List(fields.Nested(DeviceItemSchema), load_only=True, validate=validate.Length(min=1, max=100))
    devices_bought = fields.List(fields.Nested(RegisteredDeviceSchema), attribute="devices", data_key="devices",
                                 dump_only=True)


class RepairSchema(SpendingSchema):
    device_tag = fields.String(load_only=True, validate=validate.Length(max=32), load_default=None, allow_none=True)


class FundSchema(Schema):
    code = fields.String()
    name_th = fields.String()
    name_en = fields.String()
    restricted = fields.Boolean()
    restricted_to = fields.Function(lambda f: (f.device_type.code if f.device_type else None) or
                                    (f.purpose.value if f.purpose else None))
    balance_satang = fields.Integer()


class TrialBalanceLineSchema(Schema):
    code = fields.String(attribute="account.code", required=True)
    name_th = fields.String(attribute="account.name_th", required=True)
    name_en = fields.String(attribute="account.name_en", required=True)
    kind = fields.Enum(AccountKind, by_value=True, attribute="account.kind", required=True)
    balance_satang = fields.Integer(required=True,
                                    metadata={"description": "the sum of the account's postings (debits positive)"})


class TrialBalanceSchema(Schema):
    accounts = fields.List(fields.Nested(TrialBalanceLineSchema), required=True)
    total_satang = fields.Integer(required=True, metadata={"description": "the sum of every account: always zero"})
    balanced = fields.Boolean(required=True)


class PostingSchema(Schema):
    account = fields.Function(lambda p: p.account.code)
    fund = fields.Function(lambda p: p.fund.code)
    amount_satang = fields.Integer()


class EntrySchema(Schema):
    id = fields.Integer()
    entry_date = fields.Date()
    memo = fields.Function(memos.text, metadata={"description": "in the reader's language (Accept-Language)"})
    memo_key = fields.String(allow_none=True, metadata={"description": "a standard memo's key; null when typed"})
    memo_params = fields.Dict(allow_none=True)
    kind = fields.String()
    reverses_id = fields.Integer(allow_none=True)
    postings = fields.List(fields.Nested(PostingSchema))


class EntryQuerySchema(Schema):
    kind = fields.String(load_default="", validate=validate.Length(max=20))
    fund = fields.String(load_default="", validate=validate.Length(max=20))
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)


class ReverseSchema(Schema):
    memo = fields.String(load_default="", validate=validate.Length(max=300))


class ImpactSchema(Schema):
    given_satang = fields.Integer()
    devices_in_kind = fields.Integer()
    in_kind_satang = fields.Integer()
    devices_whole = fields.Integer()
    devices_share = fields.Float()
    loans = fields.Integer()
    people_served = fields.Function(lambda i: "fewer than 3" if i.people_shown == "<3" else i.people_served)
    device_days = fields.Float()
    savings_satang = fields.Integer()
    repairs_funded = fields.Integer()
    repairs_satang = fields.Integer()


class YearQuerySchema(Schema):
    """A tax year: the calendar year, Common Era or Buddhist Era (2569 = 2026); empty: this year."""

    year = fields.String(load_default="", validate=validate.Length(max=4),
                         metadata={"description": "e.g. 2026 or 2569; this year when left out"})


class ReceiptItemSchema(Schema):
    """One of a donor's gifts that stands, with its receipt number (empty for a gift in kind)."""

    id = fields.Integer()
    received_on = fields.Date()
    tax_year = fields.Function(lambda d: d.received_on.year)
    kind = fields.Function(lambda d: d.kind.value)
    amount_satang = fields.Integer()
    fund = fields.Function(lambda d: d.fund.code if d.fund else None)
    receipt_label = fields.String()
    devices = fields.Function(lambda d: len(d.devices))


class SummarySendSchema(Schema):
    """Which year's impact summary to e-mail."""

    year = fields.String(load_default="", validate=validate.Length(max=4),
                         metadata={"description": "the tax year, e.g. 2026 or 2569; this year when left out"})


class SummarySentSchema(Schema):
    """The e-mail written to the outbox, and what became of the attempt to send it at once."""

    outbox_id = fields.Integer(metadata={"description": "the message in the outbox"})
    to_address = fields.String()
    year = fields.Integer(metadata={"description": "the tax year (Common Era)"})
    status = fields.String(validate=validate.OneOf(("sent", "pending", "sending")),
                           metadata={"description": "sent; pending (the mail server could not be reached: "
                                                    "`flask outbox send` sends it later); sending (another "
                                                    "worker holds it)"})
