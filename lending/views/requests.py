"""The request pipeline pages: intake, board, detail, assessment, approvals, waitlist."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from wtforms import SelectChoice

from core import clock
from core.auth import current_actor
from core.db import db
from core.forms import submit
from core.i18n import current_locale
from core.input_guards import id_or_none
from core.audit import history, record_access, record_accesses
from core.users import Role, User, UserRole
from devices import holds
from devices import services as devices
from devices.models import Device, DeviceStatus
from lending import adl
from lending.labels import ITEM_STATUS_LABELS, LIFE_STATUS_LABELS
from lending.forms import (CHANNEL_LABELS, OUTCOME_LABELS, REQUEST_STATUS_LABELS, URGENCY_LABELS, AssessmentForm,
                           CancelForm, DecisionForm, RequestForm, ReserveForm, ScheduleForm, adl_scores)
from lending.models import (OPEN_REQUEST_STATES, ItemStatus, RequestItem,
                            RequestStatus)
from lending.services import lists, people, pipeline
from lending.services import waitlist as queue
from lending.steps import STEPS

bp = Blueprint("requests", __name__)
S = RequestStatus


@bp.app_context_processor
def _labels():
    return {"channel_labels": CHANNEL_LABELS, "urgency_labels": URGENCY_LABELS, "outcome_labels": OUTCOME_LABELS,
            "group_labels": adl.GROUP_LABELS, "request_status_labels": REQUEST_STATUS_LABELS,
            "item_status_labels": ITEM_STATUS_LABELS, "life_status_labels": LIFE_STATUS_LABELS}


def _type_choices():
    return [SelectChoice(t.code, f"{t.code} · {t.name_th} / {t.name_en}") for t in devices.list_types()]


def _assessor_choices():
    return [SelectChoice("", "–")] + [SelectChoice(str(u.id), u.display_name) for u in _assessors()]


@bp.route("/requests/new", methods=["GET", "POST"])
@STEPS.route("submit")
def request_new():
    form = RequestForm()
    form.device_type.choices = _type_choices()
    person_id = id_or_none(request.values.get("person_id"))
    person = people.get_person(person_id) if person_id else None
    if person is not None:
        form.person_id.data = str(person.id)
    q = request.args.get("q", "")[:80]
    actor = current_actor()
    matches = list(db.session.scalars(people.search_query(q, by=actor).limit(10))) if q and person is None else []
    if matches or (q and person is None):
        record_access(actor, "people", "search", "page.intake_search", detail=people.search_detail(q))
    record_accesses(actor, "person", [p.id for p in matches] + ([person.id] if person else []), "page.intake")
    created, status = submit(form, lambda: pipeline.submit(
        people.get_person(id_or_none(form.person_id.data) or 0),
        [devices.get_type(code) for code in form.device_type.data],
        {f: getattr(form, f).data for f in ("channel", "urgency", "requested_by_name", "requested_by_relation",
                                            "requested_by_phone", "reason")}, by=actor))
    if created is not None:
        flash(_("Request %(id)d recorded.", id=created.id), "success")
        return redirect(url_for("requests.request_view", request_id=created.id))
    return render_template("lending/request_new.html", form=form, person=person, q=q, matches=matches), status


@bp.route("/requests")
@STEPS.route("read_people")
def board():
    """The open requests by state: each column's oldest first, a few per column (the whole of one
    column, page by page, with ``status``)."""
    type_code = request.args.get("type", "")[:8].upper()
    status_arg = request.args.get("status", "")
    status = S(status_arg) if status_arg in {s.value for s in OPEN_REQUEST_STATES} else None
    counts = lists.board_counts(type_code)
    page = None
    if status is not None:
        page = db.paginate(lists.board_query(status, type_code), page=_page_number(), per_page=lists.PER_PAGE,
                           max_per_page=lists.PER_PAGE, error_out=False)
        columns = {status: page.items}
    else:
        columns = {s: lists.board_column(s, type_code) for s in OPEN_REQUEST_STATES}
    record_accesses(current_actor(), "person", [r.person_id for reqs in columns.values() for r in reqs], "page.board")
    return render_template("lending/board.html", columns=columns, counts=counts, page=page, status=status,
                           finished=(S.DELIVERED, S.CLOSED, S.REJECTED, S.CANCELLED),
                           types=devices.list_types(), type_code=type_code, column_size=lists.BOARD_COLUMN)


def _page_number() -> int:
    return min(max(request.args.get("page", 1, type=int), 1), 100_000)  # past that: an empty page


@bp.route("/requests/<int:request_id>")
@STEPS.route("read_people")
def request_view(request_id):
    req = pipeline.get_request(request_id)
    actor = current_actor()
    record_access(actor, "person", req.person_id, "page.request")
    schedule = ScheduleForm(due_on=req.assessment_due_on or clock.today() + dt.timedelta(days=3))
    schedule.assessor.choices = _assessor_choices()
    reserve_forms = {}
    for item in req.items:
        if item.is_reservable:
            form = ReserveForm(prefix=f"item{item.id}")
            form.device_tag.choices = [SelectChoice(d.tag, f"{d.tag} · {d.brand} {d.model}") for d in _lendable(item)]
            if item.proposed_device is not None:
                form.device_tag.data = item.proposed_device.tag
            reserve_forms[item.id] = form
    return render_template("lending/request_view.html", req=req, actor=actor, schedule=schedule,
                           reserve_forms=reserve_forms, decision=DecisionForm(), cancel=CancelForm(),
                           events=history("request", req.id), adl_items=adl.ITEMS)


def _assessors() -> list[User]:
    return list(db.session.scalars(select(User).join(User.role_rows).where(UserRole.role == Role.ASSESSOR,
                                                                           User.active.is_(True))))


def _lendable(item: RequestItem) -> list[Device]:
    """Devices of the item's type in stock that nothing holds back (the first 50)."""
    candidates = list(db.session.scalars(select(Device).where(Device.type_id == item.lend_type.id,
                                                              Device.status == DeviceStatus.AVAILABLE)
                                         .order_by(Device.tag).limit(50)))
    blocking = holds.blocking_for(candidates)
    return [device for device in candidates if not blocking.get(device.id)]


def _step_done(req, message):
    flash(message, "success")
    return redirect(url_for("requests.request_view", request_id=req.id))


@bp.route("/requests/<int:request_id>/schedule", methods=["POST"])
@STEPS.route("schedule")
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
@STEPS.route("assess")
def assessment(request_id):
    req = pipeline.get_request(request_id)
    form = AssessmentForm()
    form.recommended_type.choices = _type_choices()
    others = req.items[1:]
    if request.method == "GET":
        form.recommended_type.data = req.items[0].lend_type.code
    if others:
        form.recommended_type.label.text = _("Recommended instead of: %(type)s",
                                             type=req.items[0].device_type.name(current_locale()))

    def save():
        data = {f: getattr(form, f).data for f in pipeline.ASSESSMENT_FIELDS}
        data["floor"] = data["floor"] or ""
        data["notes"] = data["notes"] or ""
        data.update(adl_items=adl_scores(form), suitable=form.suitable.data == "yes",
                    recommended_type=devices.get_type(form.recommended_type.data),
                    recommendations={item.id: devices.get_type(request.form.get(f"recommend-{item.id}")
                                                               or item.device_type.code) for item in others})
        return pipeline.record_assessment(req, data, by=current_actor())

    saved, status = submit(form, save)
    if saved is not None:
        flash(_("Assessment saved: ADL %(total)d, %(group)s.", total=saved.adl_total,
                group=adl.GROUP_LABELS[saved.dependency_group]), "success")
        return redirect(url_for("requests.request_view", request_id=req.id))
    record_access(current_actor(), "person", req.person_id, "page.assessment")
    return render_template("lending/assessment_form.html", form=form, req=req, adl_items=adl.ITEMS, others=others,
                           types=devices.list_types()), status


@bp.route("/requests/<int:request_id>/decision", methods=["POST"])
@STEPS.route("decide")
def decide(request_id):
    req = pipeline.get_request(request_id)
    form = DecisionForm()
    approved = request.form.get("approved") == "1"
    item_id = request.form.get("item", type=int)
    if form.validate_on_submit():
        only = [pipeline.get_item(req, item_id)] if item_id else None
        pipeline.decide(req, approved, form.reason.data or "", by=current_actor(), items=only)
        flash(_("Decision recorded.") if not approved else
              ngettext("Approved; %(num)d device is waitlisted: none of its type is available.",
                       "Approved; %(num)d devices are waitlisted: none of their type is available.",
                       sum(1 for i in req.items if i.status == ItemStatus.WAITLISTED))
              if any(i.status == ItemStatus.WAITLISTED for i in req.items) else _("Approved; a device is proposed."),
              "success")
    back = request.form.get("back")
    return redirect(url_for("requests.approvals") if back == "approvals"
                    else url_for("requests.request_view", request_id=req.id))


@bp.route("/requests/<int:request_id>/reservation", methods=["POST"])
@STEPS.route("reserve")
def reserve(request_id):
    req = pipeline.get_request(request_id)
    item = pipeline.get_item(req, request.form.get("item", type=int) or 0) if request.form.get("item") else None
    prefix = f"item{item.id}-" if item else ""
    tag = request.form.get(prefix + "device_tag", "")
    device = devices.get_device(tag) if tag else None
    reserved = queue.reserve(req, device, by=current_actor(), reason=request.form.get(prefix + "reason", "")[:2000],
                             item=item)
    return _step_done(req, _("Device %(tag)s reserved.", tag=reserved.device.tag))


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
@STEPS.route("cancel")
def cancel(request_id):
    req = pipeline.get_request(request_id)
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the cancellation."), "error")
        return redirect(url_for("requests.request_view", request_id=req.id))
    item_id = request.form.get("item", type=int)
    pipeline.cancel(req, form.reason.data, by=current_actor(),
                    items=[pipeline.get_item(req, item_id)] if item_id else None)
    return _step_done(req, _("Cancelled."))


@bp.route("/approvals")
@STEPS.route("decide")
def approvals():
    page = db.paginate(lists.approvals_query(), page=_page_number(), per_page=lists.PER_PAGE,
                       max_per_page=lists.PER_PAGE, error_out=False)
    record_accesses(current_actor(), "person", [r.person_id for r in page.items], "page.approvals")
    return render_template("lending/approvals.html", queue=page.items, page=page, decision=DecisionForm(),
                           stock=lists.lendable_by_type(), types=devices.list_types())


@bp.route("/waitlist")
@STEPS.route("read_people")
def waitlist():
    type_code = request.args.get("type", "")[:8].upper()
    device_type = devices.get_type(type_code) if type_code else None
    page = db.paginate(lists.waitlist_page_query(device_type), page=_page_number(), per_page=lists.PER_PAGE,
                       max_per_page=lists.PER_PAGE, error_out=False)
    record_accesses(current_actor(), "person", [item.request.person_id for item in page.items], "page.waitlist")
    return render_template("lending/waitlist.html", waiting=page.items, page=page, types=devices.list_types(),
                           type_code=type_code)


@bp.route("/d/<tag>/reserve")
@STEPS.route("reserve")
def reserve_device(tag):
    """From the scan page of an available device: the waitlist of its type."""
    device = devices.get_device(tag)
    return redirect(url_for("requests.waitlist", type=device.type.code))
