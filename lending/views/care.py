"""A person's life status, care plan and welfare referrals, on the person's pages."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.audit import record_access
from core.auth import current_actor
from core.errors import ValidationError
from core.forms import attempt, int_or_none
from lending.forms import LifeStatusForm, ReferralForm, ReferralUpdateForm
from lending.labels import CARE_TASK_LABELS, CARER_LABELS
from lending.models import NURSE_ONLY_TASKS, CareTask, LifeStatus, ReferralStatus
from lending.services import care, life, people
from lending.steps import STEPS

bp = Blueprint("care", __name__, url_prefix="/people")


def _back(person_id: int, anchor: str = ""):
    return redirect(url_for("people.person_view", person_id=person_id) + anchor)


def _refused(exc: ValidationError, person_id: int, anchor: str):
    """A step refused for what was entered: back to the person's page, saying what to mend."""
    for message in [exc.message, *(m for messages in exc.errors.values() for m in messages)]:
        flash(str(message), "error")
    return redirect(url_for("people.person_view", person_id=person_id) + anchor, code=303)


@bp.route("/<int:person_id>/life-status", methods=["POST"])
@STEPS.route("care")
def life_status(person_id):
    person = people.get_person(person_id)
    form = LifeStatusForm()
    if not form.validate_on_submit():
        return _refused(ValidationError(_l("Choose a life status and a valid date."), form.errors), person.id, "")
    _done, error = attempt(lambda: life.set_life_status(person, LifeStatus(form.status.data), form.on.data,
                                                        form.note.data or "", by=current_actor()))
    if error is not None:
        return _refused(error, person.id, "")
    flash(_("Life status recorded."), "success")
    return _back(person.id)


@bp.route("/<int:person_id>/care-plan", methods=["GET", "POST"])
@STEPS.route("care")
def care_plan(person_id):
    """Tick each task the home needs and say who does it."""
    person = people.get_person(person_id)
    actor = current_actor()
    current = {need.task: need for need in person.care_needs}
    status = 200
    if request.method == "POST":
        needs = [{"task": task.value, "done_by": request.form.get(f"{task.value}-by", ""),
                  "how_often": request.form.get(f"{task.value}-often", "")[:80],
                  "notes": request.form.get(f"{task.value}-notes", "")[:500]}
                 for task in CareTask if request.form.get(task.value)]
        _saved, error = attempt(lambda: care.set_care_plan(person, needs, by=actor))
        if error is None:
            flash(_("Care plan saved."), "success")
            return _back(person.id, "#care-plan")
        for message in error.errors.get("needs", []):
            flash(str(message), "error")
        status = 422
    record_access(actor, "person", person.id, "page.care_plan")
    return render_template("lending/care_plan.html", person=person, current=current, tasks=list(CareTask),
                           task_labels=CARE_TASK_LABELS, carer_labels=CARER_LABELS,
                           nurse_only=NURSE_ONLY_TASKS), status


@bp.route("/<int:person_id>/referrals", methods=["POST"])
@STEPS.route("care")
def refer(person_id):
    person = people.get_person(person_id)
    form = ReferralForm()
    if not form.validate_on_submit():
        return _refused(ValidationError(_l("Say why the person is referred."), form.errors), person.id, "#referrals")
    _done, error = attempt(lambda: care.refer(person, form.reason.data, by=current_actor()))
    if error is not None:
        return _refused(error, person.id, "#referrals")
    flash(_("Referred to the social welfare division."), "success")
    return _back(person.id, "#referrals")


@bp.route("/referrals/<int:referral_id>", methods=["POST"])
@STEPS.route("care")
def update_referral(referral_id):
    referral = care.get_referral(referral_id)
    form = ReferralUpdateForm()
    if not form.validate_on_submit():
        return _refused(ValidationError(_l("Choose a status."), form.errors), referral.person_id, "#referrals")
    _done, error = attempt(lambda: care.update_referral(referral, ReferralStatus(form.status.data),
                                                        form.outcome.data or "",
                                                        version=int_or_none(form.version.data), by=current_actor()))
    if error is not None:
        return _refused(error, referral.person_id, "#referrals")
    flash(_("Referral updated."), "success")
    return _back(referral.person_id, "#referrals")
