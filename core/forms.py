"""Forms of the core pages (login, language) and the one way pages submit a form."""
from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms import SelectChoice
from wtforms.validators import DataRequired, Length

from core.db import db
from core.errors import DomainError


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=[SelectChoice("th", "ไทย"), SelectChoice("en", "English")])
    next = HiddenField()


def submit(form, save):
    """Validate a submitted form, run ``save()`` and commit once.

    Returns ``(result, status)``: the saved object and 200, or None with 200 (not
    submitted), 422 (invalid form) or the domain error's code, whose messages are put on
    the form. A failed save rolls back, so the page shows the stored state again.
    """
    if not form.validate_on_submit():
        return None, 422 if form.errors else 200
    try:
        result = save()
    except DomainError as exc:
        db.session.rollback()
        _form_errors(form, exc)
        return None, exc.code
    db.session.commit()
    return result, 200


def _form_errors(form, exc: DomainError) -> None:
    # Put a service's per-field messages next to the fields; the rest goes on top.
    placed = False
    for field, messages in exc.errors.items():
        if field in form and form[field].type != "HiddenField":
            form[field].errors = list(form[field].errors) + list(messages)
            placed = True
    if not placed:
        flash(exc.message, "error")


def int_or_none(value) -> int | None:
    """A form value as an int (a hidden version field, say), or None when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
