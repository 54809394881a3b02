"""The request pipeline pages: intake, board, detail, assessment, approvals, waitlist."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from core import clock
from core.auth import current_actor, require_role
from core.db import db
from core.forms import submit
from core.audit import history
from core.users import Role, User, UserRole
from devices import services as devices
from devices.models import Device, DeviceStatus
from lending import adl
from lending.forms import (CHANNEL_LABELS, OUTCOME_LABELS, REQUEST_STATUS_LABELS, URGENCY_LABELS, AssessmentForm,
                           CancelForm, DecisionForm, RequestForm, ReserveForm, ScheduleForm, adl_scores)
from lending.models import OPEN_REQUEST_STATES, LendingRequest, RequestStatus
from lending.services import people, pipeline

bp = Blueprint("requests", __name__)
READERS = people.PERSON_ROLES
INTAKE = (Role.STAFF, Role.SUPERVISOR, Role.ASSESSOR, Role.ADMIN)
S = RequestStatus


@bp.app_context_processor
def _labels():
    return {"channel_labels": CHANNEL_LABELS, "urgency_labels": URGENCY_LABELS, "outcome_labels": OUTCOME_LABELS,
            "group_labels": adl.GROUP_LABELS, "request_status_labels": REQUEST_STATUS_LABELS}


def _type_choices():
    return [SelectChoice(t.code, f"{t.code} · {t.name_th} / {t.name_en}") for t in devices.list_types()]


def _assessor_choices():
    return [SelectChoice("", "–")] + [SelectChoice(str(u.id), u.display_name) for u in _assessors()]


@bp.route("/requests/new", methods=["GET", "POST"])
@require_role(*INTAKE)
def request_new():
    form = RequestForm()
    form.device_type.choices = _type_choices()
    person_id = request.values.get("person_id", type=int)
    person = people.get_person(person_id) if person_id else None
    if person is not None:
        form.person_id.data = str(person.id)
    q = request.args.get("q", "")[:80]
    matches = list(db.session.scalars(people.search_query(q).limit(10))) if q and person is None else []
    created, status = submit(form, lambda: pipeline.submit(
        people.get_person(int(form.person_id.data)), devices.get_type(form.device_type.data),
        {f: getattr(form, f).data for f in ("channel", "urgency", "requested_by_name", "requested_by_relation",
                                            "requested_by_phone", "reason")}, by=current_actor()))
    if created is not None:
        flash(_("Request %(id)d recorded.", id=created.id), "success")
        return redirect(url_for("requests.request_view", request_id=created.id))
    return render_template("lending/request_new.html", form=form, person=person, q=q, matches=matches), status


@bp.route("/requests")
@require_role(*READERS)
def board():
    type_code = request.args.get("type", "")[:8].upper()
    query = select(LendingRequest).where(LendingRequest.status.in_(OPEN_REQUEST_STATES)).order_by(
        LendingRequest.created_at)
    if type_code:
        query = query.where(LendingRequest.device_type.has(code=type_code))
    columns = {status: [] for status in OPEN_REQUEST_STATES}
    for req in db.session.scalars(query):
        columns[req.status].append(req)
    return render_template("lending/board.html", columns=columns, counts=pipeline.board_counts(),
                           finished=(S.DELIVERED, S.CLOSED, S.REJECTED, S.CANCELLED),
                           types=devices.list_types(), type_code=type_code)


@bp.route("/requests/<int:request_id>")
@require_role(*READERS)
def request_view(request_id):
    req = pipeline.get_request(request_id)
    actor = current_actor()
    schedule = ScheduleForm(due_on=req.assessment_due_on or clock.today() + dt.timedelta(days=3))
    schedule.assessor.choices = _assessor_choices()
    reserve = ReserveForm()
    reserve.device_tag.choices = [SelectChoice(d.tag, f"{d.tag} · {d.brand} {d.model}") for d in _available(req)]
    if req.proposed_device is not None:
        reserve.device_tag.data = req.proposed_device.tag
    return render_template("lending/request_view.html", req=req, actor=actor, schedule=schedule, reserve=reserve,
                           decision=DecisionForm(), cancel=CancelForm(), events=history("request", req.id),
                           adl_items=adl.ITEMS)


def _assessors() -> list[User]:
    return list(db.session.scalars(select(User).join(User.role_rows).where(UserRole.role == Role.ASSESSOR,
                                                                           User.active.is_(True))))


def _available(req: LendingRequest) -> list[Device]:
    return list(db.session.scalars(select(Device).where(Device.type_id == req.lend_type.id,
                                                        Device.status == DeviceStatus.AVAILABLE)
                                   .order_by(Device.tag).limit(50)))


def _step_done(req, message):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("requests.request_view", request_id=req.id))


@bp.route("/requests/<int:request_id>/schedule", methods=["POST"])
@require_role(Role.STAFF, Role.SUPERVISOR, Role.ASSESSOR, Role.ADMIN)
def schedule(request_id):
    req = pipeline.get_request(request_id)
    form = ScheduleForm()
    form.assessor.choices = _assessor_choices()
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.due_on.errors)) or _("Choose a valid visit date."), "error")
        return redirect(url_for("requests.request_view", request_id=req.id))
    assessor = db.session.get(User, int(form.assessor.data)) if form.assessor.data else None
    pipeline.schedule_assessment(req, form.due_on.data, assessor, by=current_actor())
    return _step_done(req, _("Assessment visit scheduled."))


@bp.route("/requests/<int:request_id>/assessment", methods=["GET", "POST"])
@require_role(Role.ASSESSOR, Role.ADMIN)
def assessment(request_id):
    req = pipeline.get_request(request_id)
    form = AssessmentForm()
    form.recommended_type.choices = _type_choices()
    if request.method == "GET":
        form.recommended_type.data = req.device_type.code

    def save():
        data = {f: getattr(form, f).data for f in pipeline.ASSESSMENT_FIELDS}
        data["floor"] = data["floor"] or ""
        data["notes"] = data["notes"] or ""
        data.update(adl_items=adl_scores(form), suitable=form.suitable.data == "yes",
                    recommended_type=devices.get_type(form.recommended_type.data))
        return pipeline.record_assessment(req, data, by=current_actor())

    saved, status = submit(form, save)
    if saved is not None:
        flash(_("Assessment saved: ADL %(total)d, %(group)s.", total=saved.adl_total,
                group=adl.GROUP_LABELS[saved.dependency_group]), "success")
        return redirect(url_for("requests.request_view", request_id=req.id))
    return render_template("lending/assessment_form.html", form=form, req=req, adl_items=adl.ITEMS), status


@bp.route("/requests/<int:request_id>/decision", methods=["POST"])
@require_role(Role.SUPERVISOR, Role.ADMIN)
def decide(request_id):
    req = pipeline.get_request(request_id)
    form = DecisionForm()
    approved = request.form.get("approved") == "1"
    if form.validate_on_submit():
        pipeline.decide(req, approved, form.reason.data or "", by=current_actor())
        message = {S.APPROVED: _("Approved; a device is proposed."), S.WAITLISTED: _("Approved; no device is "
                   "available, so the request joins the waitlist."), S.REJECTED: _("Rejected.")}[req.status]
        db.session.commit()
        flash(message, "success")
    back = request.form.get("back")
    return redirect(url_for("requests.approvals") if back == "approvals"
                    else url_for("requests.request_view", request_id=req.id))


@bp.route("/requests/<int:request_id>/reservation", methods=["POST"])
@require_role(Role.STAFF, Role.SUPERVISOR, Role.ADMIN)
def reserve(request_id):
    req = pipeline.get_request(request_id)
    tag = request.form.get("device_tag", "")
    pipeline.reserve(req, devices.get_device(tag) if tag else None, by=current_actor())
    return _step_done(req, _("Device %(tag)s reserved.", tag=req.device.tag))


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
@require_role(Role.STAFF, Role.SUPERVISOR, Role.ADMIN)
def cancel(request_id):
    req = pipeline.get_request(request_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the cancellation."), "error")
        return redirect(url_for("requests.request_view", request_id=req.id))
    pipeline.cancel(req, form.reason.data, by=current_actor())
    return _step_done(req, _("Request cancelled."))


@bp.route("/approvals")
@require_role(Role.SUPERVISOR, Role.ADMIN)
def approvals():
    queue = list(db.session.scalars(select(LendingRequest).where(LendingRequest.status == S.ASSESSED)
                                    .order_by(LendingRequest.status_changed_at)))
    return render_template("lending/approvals.html", queue=queue, decision=DecisionForm())


@bp.route("/waitlist")
@require_role(*READERS)
def waitlist():
    type_code = request.args.get("type", "")[:8].upper()
    device_type = devices.get_type(type_code) if type_code else None
    waiting = list(db.session.scalars(pipeline.waitlist_query(device_type)))
    return render_template("lending/waitlist.html", waiting=waiting, types=devices.list_types(),
                           type_code=type_code)


@bp.route("/d/<tag>/reserve")
@require_role(Role.STAFF, Role.SUPERVISOR, Role.ADMIN)
def reserve_device(tag):
    """From the scan page of an available device: the waitlist of its type."""
    device = devices.get_device(tag)
    return redirect(url_for("requests.waitlist", type=device.type.code))
