"""Forms for device types, devices and the public problem report."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from core.forms import FlaskForm, LocalDateField
from core.money import MoneyField
from devices.labels import ACQUISITION_LABELS, CONDITION_LABELS, REPORT_LABELS, STATUS_LABELS  # noqa: F401
from devices.models import Acquisition, Condition, ReportKind

def _lines(text: str | None, most: int) -> list[str]:
    """A textarea of one item per line as a list."""
    return [line.strip()[:300] for line in (text or "").splitlines() if line.strip()][:most]


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


class DeviceTypeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Regexp(
        r"^[A-Za-z][A-Za-z0-9]{0,7}$", message=_l("1 to 8 letters or digits, starting with a letter"))],
        description=_l("Used in the asset tags, e.g. WC gives BS-WC-00042."))
    name_th = StringField(_l("Name in Thai"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    reference_price = MoneyField(_l("Reference new price (baht)"), [Optional()])
    reference_price_date = LocalDateField(_l("Price checked on"), validators=[Optional()])
    reference_price_source = StringField(_l("Price source"), validators=[Optional(), Length(max=200)])
    service_interval_days = IntegerField(_l("Service interval (days)"),
                                         validators=[Optional(), NumberRange(min=1, max=3650)])
    service_interval_loans = IntegerField(_l("Service interval (loans)"),
                                          validators=[Optional(), NumberRange(min=1, max=1000)],
                                          description=_l("An inspection is due after this many days or loans, "
                                                         "whichever comes first."))
    expected_life_years = IntegerField(_l("Expected service life (years)"),
                                       validators=[Optional(), NumberRange(min=1, max=50)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    instructions = TextAreaField(_l("Instructions given at delivery"), validators=[Optional(), Length(max=6000)],
                                 description=_l("One point per line; the recipient acknowledges each one."))
    cleaning_steps = TextAreaField(_l("Cleaning protocol"), validators=[Optional(), Length(max=6000)],
                                   description=_l("One step per line."))
    contact_time_minutes = IntegerField(_l("Disinfectant contact time (minutes)"), default=10,
                                        validators=[Optional(), NumberRange(min=0, max=240)])
    inspection_items = TextAreaField(_l("Inspection checklist"), validators=[Optional(), Length(max=6000)],
                                     description=_l("One item per line; each passes or fails."))
    first_follow_up_days = IntegerField(_l("First follow-up visit within (days)"), default=7,
                                        validators=[Optional(), NumberRange(min=1, max=365)])
    follow_up_interval_days = IntegerField(_l("Then a visit every (days)"), default=30,
                                           validators=[Optional(), NumberRange(min=1, max=365)])
    version = HiddenField()

    def to_data(self) -> dict:
        data = {f: getattr(self, f).data for f in ("name_th", "name_en", "reference_price_date",
                                                    "service_interval_days", "service_interval_loans",
                                                    "expected_life_years",
                                                    "first_follow_up_days", "follow_up_interval_days")}
        data["first_follow_up_days"] = data["first_follow_up_days"] or 7
        data["follow_up_interval_days"] = data["follow_up_interval_days"] or 30
        data["instructions"] = _lines(self.instructions.data, 30)
        data["cleaning_steps"] = _lines(self.cleaning_steps.data, 30)
        data["inspection_items"] = _lines(self.inspection_items.data, 40)
        data["contact_time_minutes"] = self.contact_time_minutes.data if self.contact_time_minutes.data is not None \
            else 10
        data["reference_price_source"] = self.reference_price_source.data or ""
        data["description"] = self.description.data or ""
        data["reference_price_satang"] = self.reference_price.satang or 0
        return data


class DeviceForm(FlaskForm):
    type = SelectField(_l("Device type"), validators=[InputRequired()])
    brand = StringField(_l("Brand"), validators=[Optional(), Length(max=80)])
    model = StringField(_l("Model"), validators=[Optional(), Length(max=80)])
    serial = StringField(_l("Serial number"), validators=[Optional(), Length(max=80)])
    condition = SelectField(_l("Condition"), choices=_choices(CONDITION_LABELS), default=Condition.GOOD.value)
    location = StringField(_l("Location"), validators=[Optional(), Length(max=120)],
                           description=_l("Where it is kept, e.g. storeroom shelf A2."))
    acquisition = SelectField(_l("How it came to us"), choices=_choices(ACQUISITION_LABELS),
                              default=Acquisition.DONATION.value)
    acquired_on = LocalDateField(_l("Received on"), validators=[Optional()])
    acquisition_value = MoneyField(_l("Value (baht)"), [Optional()],
                                   description=_l("Leave empty for an in-kind gift with no stated value."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    version = HiddenField()

    def to_data(self) -> dict:
        data = {f: (getattr(self, f).data or "") for f in ("brand", "model", "serial", "location", "notes")}
        data["condition"] = Condition(self.condition.data)
        data["acquisition"] = Acquisition(self.acquisition.data)
        data["acquired_on"] = self.acquired_on.data
        data["acquisition_value_satang"] = self.acquisition_value.satang
        return data


class ProblemReportForm(FlaskForm):
    kind = SelectField(_l("What would you like to tell us?"), choices=_choices(REPORT_LABELS),
                       default=ReportKind.PROBLEM.value)
    message = TextAreaField(_l("Details"), validators=[Optional(), Length(max=1000)])
    contact_name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=120)])
    contact_phone = StringField(_l("Phone number to call you back (optional)"),
                                validators=[Optional(), Length(max=32),
                                            Regexp(r"^[0-9+\-() ]*$", message=_l("Digits only, please."))])


class HoldOverrideForm(FlaskForm):
    reason = TextAreaField(_l("Why it may be lent despite the hold"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Your name and this reason are kept in the device's history."))
