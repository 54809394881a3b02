"""Forms of the privacy pages: data-subject requests received and closed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from core.forms import FlaskForm, LocalDateField
from lending.forms import choices
from privacy.models import SubjectRequestKind, SubjectRequestStatus

KIND_LABELS = {
    SubjectRequestKind.ACCESS: _l("Access to their data"),
    SubjectRequestKind.PORTABILITY: _l("A copy to take elsewhere (portability)"),
    SubjectRequestKind.RECTIFICATION: _l("Correction"),
    SubjectRequestKind.ERASURE: _l("Erasure"),
    SubjectRequestKind.WITHDRAWAL: _l("Withdrawal of consent"),
    SubjectRequestKind.OBJECTION: _l("Objection"),
}
STATUS_LABELS = {
    SubjectRequestStatus.OPEN: _l("Open"),
    SubjectRequestStatus.DONE: _l("Done"),
    SubjectRequestStatus.REFUSED: _l("Refused"),
}


class SubjectRequestForm(FlaskForm):
    person_id = HiddenField(validators=[DataRequired(message=_l("Find and choose the person first."))])
    kind = SelectField(_l("What the person asks"), choices=choices(KIND_LABELS), validators=[InputRequired()])
    received_on = LocalDateField(_l("Received on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Length(max=1000)])


class CloseForm(FlaskForm):
    status = SelectField(_l("Outcome"), validators=[InputRequired()], choices=choices(
        {k: v for k, v in STATUS_LABELS.items() if k != SubjectRequestStatus.OPEN}))
    closed_on = LocalDateField(_l("Closed on"), validators=[InputRequired()])
    note = TextAreaField(_l("Note (the reason, for a refusal)"), validators=[Length(max=1000)])
