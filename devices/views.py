"""Pages for device types, devices, their history, and the scan landing page ``/d/{tag}``."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from core import audit
from core.auth import current_actor, public, require_internal
from core.db import appends, db
from core.paging import list_page
from core.forms import int_or_none, submit
from core.unit_of_work import AfterCommit
from core.limits import PUBLIC_FORM_LIMIT, limiter, public_page
from core.money import satang_to_baht
from core.users import INTERNAL_ROLES
from devices import history, holds, services
from devices.labels import REPORT_SOURCE_LABELS
from devices.forms import (ACQUISITION_LABELS, CONDITION_LABELS, REPORT_LABELS, STATUS_LABELS, DeviceForm,
                           DeviceTypeForm, HoldOverrideForm, ProblemReportForm)
from devices.models import Device, DeviceStatus, ProblemReport, ReportKind
from devices.steps import STEPS

bp = Blueprint("devices", __name__)

LABELS = {"status_labels": STATUS_LABELS, "condition_labels": CONDITION_LABELS,
          "acquisition_labels": ACQUISITION_LABELS, "report_labels": REPORT_LABELS,
          "report_source_labels": REPORT_SOURCE_LABELS}


@bp.app_context_processor
def _labels():
    return {**LABELS, "action_label": audit.action_label, "event_details": history.details}


# --- device types ---------------------------------------------------------------------

@bp.route("/device-types")
@require_internal
def type_list():
    return render_template("devices/type_list.html", types=services.list_types(),
                           counts=services.device_counts_by_type())


@bp.route("/device-types/new", methods=["GET", "POST"])
@STEPS.route("manage_types")
def type_new():
    form = DeviceTypeForm()
    created, status = submit(form, lambda: services.create_type({"code": form.code.data, **form.to_data()},
                                                                by=current_actor()))
    if created is not None:
        flash(_("Device type %(code)s created.", code=created.code), "success")
        return redirect(url_for("devices.type_list"))
    return render_template("devices/type_form.html", form=form, device_type=None), status


@bp.route("/device-types/<code>/edit", methods=["GET", "POST"])
@STEPS.route("manage_types")
def type_edit(code):
    device_type = services.get_type(code)
    form = DeviceTypeForm(obj=device_type)
    del form.code
    if request.method == "GET":
        form.reference_price.data = satang_to_baht(device_type.reference_price_satang)
        for name in ("instructions", "cleaning_steps", "inspection_items"):
            form[name].data = "\n".join(getattr(device_type, name) or [])
        form.version.data = device_type.version
    saved, status = submit(
        form, lambda: services.update_type(device_type, form.to_data(), version=int_or_none(form.version.data),
                                           by=current_actor()))
    if saved is not None:
        flash(_("Device type %(code)s saved.", code=saved.code), "success")
        return redirect(url_for("devices.type_list"))
    form.version.data = device_type.version  # after a conflict, offer the stored version
    return render_template("devices/type_form.html", form=form, device_type=device_type), status


# --- devices ----------------------------------------------------------------------------

@bp.route("/devices")
@require_internal
def device_list():
    q = request.args.get("q", "")[:80]
    type_code = request.args.get("type", "")[:8]
    status_arg = request.args.get("status", "")
    status = DeviceStatus(status_arg) if status_arg in DeviceStatus._value2member_map_ else None
    page_number = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    page = list_page(services.device_query(q, type_code, status), page_number,
                     current_app.config["PER_PAGE"], searching=bool(q))
    return render_template("devices/device_list.html", page=page, types=services.list_types(), q=q,
                           type_code=type_code.upper(), status=status)


@bp.route("/devices/new", methods=["GET", "POST"])
@STEPS.route("register")
def device_new():
    form = DeviceForm()
    form.type.choices = _type_choices()
    if request.method == "GET" and request.args.get("type"):
        form.type.data = request.args["type"].upper()
    device, status = submit(form, lambda: services.register_device(
        services.get_type(form.type.data), form.to_data(), by=current_actor()))
    if device is not None:
        flash(_("Device %(tag)s registered. Print its label and stick it on.", tag=device.tag), "success")
        return redirect(url_for("devices.device_view", tag=device.tag))
    return render_template("devices/device_form.html", form=form, device=None), status


def _type_choices():
    return [SelectChoice(t.code, f"{t.code} · {t.name_th} / {t.name_en}") for t in services.list_types()]


@bp.route("/devices/<tag>")
@require_internal
def device_view(tag):
    device = services.get_device(tag)
    return render_template("devices/device_view.html", device=device,
                           history=services.device_history(device, limit=10),
                           reports=services.open_reports(device),
                           panels=services.device_panels(device, current_actor()))


@bp.route("/devices/<tag>/edit", methods=["GET", "POST"])
@STEPS.route("edit")
def device_edit(tag):
    device = services.get_device(tag)
    form = DeviceForm(obj=device)
    del form.type
    if request.method == "GET":
        form.acquisition_value.data = satang_to_baht(device.acquisition_value_satang)
        form.condition.data = device.condition.value
        form.acquisition.data = device.acquisition.value
        form.version.data = device.version
    saved, status = submit(form, lambda: services.update_device(
        device, form.to_data(), version=int_or_none(form.version.data), by=current_actor()))
    if saved is not None:
        flash(_("Device %(tag)s saved.", tag=device.tag), "success")
        return redirect(url_for("devices.device_view", tag=device.tag))
    form.version.data = device.version  # after a conflict, offer the stored version
    return render_template("devices/device_form.html", form=form, device=device), status


@bp.route("/devices/<tag>/history")
@require_internal
def device_history(tag):
    device = services.get_device(tag)
    return render_template("devices/device_history.html", device=device, events=services.device_history(device))


@bp.route("/reports/<int:report_id>/handled", methods=["POST"])
@STEPS.route("handle_report")
def report_handled(report_id):
    report = db.get_or_404(ProblemReport, report_id)
    services.mark_report_handled(report, by=current_actor())
    flash(_("Report marked as handled."), "success")
    return redirect(url_for("devices.scan", tag=report.device.tag))


# --- the scan landing page --------------------------------------------------------------

@bp.route("/d/<tag>")
@appends
@public
@public_page
def scan(tag):
    """The label's page: the scan (and any look at personal data) is written and committed first,
    and the page is read and drawn after the commit. Its writes are new rows only (core.db.appends):
    on SQLite the write lock is taken at the first of them, after the reads, and held to the commit."""
    device = services.get_device(tag)
    actor = current_actor()
    staff = actor is not None and actor.has_role(*INTERNAL_ROLES)
    panels = services.scan_panels(device, actor) if staff else []  # may log access to personal data
    services.record_scan(device, actor, client_key=_client_key(),
                         repeat_window=dt.timedelta(minutes=current_app.config["SCAN_REPEAT_MINUTES"]))
    if not staff:
        return AfterCommit(render_template, "devices/scan_public.html", device=device, form=ProblemReportForm())

    def page():
        hold_panel = _hold_panel(device)
        actions = services.next_actions(device, actor)
        if hold_panel and hold_panel["blocking"]:
            actions = [a for a in actions if a["key"] not in LENDING_STEPS]  # held back: the hold panel says why
        return render_template("devices/scan_staff.html", device=device, panels=panels, hold_panel=hold_panel,
                               override_form=HoldOverrideForm(), actions=actions,
                               history=services.device_history(device, limit=5),
                               reports=services.open_reports(device), scans=services.recent_scans(device))

    return AfterCommit(page)


LENDING_STEPS = ("reserve", "deliver")


def _client_key() -> str:
    """The visitor's network address (an IPv6 one by its /64, which one phone may rotate
    through) as a keyed hash: repeats can be recognised, the address is not kept."""
    address = request.remote_addr or ""
    try:
        if ipaddress.ip_address(address).version == 6:
            address = str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    except ValueError:
        pass
    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(secret, b"scan-client:" + address.encode(), hashlib.sha256).hexdigest()[:32]


def _hold_panel(device: Device) -> dict | None:
    """What holds the device back from lending, while it is in stock or reserved."""
    if device.status not in (DeviceStatus.AVAILABLE, DeviceStatus.RESERVED):
        return None
    state = holds.hold_states([device]).get(device.id)
    if state is None or not state.holds:
        return None
    return {"holds": state.holds, "blocking": state.blocking, "overrides": state.overrides}


@bp.route("/d/<tag>/override", methods=["POST"])
@STEPS.route("override_hold")
def hold_override(tag):
    """A supervisor lends a held device anyway, with a written reason."""
    device = services.get_device(tag)
    form = HoldOverrideForm()
    if not form.validate_on_submit():
        flash(_("Write why the device may be lent despite the hold."), "error")
        return redirect(url_for("devices.scan", tag=device.tag))
    holds.override(device, form.reason.data, by=current_actor())
    flash(_("%(tag)s may be lent despite its holds; your reason is recorded.", tag=device.tag), "success")
    return redirect(url_for("devices.scan", tag=device.tag))


@bp.route("/d/<tag>/report", methods=["POST"])
@public
@limiter.limit(PUBLIC_FORM_LIMIT)
def scan_report(tag):
    device = services.get_device(tag)
    form = ProblemReportForm()
    if form.validate_on_submit():
        services.report_problem(device, ReportKind(form.kind.data), form.message.data or "",
                                form.contact_name.data or "", form.contact_phone.data or "")
        return render_template("devices/scan_thanks.html", device=device)
    return render_template("devices/scan_public.html", device=device, form=form), 422


@bp.route("/scan")
@require_internal
def scan_lookup():
    """Type a tag (the fallback when the camera is not at hand) and go to its page."""
    tag = request.args.get("tag", "").strip().upper()
    if not tag:
        return render_template("devices/scan_lookup.html", tag="")
    exists = db.session.scalar(select(Device.id).where(Device.tag == tag))
    if exists is None:
        flash(_("No device has the tag %(tag)s.", tag=tag), "error")
        return render_template("devices/scan_lookup.html", tag=tag), 404
    return redirect(url_for("devices.scan", tag=tag))
