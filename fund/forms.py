"""Forms of the fund pages: donors, cash and in-kind donations, purchases with a row per device."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, FieldList, FormField, IntegerField, SelectChoice, SelectField,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from core.forms import FlaskForm, LocalDateField
from core.money import MoneyField
from fund.models import DonorKind, PaymentMethod

MAX_DEVICES = 100  # devices in one gift or purchase

DONOR_KIND_LABELS = {DonorKind.PERSON: _l("Person"), DonorKind.COMPANY: _l("Company"), DonorKind.SHOP: _l("Shop"),
                     DonorKind.CIVIL_SOCIETY: _l("Civil-society group")}
ENTRY_KIND_LABELS = {"donation": _l("Cash donation"), "in_kind": _l("Gift in kind"), "purchase": _l("Purchase"),
                     "repair": _l("Repair"), "reversal": _l("Reversal")}
METHOD_LABELS = {PaymentMethod.CASH: _l("Cash"), PaymentMethod.TRANSFER: _l("Bank transfer"),
                 PaymentMethod.PROMPTPAY: _l("PromptPay"), PaymentMethod.CHEQUE: _l("Cheque")}


def _choices(labels):
    return [SelectChoice(k.value, v) for k, v in labels.items()]


class DonorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Donor is a"), choices=_choices(DONOR_KIND_LABELS))
    tax_id = StringField(_l("Tax ID (13 digits)"), validators=[Optional(), Length(max=20)],
                         render_kw={"inputmode": "numeric"})
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    email = StringField(_l("Email"), validators=[Optional(), Email(), Length(max=200)])
    address = TextAreaField(_l("Address for the receipt"), validators=[Optional(), Length(max=1000)])
    may_be_named = BooleanField(_l("May be named on the public honour roll"))


class CashDonationForm(FlaskForm):
    donor_id = SelectField(_l("Donor"), validators=[InputRequired()])
    amount = MoneyField(_l("Amount (baht)"), [InputRequired()], positive=True)
    fund = SelectField(_l("Fund"), validators=[InputRequired()])
    method = SelectField(_l("Paid by"), choices=_choices(METHOD_LABELS), default=PaymentMethod.TRANSFER.value)
    received_on = LocalDateField(_l("Received on"), validators=[InputRequired()])
    description = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])


class InKindForm(FlaskForm):
    donor_id = SelectField(_l("Donor"), validators=[InputRequired()])
    device_type = SelectField(_l("Device type"), validators=[InputRequired()])
    count = IntegerField(_l("How many"), default=1, validators=[InputRequired(), NumberRange(min=1, max=MAX_DEVICES)])
    brand = StringField(_l("Brand"), validators=[Optional(), Length(max=80)])
    model = StringField(_l("Model"), validators=[Optional(), Length(max=80)])
    value = MoneyField(_l("Value of each, as the donor states (baht)"), [Optional()], positive=True,
                       description=_l("Leave it empty to value each at the type's reference new price (shown "
                                      "with the type); the gift is booked at the total."))
    received_on = LocalDateField(_l("Received on"), validators=[InputRequired()])
    description = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])


class DeviceRowForm(FlaskForm):
    """One device bought: a row of the purchase page (a sub-form, so no CSRF token of its own)."""

    class Meta:
        csrf = False

    brand = StringField(_l("Brand"), validators=[Optional(), Length(max=80)])
    model = StringField(_l("Model"), validators=[Optional(), Length(max=80)])
    serial = StringField(_l("Serial number"), validators=[Optional(), Length(max=80)])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=120)])


class PurchaseForm(FlaskForm):
    device_type = SelectField(_l("Device type"), validators=[InputRequired()])
    count = IntegerField(_l("How many"), default=1, validators=[InputRequired(), NumberRange(min=1, max=MAX_DEVICES)],
                         render_kw={"inputmode": "numeric"},
                         description=_l("After changing the number, press “One row per device”: new rows repeat the "
                                        "last row's brand, model and location."))
    rows = FieldList(FormField(DeviceRowForm), label=_l("The devices"), min_entries=1, max_entries=MAX_DEVICES)
    amount = MoneyField(_l("Total paid (baht)"), [InputRequired()], positive=True)
    fund = SelectField(_l("Pay from"), validators=[Optional()],
                       description=_l("Leave on automatic to use the oldest donations the purchase may use."))
    donation = SelectField(_l("Or pay all of it from one donation"), validators=[Optional()],
                           description=_l("Chosen by the treasurer instead of the oldest donations first."))
    spent_on = LocalDateField(_l("Paid on"), validators=[InputRequired()])
    description = StringField(_l("Supplier and invoice"), validators=[Optional(), Length(max=2000)])

    def validate_count(self, field):
        if field.data and len(self.rows.entries) != field.data:
            raise ValidationError(_l("There is now a row for each device: fill them in, then save."))

    def one_row_per_device(self) -> None:
        """As many rows as devices (when the number is valid); new rows repeat the last one but its serial."""
        count = self.count.data
        if not isinstance(count, int) or not 1 <= count <= MAX_DEVICES:
            return
        while len(self.rows) > count:
            self.rows.pop_entry()
        last = self.rows.entries[-1].data
        while len(self.rows) < count:
            self.rows.append_entry({"brand": last["brand"], "model": last["model"], "location": last["location"]})
