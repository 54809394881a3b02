"""Loan pages: delivery at the home, the loan agreement, follow-up visits, pickups, returns."""
from __future__ import annotations

from itertools import groupby

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select
from wtforms import SelectChoice

from core import clock, images
from core.audit import record_access, record_accesses
from core.auth import current_actor
from core.dates import format_date
from core.db import db
from core.errors import NotFound, ValidationError
from core.forms import submit
from core.i18n import in_thai
from core.paging import WindowPage
from devices import services as devices
from devices.forms import CONDITION_LABELS
from devices.labels import STATUS_LABELS
from devices.models import Condition, DeviceStatus
from lending import adl
from lending.agreement import AgreementData, agreement_pdf
from lending.forms import DeliveryForm, FollowUpForm, ReturnForm, adl_scores
from lending.models import ItemStatus, LendingRequest, Loan, RequestItem
from lending.services import lists, loans
from lending.steps import STEPS

bp = Blueprint("loans", __name__)


def _deliverable_requests(device) -> list[LendingRequest]:
    """The request holding this device, or requests with a device of its type reserved (to swap)."""
    holder = loans.reservation_for(device)
    if holder is not None:
        return [holder.request]
    if device.status != DeviceStatus.AVAILABLE:
        return []
    lend_type = case((RequestItem.recommended_type_id.is_(None), RequestItem.device_type_id),
                     else_=RequestItem.recommended_type_id)
    items = db.session.scalars(select(RequestItem).where(RequestItem.status == ItemStatus.RESERVED,
                                                         lend_type == device.type_id)
                               .order_by(RequestItem.reserved_at))
    return list(dict.fromkeys(item.request for item in items))


@bp.route("/d/<tag>/deliver", methods=["GET", "POST"])
@STEPS.route("deliver")
def deliver(tag):
    device = devices.get_device(tag)
    candidates = _deliverable_requests(device)
    if not candidates:
        raise NotFound(_l("No reserved request can take %(tag)s.", tag=device.tag),
                       {"tag": [_l("%(tag)s is %(state)s.", tag=device.tag, state=STATUS_LABELS[device.status])]})
    form = DeliveryForm()
    form.request_id.choices = [SelectChoice(str(r.id), f"#{r.id} · {r.person.full_name}") for r in candidates]
    form.instructions.choices = [SelectChoice(item, item) for item in loans.checklist(device)]

    def save():
        photo = form.photo.data
        content = photo.read() if photo else None
        return loans.deliver(
            db.session.get(LendingRequest, int(form.request_id.data)), device,
            instructions=form.instructions.data or [], acknowledged_by=form.acknowledged_by.data,
            acknowledged_relation=form.acknowledged_relation.data or "", by=current_actor(),
            expected_return_on=form.expected_return_on.data, latitude=_float(form.latitude.data),
            longitude=_float(form.longitude.data), photo=content or None)

    loan, status = submit(form, save)
    if loan is not None:
        flash(_("Delivered. Print the loan agreement for signatures."), "success")
        return redirect(url_for("loans.loan_view", loan_id=loan.id))
    return render_template("lending/deliver.html", form=form, device=device, candidates=candidates), status


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError as exc:
        raise ValidationError(_l("The location could not be read."),
                              {"location": [_l("The latitude and longitude must be numbers.")]}) from exc


@bp.route("/loans/<int:loan_id>")
@STEPS.route("read_people")
def loan_view(loan_id):
    loan = loans.get_loan(loan_id)
    record_access(current_actor(), "person", loan.person_id, "page.loan")
    return render_template("lending/loan_view.html", loan=loan, condition_labels=CONDITION_LABELS)


@bp.route("/loans/<int:loan_id>/agreement.pdf")
@STEPS.route("agreement")
def agreement(loan_id):
    loan = loans.get_loan(loan_id)
    person, device, config = loan.person, loan.device, current_app.config
    data = AgreementData(
        loan_number=loan.number, center_name=config["CENTER_NAME_TH"], center_address=config["CENTER_ADDRESS"],
        center_phone=config["CENTER_PHONE"], date_text=format_date(loan.delivered_at, "th"),
        device_tag=device.tag, device_type_th=device.type.name_th,
        device_details=" ".join(p for p in (device.brand, device.model,
                                             f"หมายเลขเครื่อง {device.serial}" if device.serial else "") if p),
        device_condition_th=in_thai(CONDITION_LABELS[device.condition]), borrower_name=person.full_name,
        borrower_id_masked=person.masked_national_id, borrower_address=person.address, borrower_phone=person.phone,
        caregiver_name=person.caregiver_name, caregiver_relation=person.caregiver_relation,
        caregiver_phone=person.caregiver_phone, instructions=tuple(loan.instructions),
        acknowledged_by=loan.acknowledged_by,
        expected_return_text=format_date(loan.expected_return_on, "th") if loan.expected_return_on else "",
        staff_name=loan.delivered_by.display_name if loan.delivered_by else "")
    record_access(current_actor(), "person", person.id, "pdf.agreement")
    response = make_response(agreement_pdf(data))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="agreement-{loan.number}.pdf"'
    return response




@bp.route("/loans/<int:loan_id>/photo")
@STEPS.route("read_people")
def photo(loan_id):
    loan = loans.get_loan(loan_id)
    if not loan.photo:
        raise NotFound(_l("This loan has no photo."))
    record_access(current_actor(), "person", loan.person_id, "page.photo")
    try:
        return images.image_response(loan.photo, f"loan-{loan.id}.jpg")
    except images.NotAnImage as exc:  # stored before uploads were re-encoded: never served as sent
        raise NotFound(_l("This loan's photo is not an image and is not shown."), exc.errors) from exc


@bp.route("/follow-ups")
@STEPS.route("read_people")
def due():
    """The visits due, by tambon and moo, a page at a time; the devices to pick up, paged apart."""
    today = clock.today()
    horizon = min(max(request.args.get("days", 7, type=int), 0), 90)
    visits = WindowPage(lists.follow_ups_query(today, horizon), _page_number("page"), lists.PER_PAGE)
    pickups = db.paginate(lists.pickups_query(), page=_page_number("pickups_page"), per_page=lists.PER_PAGE,
                          max_per_page=lists.PER_PAGE, error_out=False)
    groups = [(area, list(items)) for area, items in groupby(
        visits.items, key=lambda loan: (loan.person.tambon, loan.person.moo))]
    flags = devices.device_flags([loan.device for loan in visits.items])
    record_accesses(current_actor(), "person", [loan.person_id for loan in visits.items]
                    + [loan.person_id for loan in pickups.items], "page.follow_ups")
    return render_template("lending/follow_ups.html", groups=groups, visits=visits, today=today, flags=flags,
                           horizon=horizon, pickups=pickups,
                           volunteers=lists.volunteers_for(area for area, _items in groups))


def _page_number(name: str) -> int:
    return min(max(request.args.get(name, 1, type=int), 1), 100_000)  # past that: an empty page


@bp.route("/loans/<int:loan_id>/follow-up", methods=["GET", "POST"])
@STEPS.route("follow_up")
def follow_up(loan_id):
    loan = loans.get_loan(loan_id)
    form = FollowUpForm()
    if request.method == "GET":
        form.visited_on.data = clock.today()
        form.condition.data = loan.device.condition.value

    def save():
        data = {f: getattr(form, f).data for f in ("visited_on", "condition", "outcome", "problems", "notes",
                                                    "raise_problem")}
        data["in_use"] = form.in_use.data == "yes"
        data["adl_items"] = adl_scores(form) if form.rescore.data else None
        if form.rescore.data and (data["adl_items"] is None or -1 in data["adl_items"]):
            raise ValidationError(_l("Choose a score for every ADL item, or untick re-scoring."),
                                  {"rescore": [_l("Every item needs a score.")]})
        return loans.record_follow_up(loan, data, by=current_actor())

    visit, status = submit(form, save)
    if visit is not None:
        flash(_("Visit recorded."), "success")
        return redirect(url_for("loans.due"))
    record_access(current_actor(), "person", loan.person_id, "page.follow_up")
    return render_template("lending/follow_up_form.html", form=form, loan=loan, adl_items=adl.ITEMS), status


@bp.route("/d/<tag>/follow-up")
@STEPS.route("follow_up")
def device_follow_up(tag):
    loan = _open_loan(tag)
    return redirect(url_for("loans.follow_up", loan_id=loan.id))


def _open_loan(tag) -> Loan:
    device = devices.get_device(tag)
    loan = loans.open_loan_for(device)
    if loan is None:
        raise NotFound(_l("%(tag)s is not on loan.", tag=device.tag),
                       {"tag": [_l("%(tag)s is %(state)s.", tag=device.tag, state=STATUS_LABELS[device.status])]})
    return loan


@bp.route("/d/<tag>/return", methods=["GET", "POST"])
@STEPS.route("receive_return")
def receive_return(tag):
    loan = _open_loan(tag)
    form = ReturnForm()
    if request.method == "GET":
        form.condition.data = loan.device.condition.value
    saved, status = submit(form, lambda: loans.receive_return(loan, Condition(form.condition.data),
                                                              form.notes.data or "", by=current_actor()))
    if saved is not None:
        flash(_("%(tag)s received back; it now waits for cleaning.", tag=loan.device.tag), "success")
        return redirect(url_for("devices.scan", tag=loan.device.tag))
    return render_template("lending/return_form.html", form=form, loan=loan), status


@bp.route("/d/<tag>/release", methods=["POST"])
@STEPS.route("release")
def release(tag):
    device = loans.release_without_cleaning(devices.get_device(tag), by=current_actor())
    flash(_("%(tag)s is back in stock (recorded as an override).", tag=device.tag), "success")
    return redirect(url_for("devices.scan", tag=device.tag))
