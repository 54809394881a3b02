"""Forms of the maintenance worker's phone pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (FloatField, IntegerField, RadioField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.forms import FlaskForm
from core.money import MoneyField
from devices.labels import CONDITION_LABELS


class PartForm(FlaskForm):
    name = StringField(_l("Part"), validators=[DataRequired(), Length(max=120)])
    quantity = IntegerField(_l("Quantity"), default=1, validators=[InputRequired(), NumberRange(min=1, max=1000)],
                            render_kw={"inputmode": "numeric"})
    unit_cost = MoneyField(_l("Cost of one (baht)"), [InputRequired()])


class FinishForm(FlaskForm):
    labour_hours = FloatField(_l("Labour (hours)"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)],
                              render_kw={"inputmode": "decimal"})
    labour_rate = MoneyField(_l("Labour rate (baht per hour)"), [Optional()], default=0)
    other_cost = MoneyField(_l("Other costs (baht)"), [Optional()], default=0)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])
    condition = SelectField(_l("Condition of the device after the work"), validators=[Optional()],
                            choices=[SelectChoice("", "–")] + [SelectChoice(c.value, label)
                                                               for c, label in CONDITION_LABELS.items()])


class EstimateForm(FlaskForm):
    estimate = MoneyField(_l("Estimated repair cost (baht)"), [InputRequired()])


class RetireForm(FlaskForm):
    kind = RadioField(_l("What happened?"), default="retire",
                      choices=[SelectChoice("retire", _l("Retire: beyond economical repair or worn out")),
                               SelectChoice("lost", _l("Lost: cannot be found or was not returned"))],
                      validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("A supervisor reads this before approving."))


class RetireDecisionForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         description=_l("Required when not approving."))


class CostDecisionForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)],
                         description=_l("Required when not approving."))
