"""A person's life status, care plan and welfare referrals, on the person's pages."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.audit import record_access
from core.auth import current_actor, require_role
from core.db import db
from core.errors import ValidationError
from core.forms import int_or_none
from core.users import Role
from lending.forms import LifeStatusForm, ReferralForm, ReferralUpdateForm
from lending.labels import CARE_TASK_LABELS, CARER_LABELS
from lending.models import NURSE_ONLY_TASKS, CareTask, LifeStatus, ReferralStatus
from lending.services import care, life, people

bp = Blueprint("care", __name__, url_prefix="/people")
CARERS = (*care.CARE_ROLES, Role.ADMIN)


def _back(person_id: int, anchor: str = ""):
    return redirect(url_for("people.person_view", person_id=person_id) + anchor)


def _refused(exc: ValidationError, person_id: int, anchor: str):
    """A step refused for what was entered: back to the person's page, saying what to mend."""
    db.session.rollback()
    for message in [exc.message, *(m for messages in exc.errors.values() for m in messages)]:
        flash(str(message), "error")
    return redirect(url_for("people.person_view", person_id=person_id) + anchor, code=303)


@bp.route("/<int:person_id>/life-status", methods=["POST"])
@require_role(*CARERS)
def life_status(person_id):
    person = people.get_person(person_id)
    form = LifeStatusForm()
    try:
        if not form.validate_on_submit():
            raise ValidationError(_l("Choose a life status and a valid date."), form.errors)
        life.set_life_status(person, LifeStatus(form.status.data), form.on.data, form.note.data or "",
                             by=current_actor())
    except ValidationError as exc:
        return _refused(exc, person.id, "")
    db.session.commit()
    flash(_("Life status recorded."), "success")
    return _back(person.id)


@bp.route("/<int:person_id>/care-plan", methods=["GET", "POST"])
@require_role(*CARERS)
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
        try:
            care.set_care_plan(person, needs, by=actor)
        except ValidationError as exc:
            db.session.rollback()
            for message in exc.errors.get("needs", []):
                flash(str(message), "error")
            status = 422
        else:
            db.session.commit()
            flash(_("Care plan saved."), "success")
            return _back(person.id, "#care-plan")
    record_access(actor, "person", person.id, "page.care_plan")
    db.session.commit()
    return render_template("lending/care_plan.html", person=person, current=current, tasks=list(CareTask),
                           task_labels=CARE_TASK_LABELS, carer_labels=CARER_LABELS,
                           nurse_only=NURSE_ONLY_TASKS), status


@bp.route("/<int:person_id>/referrals", methods=["POST"])
@require_role(*CARERS)
def refer(person_id):
    person = people.get_person(person_id)
    form = ReferralForm()
    try:
        if not form.validate_on_submit():
            raise ValidationError(_l("Say why the person is referred."), form.errors)
        care.refer(person, form.reason.data, by=current_actor())
    except ValidationError as exc:
        return _refused(exc, person.id, "#referrals")
    db.session.commit()
    flash(_("Referred to the social welfare division."), "success")
    return _back(person.id, "#referrals")


@bp.route("/referrals/<int:referral_id>", methods=["POST"])
@require_role(*CARERS)
def update_referral(referral_id):
    referral = care.get_referral(referral_id)
    form = ReferralUpdateForm()
    try:
        if not form.validate_on_submit():
            raise ValidationError(_l("Choose a status."), form.errors)
        care.update_referral(referral, ReferralStatus(form.status.data), form.outcome.data or "",
                             version=int_or_none(form.version.data), by=current_actor())
    except ValidationError as exc:
        return _refused(exc, referral.person_id, "#referrals")
    db.session.commit()
    flash(_("Referral updated."), "success")
    return _back(referral.person_id, "#referrals")
