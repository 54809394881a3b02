"""Forms of the core pages (login, language, password, accounts) and the one way pages submit a form."""
from __future__ import annotations

import flask_wtf
from flask import flash
from flask_babel import LazyString, get_translations, lazy_ngettext, ngettext
from flask_babel import lazy_gettext as _l
from wtforms import Field, HiddenField, PasswordField, SelectField, StringField
from wtforms import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import TextInput

from core.dates import date_error, date_hint, format_date_input, parse_date_input
from core.db import db
from core.errors import DomainError
from core.i18n import current_locale
from core.passwords import MAX_LENGTH, MIN_LENGTH


class _AppTranslations:
    """WTForms' own messages ("This field is required.") through the app's catalog.

    WTForms ships no Thai, so its messages are translated in ours (listed below for the
    extractor); a Thai page must not show an English error.
    """

    # WTForms fills the placeholders itself: translate only (flask_babel's own helpers would
    # also interpolate, and fail on WTForms' %(max)d).
    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


class FlaskForm(flask_wtf.FlaskForm):
    """Flask-WTF's form, with WTForms' validation messages in the reader's language."""

    class Meta(flask_wtf.FlaskForm.Meta):
        def get_translations(self, form):
            return _AppTranslations()


def _wtforms_messages():  # never called: marks WTForms' messages for `make messages`
    return (
        _l("This field is required."), _l("Invalid input."), _l("Not a valid choice."),
        _l("Not a valid integer value."), _l("Not a valid decimal value."), _l("Not a valid float value."),
        _l("Not a valid date value."), _l("Not a valid datetime value."), _l("Not a valid time value."),
        _l("Number must be at least %(min)s."), _l("Number must be at most %(max)s."),
        _l("Number must be between %(min)s and %(max)s."),
        _l("Field must be between %(min)d and %(max)d characters long."),
        ngettext("Field must be at least %(min)d character long.",
                 "Field must be at least %(min)d characters long.", 1),
        ngettext("Field cannot be longer than %(max)d character.",
                 "Field cannot be longer than %(max)d characters.", 1),
        ngettext("Field must be exactly %(max)d character long.",
                 "Field must be exactly %(max)d characters long.", 1),
        _l("Invalid value, must be one of: %(values)s."), _l("Invalid email address."),
        _l("Invalid Choice: could not coerce."), _l("CSRF token missing."), _l("Invalid CSRF Token."),
        _l("CSRF token expired."), _l("CSRF failed."), _l("File does not have an approved extension."),
        _l("Invalid choice(s): one or more data inputs could not be coerced."),
        ngettext("'%(value)s' is not a valid choice for this field.",
                 "'%(value)s' are not valid choices for this field.", 1),
    )


class LocalDateField(Field):
    """A date typed as day/month/year: the Buddhist Era year on Thai pages (30/11/2569), the
    Common Era on English ones (30/11/2026).

    Every form's date field. A plain text box (a browser's own date picker shows the Common
    Era, in the browser's language, whatever the page's), with a numeric phone keyboard; the
    hint under it names the form, and so does the error. It also takes the other forms
    :func:`core.dates.parse_date_input` reads, ISO 8601 among them (tests and clients that
    post forms send 2026-11-30), and a Common Era year on a Thai page (a year before 2400).
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, render_kw=None, description="", **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false",
                     "data-date-input": "", **(render_kw or {})}
        given = description
        hint = LazyString(lambda: f"{given} {date_hint()}" if given else date_hint())
        super().__init__(label, validators, render_kw=render_kw, description=hint, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_date_input(self.data, current_locale()) if self.data else ""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_date_input(text)
        except ValueError:
            self.data = None
            raise ValueError(date_error()) from None


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=lazy_ngettext("At least %(num)d character, not a common password: a few unrelated words are "
                                  "easy to remember and hard to guess.",
                                  "At least %(num)d characters, not a common password: a few unrelated words are "
                                  "easy to remember and hard to guess.", MIN_LENGTH),
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH})
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new_password", _l("The two new passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class AccountForm(FlaskForm):
    """The deactivate and reactivate buttons of the users page (a CSRF token only)."""


class LanguageForm(FlaskForm):
    lang = SelectField(_l("Language"), choices=[SelectChoice("th", "ไทย"), SelectChoice("en", "English")])
    next = HiddenField()


def attempt(step):
    """Run one step of a page: ``(result, None)``, or ``(None, error)`` when a service refused it,
    with the request's work rolled back so that the page shows the stored state again. The
    request commits once at its end (core.unit_of_work), never here."""
    try:
        return step(), None
    except DomainError as exc:
        db.session.rollback()
        return None, exc


def submit(form, save):
    """Validate a submitted form and run ``save()`` (the request commits afterwards).

    Returns ``(result, status)``: the saved object and 200, or None with 200 (not
    submitted), 422 (invalid form) or the domain error's code, whose messages are put on
    the form. A failed save rolls back, so the page shows the stored state again.
    """
    if not form.validate_on_submit():
        return None, 422 if form.errors else 200
    result, error = attempt(save)
    if error is not None:
        _form_errors(form, error)
        return None, error.code
    return result, 200


def _form_errors(form, exc: DomainError) -> None:
    # Put a service's per-field messages next to the fields; the rest goes on top.
    placed = False
    for field, messages in exc.errors.items():
        if field in form and form[field].type != "HiddenField":
            form[field].errors = list(form[field].errors) + list(messages)
            placed = True
    if not placed:
        flash(str(exc.message), "error")


def int_or_none(value) -> int | None:
    """A form value as an int (a hidden version field, say), or None when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
