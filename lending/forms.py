"""Forms of the lending pages: people, intake, assessment, decision, delivery, visits, return."""
from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import (BooleanField, FloatField, HiddenField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, SelectChoice, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from core.forms import FlaskForm, LocalDateField
from devices.forms import CONDITION_LABELS
from lending import adl
from lending.labels import (CARE_TASK_LABELS, CARER_LABELS, CHANNEL_LABELS, CHRONIC_LABELS,  # noqa: F401
                            DISABILITY_LABELS, LIFE_STATUS_LABELS, OUTCOME_LABELS, REFERRAL_STATUS_LABELS,
                            REQUEST_STATUS_LABELS, URGENCY_LABELS)
from lending.models import Channel, Urgency

PHONE = Regexp(r"^[0-9+\-() ]*$", message=_l("Digits only, please."))

def choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(FlaskForm):
    title = StringField(_l("Title (e.g. นาย, นาง, นางสาว)"), validators=[Optional(), Length(max=40)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=80)])
    last_name = StringField(_l("Last name"), validators=[Optional(), Length(max=80)])
    national_id = StringField(_l("National ID number"), validators=[Optional(), Length(max=20)],
                              render_kw={"inputmode": "numeric", "autocomplete": "off"},
                              description=_l("13 digits; checked against its check digit."))
    birth_date = LocalDateField(_l("Date of birth"), validators=[Optional()])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32), PHONE], render_kw={"inputmode": "tel"})
    house_no = StringField(_l("House number"), validators=[Optional(), Length(max=40)])
    moo = StringField(_l("Moo (village)"), validators=[Optional(), Length(max=10)])
    soi = StringField(_l("Soi"), validators=[Optional(), Length(max=80)])
    road = StringField(_l("Road"), validators=[Optional(), Length(max=80)])
    tambon = StringField(_l("Tambon"), validators=[Optional(), Length(max=80)])
    amphoe = StringField(_l("Amphoe"), validators=[Optional(), Length(max=80)])
    changwat = StringField(_l("Changwat"), validators=[Optional(), Length(max=80)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Regexp(r"^\d{5}$", message=_l("5 digits"))],
                           render_kw={"inputmode": "numeric"})
    caregiver_name = StringField(_l("Caregiver or relative"), validators=[Optional(), Length(max=120)])
    caregiver_relation = StringField(_l("Relation"), validators=[Optional(), Length(max=60)])
    caregiver_phone = StringField(_l("Caregiver's phone"), validators=[Optional(), Length(max=32), PHONE],
                                  render_kw={"inputmode": "tel"})
    disability_types = MultiCheckboxField(_l("Types of disability"), choices=choices(DISABILITY_LABELS))
    disability_card_no = StringField(_l("Disability card number"), validators=[Optional(), Length(max=20)],
                                     render_kw={"autocomplete": "off"})
    disability_card_type = SelectField(_l("Type on the disability card"), validators=[Optional()],
                                       choices=[SelectChoice("", "–")] + choices(DISABILITY_LABELS))
    disability_card_expires_on = LocalDateField(_l("The disability card expires on"), validators=[Optional()])
    chronic_conditions = MultiCheckboxField(_l("Chronic diseases"), choices=choices(CHRONIC_LABELS))
    chronic_notes = StringField(_l("Other chronic disease, or details"), validators=[Optional(), Length(max=300)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    version = HiddenField()

    LISTS = ("disability_types", "chronic_conditions")
    DATES = ("birth_date", "disability_card_expires_on")

    def to_data(self) -> dict:
        data = {name: (field.data or "") for name, field in self._fields.items()
                if name not in ("csrf_token", "version", "consent_given", "consent_by", "consent_relation",
                                *self.LISTS, *self.DATES)}
        data["national_id"] = data["national_id"] or None
        data["disability_card_type"] = data["disability_card_type"] or None
        data.update({name: self[name].data for name in self.DATES})
        data.update({name: self[name].data or [] for name in self.LISTS})
        return data


class NewPersonForm(PersonForm):
    consent_given = BooleanField(_l("Consent to keep and use this information for the lending service was given"),
                                 validators=[InputRequired(message=_l("Consent is needed to register a person."))])
    consent_by = StringField(_l("Consent given by"), validators=[DataRequired(), Length(max=120)])
    consent_relation = StringField(_l("Their relation to the person"), validators=[Optional(), Length(max=60)],
                                   description=_l("e.g. self, daughter, son"))


class RequestForm(FlaskForm):
    person_id = HiddenField(validators=[DataRequired(message=_l("Choose or register the person first."))])
    device_type = MultiCheckboxField(_l("Devices asked for"), validators=[InputRequired(
        message=_l("Choose at least one device."))], description=_l("A bed-bound person often needs a bed and an "
                                                                      "air mattress: tick each."))
    channel = SelectField(_l("Channel"), choices=choices(CHANNEL_LABELS), default=Channel.PHONE.value)
    urgency = SelectField(_l("Urgency"), choices=choices(URGENCY_LABELS), default=Urgency.NORMAL.value)
    requested_by_name = StringField(_l("Asked by"), validators=[Optional(), Length(max=120)])
    requested_by_relation = StringField(_l("Their relation to the person"), validators=[Optional(), Length(max=60)])
    requested_by_phone = StringField(_l("Their phone"), validators=[Optional(), Length(max=32), PHONE],
                                     render_kw={"inputmode": "tel"})
    reason = TextAreaField(_l("Reason and situation"), validators=[Optional(), Length(max=4000)])


class ScheduleForm(FlaskForm):
    due_on = LocalDateField(_l("Visit date"), validators=[InputRequired()])
    assessor = SelectField(_l("Assessor"), validators=[Optional()])


def _measure(label, maximum):
    return FloatField(label, validators=[Optional(), NumberRange(min=0, max=maximum)],
                      render_kw={"inputmode": "decimal"})


class AssessmentForm(FlaskForm):
    weight_kg = _measure(_l("Weight (kg)"), 400)
    height_cm = _measure(_l("Height (cm)"), 250)
    seat_width_cm = _measure(_l("Hip width when seated (cm)"), 100)
    doorway_width_cm = _measure(_l("Narrowest doorway (cm)"), 400)
    steps_at_entrance = IntegerField(_l("Steps at the entrance"), validators=[Optional(), NumberRange(min=0, max=100)],
                                     render_kw={"inputmode": "numeric"})
    floor = SelectField(_l("Floor"), choices=[SelectChoice("", "–"), SelectChoice("tile", _l("Tile or smooth")),
                                               SelectChoice("wood", _l("Wood")),
                                               SelectChoice("concrete", _l("Concrete")),
                                               SelectChoice("earth", _l("Earth or uneven"))],
                        validators=[Optional()])
    bedside_space_cm = _measure(_l("Free space beside the bed (cm)"), 1000)
    suitable = RadioField(_l("Is the device suitable for this person and home?"),
                          choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
                          validators=[InputRequired(message=_l("Please choose yes or no."))])
    recommended_type = SelectField(_l("Recommended device"), validators=[InputRequired()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


def _score_choices(item) -> list[SelectChoice]:
    # Lazy labels: the text is translated when the page renders, in the reader's language.
    return [SelectChoice(str(score), LazyString(lambda s=score, t=text: f"{s} – {t}")) for score, text in item.options]


def add_adl_fields(form_class):
    """One required radio group per Barthel item, named adl_<key>."""
    for item in adl.ITEMS:
        setattr(form_class, f"adl_{item.key}", RadioField(
            item.label, choices=_score_choices(item), validators=[InputRequired(message=_l("Choose a score."))]))
    return form_class


add_adl_fields(AssessmentForm)


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)],
                           description=_l("Required when rejecting."))


class ReserveForm(FlaskForm):
    device_tag = SelectField(_l("Device"), validators=[InputRequired()])
    reason = StringField(_l("Why this request goes ahead of the waitlist (only when it does)"),
                         validators=[Optional(), Length(max=2000)])


class CancelForm(FlaskForm):
    reason = StringField(_l("Why is the request cancelled?"), validators=[DataRequired(), Length(max=2000)])


class DeliveryForm(FlaskForm):
    request_id = SelectField(_l("Request"), validators=[InputRequired()])
    instructions = MultiCheckboxField(_l("Explained to the recipient"))
    acknowledged_by = StringField(_l("Received and acknowledged by"), validators=[DataRequired(), Length(max=120)])
    acknowledged_relation = StringField(_l("Their relation to the person"), validators=[Optional(), Length(max=60)],
                                        description=_l("e.g. self, daughter, son"))
    expected_return_on = LocalDateField(_l("Expected return (leave empty while needed)"), validators=[Optional()])
    photo = FileField(_l("Photo of the device at hand-over (optional)"),
                      validators=[FileAllowed(["jpg", "jpeg", "png", "webp"], _l("A photo, please (JPEG or PNG)."))],
                      render_kw={"accept": "image/*", "capture": "environment"})
    latitude = HiddenField()
    longitude = HiddenField()


class FollowUpForm(FlaskForm):
    visited_on = LocalDateField(_l("Visit date"), validators=[InputRequired()])
    in_use = RadioField(_l("Is the device in use?"), choices=[SelectChoice("yes", _l("Yes")),
                                                             SelectChoice("no", _l("No"))],
                        validators=[InputRequired(message=_l("Please choose yes or no."))])
    condition = SelectField(_l("Condition of the device"), choices=choices(CONDITION_LABELS))
    outcome = RadioField(_l("How is the person?"), choices=choices(OUTCOME_LABELS),
                         validators=[InputRequired(message=_l("Please choose an outcome."))])
    rescore = BooleanField(_l("Re-score the ADL at this visit"))
    problems = TextAreaField(_l("Problems found"), validators=[Optional(), Length(max=4000)])
    raise_problem = BooleanField(_l("Send the problem to maintenance"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


def add_optional_adl_fields(form_class):
    for item in adl.ITEMS:
        setattr(form_class, f"adl_{item.key}", RadioField(
            item.label, choices=_score_choices(item), validators=[Optional()]))
    return form_class


add_optional_adl_fields(FollowUpForm)


class ReturnForm(FlaskForm):
    condition = SelectField(_l("Condition on return"), choices=choices(CONDITION_LABELS))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


def adl_scores(form) -> list[int] | None:
    """The ten scores from a form's adl_* fields, or None when none was chosen."""
    raw = [getattr(form, f"adl_{key}").data for key in adl.KEYS]
    if all(value in (None, "", "None") for value in raw):
        return None
    return [int(value) if value not in (None, "", "None") else -1 for value in raw]


class LifeStatusForm(FlaskForm):
    status = SelectField(_l("Life status"), choices=choices(LIFE_STATUS_LABELS), validators=[InputRequired()])
    on = LocalDateField(_l("Since"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class ReferralForm(FlaskForm):
    reason = TextAreaField(_l("Why refer to the social welfare division?"), validators=[DataRequired(),
                                                                                     Length(max=2000)],
                           description=_l("e.g. no income, debts, no one to care for them, housing"))


class ReferralUpdateForm(FlaskForm):
    status = SelectField(_l("Status"), choices=choices(REFERRAL_STATUS_LABELS), validators=[InputRequired()])
    outcome = TextAreaField(_l("Outcome"), validators=[Optional(), Length(max=2000)],
                            description=_l("What help was given, or why not."))
    version = HiddenField()
