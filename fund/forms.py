"""Forms of the fund pages: donors, cash and in-kind donations, purchases."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from core.forms import FlaskForm, LocalDateField
from devices.forms import MAX_BAHT
from fund.models import DonorKind, PaymentMethod

DONOR_KIND_LABELS = {DonorKind.PERSON: _l("Person"), DonorKind.COMPANY: _l("Company"), DonorKind.SHOP: _l("Shop"),
                     DonorKind.CIVIL_SOCIETY: _l("Civil-society group")}
ENTRY_KIND_LABELS = {"donation": _l("Cash donation"), "in_kind": _l("Gift in kind"), "purchase": _l("Purchase"),
                     "repair": _l("Repair"), "reversal": _l("Reversal")}
METHOD_LABELS = {PaymentMethod.CASH: _l("Cash"), PaymentMethod.TRANSFER: _l("Bank transfer"),
                 PaymentMethod.PROMPTPAY: _l("PromptPay"), PaymentMethod.CHEQUE: _l("Cheque")}


def _choices(labels):
    return [SelectChoice(k.value, v) for k, v in labels.items()]


def _baht(label):
    return DecimalField(label, places=2, validators=[InputRequired(), NumberRange(min=0.01, max=MAX_BAHT)],
                        render_kw={"inputmode": "decimal"})


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
    amount = _baht(_l("Amount (baht)"))
    fund = SelectField(_l("Fund"), validators=[InputRequired()])
    method = SelectField(_l("Paid by"), choices=_choices(METHOD_LABELS), default=PaymentMethod.TRANSFER.value)
    received_on = LocalDateField(_l("Received on"), validators=[InputRequired()])
    description = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])


class InKindForm(FlaskForm):
    donor_id = SelectField(_l("Donor"), validators=[InputRequired()])
    device_type = SelectField(_l("Device type"), validators=[InputRequired()])
    count = IntegerField(_l("How many"), default=1, validators=[InputRequired(), NumberRange(min=1, max=100)])
    brand = StringField(_l("Brand"), validators=[Optional(), Length(max=80)])
    value = DecimalField(_l("Value of each, as the donor states (baht)"), places=2,
                         validators=[Optional(), NumberRange(min=0, max=MAX_BAHT)])
    received_on = LocalDateField(_l("Received on"), validators=[InputRequired()])
    description = StringField(_l("Note"), validators=[Optional(), Length(max=2000)])


class PurchaseForm(FlaskForm):
    device_type = SelectField(_l("Device type"), validators=[InputRequired()])
    count = IntegerField(_l("How many"), default=1, validators=[InputRequired(), NumberRange(min=1, max=100)])
    amount = _baht(_l("Total paid (baht)"))
    fund = SelectField(_l("Pay from"), validators=[Optional()],
                       description=_l("Leave on automatic to use the oldest donations the purchase may use."))
    donation = SelectField(_l("Or pay all of it from one donation"), validators=[Optional()],
                           description=_l("Chosen by the treasurer instead of the oldest donations first."))
    spent_on = LocalDateField(_l("Paid on"), validators=[InputRequired()])
    description = StringField(_l("Supplier and invoice"), validators=[Optional(), Length(max=2000)])
