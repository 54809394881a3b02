"""The maintenance worker's pages: my work orders, a device's order, checklist, parts, finish."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.auth import current_actor, require_role
from core.db import db
from core.errors import DomainError
from core.users import Role
from devices import services as devices
from devices.forms import baht_to_satang
from devices.models import DeviceStatus, ProblemReport
from maintenance import services
from maintenance.forms import FinishForm, PartForm
from maintenance.models import WorkKind, WorkStatus

bp = Blueprint("maintenance", __name__, url_prefix="/maintenance")
WORKERS = (Role.MAINTENANCE, Role.ADMIN)
KIND_LABELS = {WorkKind.CLEANING: _l("Cleaning"), WorkKind.INSPECTION: _l("Inspection"),
               WorkKind.REPAIR: _l("Repair"), WorkKind.PREVENTIVE: _l("Preventive service")}
STATUS_LABELS = {WorkStatus.OPEN: _l("Open"), WorkStatus.IN_PROGRESS: _l("In progress"),
                 WorkStatus.WAITING_PARTS: _l("Waiting for parts"), WorkStatus.DONE: _l("Done"),
                 WorkStatus.CANCELLED: _l("Cancelled")}


@bp.app_context_processor
def _labels():
    return {"work_kind_labels": KIND_LABELS, "work_status_labels": STATUS_LABELS}


@bp.route("")
@require_role(*WORKERS, Role.STAFF)
def my_orders():
    actor = current_actor()
    mine = list(db.session.scalars(services.orders_query("open", assignee=actor)))
    reports = list(db.session.scalars(select(ProblemReport).where(ProblemReport.handled_at.is_(None))
                                      .order_by(ProblemReport.id)))
    return render_template("maintenance/orders.html", orders=mine, reports=reports)


@bp.route("/orders/<int:order_id>", methods=["GET", "POST"])
@require_role(*WORKERS)
def order_view(order_id):
    order = services.get_order(order_id)
    part_form, finish_form = PartForm(prefix="part"), FinishForm(prefix="finish")
    status = 200
    if request.method == "POST":
        step = request.form.get("step")
        try:
            if step == "start":
                services.start(order, by=current_actor())
                message = _("Work started.")
            elif step == "wait":
                services.wait_for_parts(order, request.form.get("note", "")[:500], by=current_actor())
                message = _("Waiting for parts.")
            elif step == "part" and part_form.validate():
                services.add_part(order, part_form.name.data, part_form.quantity.data,
                                  baht_to_satang(part_form.unit_cost.data), by=current_actor())
                message = _("Part added.")
            elif step == "finish" and finish_form.validate():
                results = {item: request.form.get(f"item-{i}", "") for i, item in
                           enumerate(services.checklist_for(order))}
                services.complete(order, results, by=current_actor(), labour_hours=finish_form.labour_hours.data or 0,
                                  labour_rate_satang=baht_to_satang(finish_form.labour_rate.data) or 0,
                                  other_cost_satang=baht_to_satang(finish_form.other_cost.data) or 0,
                                  notes=finish_form.notes.data or "")
                message = _("Work order finished.")
            else:
                raise DomainError(_("Please check the information."))
        except DomainError as exc:
            db.session.rollback()
            order = services.get_order(order_id)
            flash(exc.message + (" " + "; ".join(m for ms in exc.errors.values() for m in ms) if exc.errors else ""),
                  "error")
            status = exc.code if exc.code != 400 else 422
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("maintenance.order_view", order_id=order.id))
    return render_template("maintenance/order.html", order=order, checklist=services.checklist_for(order),
                           part_form=part_form, finish_form=finish_form), status


@bp.route("/d/<tag>")
@require_role(*WORKERS, Role.STAFF)
def device_work(tag):
    """From the scan page: the device's open order, or a new inspection for a device in stock."""
    device = devices.get_device(tag)
    orders = services.open_orders(device)
    if orders:
        return redirect(url_for("maintenance.order_view", order_id=orders[0].id))
    if device.status != DeviceStatus.AVAILABLE:
        flash(_("%(tag)s has no open work order.", tag=device.tag), "error")
        return redirect(url_for("devices.scan", tag=device.tag))
    order = services.open_order(device, WorkKind.INSPECTION, by=current_actor())
    db.session.commit()
    return redirect(url_for("maintenance.order_view", order_id=order.id))


@bp.route("/reports/<int:report_id>/triage", methods=["POST"])
@require_role(*WORKERS, Role.STAFF)
def triage(report_id):
    report = db.get_or_404(ProblemReport, report_id)
    kind = WorkKind(request.form.get("kind", "repair")) if request.form.get("kind") in {k.value for k in WorkKind} \
        else WorkKind.REPAIR
    order = services.triage(report, kind, by=current_actor())
    db.session.commit()
    flash(_("Work order %(id)d opened.", id=order.id), "success")
    return redirect(url_for("maintenance.my_orders"))
