"""PDPA pages on a person: consent withdrawn (with a confirmation), consent given again, and
erasure (anonymisation) for admins."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional

from core.auth import current_actor
from core.forms import FlaskForm, submit
from lending.services import consent, erasure, people
from lending.steps import STEPS

bp = Blueprint("consent", __name__, url_prefix="/people")


class ConfirmForm(FlaskForm):
    """A form with only its CSRF token: the confirmation is the button."""


class GiveConsentForm(FlaskForm):
    given_by = StringField(_l("Consent given by (the person or their representative)"),
                           validators=[DataRequired(), Length(max=120)])
    relation = StringField(_l("Relation to the person"), validators=[Optional(), Length(max=60)])


class EraseForm(FlaskForm):
    confirm = BooleanField(_l("I understand that the name, ID, contacts, notes and photos are removed for good."),
                           validators=[DataRequired(message=_l("Tick to confirm."))])


@bp.app_template_global()
def may_take(step: str) -> bool:
    """For the person page: may the user take this lending step (the steps table)?"""
    return STEPS.allows(current_actor(), step)


@bp.app_template_global()
def consent_state(person) -> str:
    return consent.consent_state(person)


@bp.route("/<int:person_id>/consent/withdraw", methods=["GET", "POST"])
@STEPS.route("withdraw_consent")
def withdraw_consent(person_id):
    person = people.get_person(person_id)
    form = ConfirmForm()
    cancelled, status = submit(form, lambda: consent.withdraw(person, by=current_actor()))
    if cancelled is not None:
        flash(ngettext("Consent withdrawn. %(num)d request not yet delivered was cancelled.",
                       "Consent withdrawn. %(num)d requests not yet delivered were cancelled.", len(cancelled)),
              "success")
        return redirect(url_for("people.person_view", person_id=person.id))
    return render_template("privacy/withdraw.html", person=person, form=form), status


@bp.route("/<int:person_id>/consent/new", methods=["GET", "POST"])
@STEPS.route("give_consent")
def give_consent(person_id):
    person = people.get_person(person_id)
    form = GiveConsentForm()
    record, status = submit(form, lambda: consent.give(person, {"given_by": form.given_by.data,
                                                                "relation": form.relation.data}, by=current_actor()))
    if record is not None:
        flash(_("Consent recorded."), "success")
        return redirect(url_for("people.person_view", person_id=person.id))
    return render_template("privacy/give.html", person=person, form=form), status


@bp.route("/<int:person_id>/erase", methods=["GET", "POST"])
@STEPS.route("erase_person")
def erase_person(person_id):
    person = people.get_person(person_id)
    form = EraseForm()
    erased, status = submit(form, lambda: erasure.erase(person, by=current_actor()))
    if erased is not None:
        flash(_("The person's data was anonymised."), "success")
        if not STEPS.allows(current_actor(), "read_people"):      # the DPO works from the requests list
            return redirect(url_for("privacy.subject_requests"))
        return redirect(url_for("people.person_view", person_id=person.id))
    return render_template("privacy/erase.html", person=person, form=form,
                           open_loans=erasure.open_loans(person)), status
