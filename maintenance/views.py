"""The maintenance pages: my work orders, a device's order (checklist, parts, estimate, finish),
the preventive service due list, retirement requests and their approval, and the figures."""
from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.auth import current_actor
from core.db import db
from core.errors import DomainError, PermissionDenied, readable_messages
from core.forms import attempt, submit
from core.money import format_amount, satang_to_baht
from devices import services as devices
from devices.models import Condition, DeviceStatus, ProblemReport
from maintenance.services import figures as upkeep_figures
from maintenance.services import cost_approval, costs, orders, preventive, retirement
from maintenance.forms import CostDecisionForm, EstimateForm, FinishForm, PartForm, RetireDecisionForm, RetireForm
from maintenance.labels import DECISION_LABELS, KIND_LABELS, RETIREMENT_LABELS, SOURCE_LABELS, STATUS_LABELS
from maintenance.models import DecisionStatus, RetirementKind, WorkKind
from maintenance.steps import STEPS

bp = Blueprint("maintenance", __name__, url_prefix="/maintenance")
DUE_PAGE = 50


@bp.app_context_processor
def _labels():
    return {"may_step": lambda step: STEPS.allows(current_actor(), step), "work_kind_labels": KIND_LABELS,
            "work_status_labels": STATUS_LABELS, "work_source_labels": SOURCE_LABELS,
            "retirement_labels": RETIREMENT_LABELS, "decision_labels": DECISION_LABELS}


@bp.route("")
@STEPS.route("open_order")
def my_orders():
    actor = current_actor()
    mine = list(db.session.scalars(orders.orders_query("open", assignee=actor)))
    reports = list(db.session.scalars(select(ProblemReport).where(ProblemReport.handled_at.is_(None))
                                      .order_by(ProblemReport.id)))
    return render_template("maintenance/orders.html", orders=mine, reports=reports)


@bp.route("/orders/<int:order_id>", methods=["GET", "POST"])
@STEPS.route("work_at_home", "approve_costs")
def order_view(order_id):
    order = orders.get_order(order_id)
    may_approve = STEPS.allows(current_actor(), "approve_costs")
    if not (orders.may_work_on(order, current_actor()) or may_approve):
        raise PermissionDenied(_l("Your role may not do maintenance work."))
    part_form, finish_form = PartForm(prefix="part"), FinishForm(prefix="finish")
    finish_form.condition.flags.required = order.kind == WorkKind.REPAIR  # the technician says how it left it
    estimate_form, cost_form = EstimateForm(prefix="estimate"), CostDecisionForm(prefix="costs")
    status = 200
    if request.method == "POST":
        message, error = attempt(lambda: _step(order, request.form.get("step"), part_form, finish_form,
                                               estimate_form, cost_form))
        if error is None:
            flash(message, "success")
            return redirect(url_for("maintenance.order_view", order_id=order.id))
        flash(" ".join([str(error.message), *readable_messages(error.errors)]), "error")
        status = error.code if error.code != 400 else 422
    if request.method == "GET" and order.estimate_satang is not None:
        estimate_form.estimate.data = satang_to_baht(order.estimate_satang)
    return render_template("maintenance/order.html", order=order, checklist=orders.checklist_for(order),
                           part_form=part_form, finish_form=finish_form, estimate_form=estimate_form,
                           suggest_retire=retirement.retire_suggested(order),
                           may_work=orders.may_work_on(order, current_actor()),
                           share=retirement.estimate_share_percent(order),
                           threshold=retirement.retire_threshold_satang(order.device),
                           pending=retirement.pending_for(order.device), cost_form=cost_form,
                           may_approve=may_approve, cost_reasons=costs.approval_reasons(order),
                           cost_limit=costs.limit_satang(), cleaning_cap=costs.cleaning_cap_satang()), status


def _step(order, step, part_form, finish_form, estimate_form, cost_form) -> str:
    """One step of the order page; returns what to tell the worker. Raises the service's errors."""
    actor = current_actor()
    if step == "approve_costs" and cost_form.validate():
        cost_approval.approve(order, cost_form.note.data or "", by=actor)
        return _("Costs approved; the fund has paid them.")
    if step == "decline_costs" and cost_form.validate():
        cost_approval.decline(order, cost_form.note.data or "", by=actor)
        return _("Costs not approved; the order is back in the workshop.")
    if step == "estimate" and estimate_form.validate():
        retirement.set_estimate(order, estimate_form.estimate.satang, by=actor)
        return _("Estimate saved.")
    if step == "start":
        orders.start(order, by=actor)
        return _("Work started.")
    if step == "wait":
        orders.wait_for_parts(order, request.form.get("note", "")[:500], by=actor)
        return _("Waiting for parts.")
    if step == "part" and part_form.validate():
        orders.add_part(order, part_form.name.data, part_form.quantity.data,
                        part_form.unit_cost.satang, by=actor)
        return _("Part added.")
    if step == "finish" and finish_form.validate():
        results = {item: request.form.get(f"item-{i}", "") for i, item in enumerate(orders.checklist_for(order))}
        orders.complete(order, results, by=actor, labour_hours=finish_form.labour_hours.data or 0,
                        labour_rate_satang=finish_form.labour_rate.satang or 0,
                        other_cost_satang=finish_form.other_cost.satang or 0,
                        notes=finish_form.notes.data or "",
                        condition=Condition(finish_form.condition.data) if finish_form.condition.data else None)
        return _("Work order finished.")
    raise DomainError(_l("Please check the information."))


@bp.route("/costs")
@STEPS.route("approve_costs")
def cost_approvals():
    """The supervisor's queue: finished orders whose costs wait for a decision."""
    return render_template("maintenance/cost_approvals.html",
                           waiting=list(db.session.scalars(cost_approval.waiting_query())),
                           limit=costs.limit_satang())


@bp.route("/d/<tag>", methods=["GET", "POST"])
@STEPS.route("open_order")
def device_work(tag):
    """From the scan page: the device's open order; a POST opens an inspection of one in stock."""
    device = devices.get_device(tag)
    open_ones = orders.open_orders(device)
    if open_ones:
        return redirect(url_for("maintenance.order_view", order_id=open_ones[0].id))
    if device.status != DeviceStatus.AVAILABLE or request.method != "POST":
        flash(_("%(tag)s has no open work order.", tag=device.tag), "error")
        return redirect(url_for("devices.scan", tag=device.tag))
    kind = WorkKind.PREVENTIVE if preventive.service_due_for(device) else WorkKind.INSPECTION
    order = orders.open_order(device, kind, by=current_actor())
    return redirect(url_for("maintenance.order_view", order_id=order.id))


@bp.route("/d/<tag>/service", methods=["POST"])
@STEPS.route("work_at_home")
def start_service(tag):
    """Open the preventive inspection of a device that is due (in stock, or at the home)."""
    device = devices.get_device(tag)
    due = preventive.service_due_for(device)
    if due and due.open_order_id:
        return redirect(url_for("maintenance.order_view", order_id=due.open_order_id))
    if due is None:
        flash(_("%(tag)s is not due a service.", tag=device.tag), "error")
        return redirect(url_for("maintenance.service_due_list"))
    order = orders.open_order(device, WorkKind.PREVENTIVE, by=current_actor(), source="schedule")
    if not orders.may_work_on(order, current_actor()):
        raise PermissionDenied(_l("Your role may not do maintenance work."))
    return redirect(url_for("maintenance.order_view", order_id=order.id))


@bp.route("/due")
@STEPS.route("see_due")
def service_due_list():
    type_code = request.args.get("type", "")
    actor = current_actor()

    def may_inspect(due) -> bool:
        return STEPS.allows(actor, "work_at_home" if due.on_loan else "work")

    page = max(request.args.get("page", 1, type=int), 1)
    due = preventive.service_due(type_code=type_code, offset=(page - 1) * DUE_PAGE, limit=DUE_PAGE)
    pages = max(-(-due.total // DUE_PAGE), 1)
    due_pages = SimpleNamespace(page=page, pages=pages, has_prev=page > 1, prev_num=page - 1, has_next=page < pages,
                            next_num=page + 1)
    return render_template("maintenance/due.html", due=due, due_pages=due_pages, types=devices.list_types(),
                           type_code=type_code, may_inspect=may_inspect)


@bp.route("/figures")
@STEPS.route("see_costs")
def figures():
    return render_template("maintenance/figures.html", figures=upkeep_figures.type_figures(),
                           share=retirement.RETIRE_SHARE_PERCENT)


@bp.route("/d/<tag>/retire", methods=["GET", "POST"])
@STEPS.route("request_retirement")
def retire(tag):
    """Ask a supervisor to retire the device or record it lost."""
    device = devices.get_device(tag)
    order_id = request.args.get("order", "")
    order = orders.get_order(int(order_id)) if order_id.isdigit() and len(order_id) < 10 else None
    form = RetireForm()
    if request.method == "GET" and order is not None and retirement.retire_suggested(order):
        form.reason.data = _("Repair estimated at %(estimate)s, %(share)d%% of a new one (work order %(id)d).",
                             estimate=format_amount(order.estimate_satang),
                             share=retirement.estimate_share_percent(order), id=order.id)
    saved, status = submit(form, lambda: retirement.request_retirement(
        device, RetirementKind(form.kind.data), form.reason.data, by=current_actor(), work_order=order))
    if saved:
        flash(_("Sent to a supervisor for approval."), "success")
        return redirect(url_for("devices.scan", tag=device.tag))
    return render_template("maintenance/retire.html", device=device, form=form, order=order,
                           pending=retirement.pending_for(device)), status


@bp.route("/retirements")
@STEPS.route("request_retirement")
def retirements():
    pending = list(db.session.scalars(retirement.requests_query(DecisionStatus.PENDING)))
    decided = list(db.session.scalars(retirement.requests_query("decided").limit(20)))
    return render_template("maintenance/retirements.html", pending=pending, decided=decided,
                           form=RetireDecisionForm())


@bp.route("/retirements/<int:request_id>", methods=["POST"])
@STEPS.route("decide_retirement")
def decide_retirement(request_id):
    found = retirement.get_request(request_id)
    form = RetireDecisionForm()
    approve = request.form.get("decision") == "approve"
    saved, status = submit(form, lambda: retirement.decide(found, approve, form.note.data or "", by=current_actor()))
    if saved:
        flash(_("Approved: %(tag)s is out of service.", tag=found.device.tag) if approve
              else _("Not approved; %(tag)s stays in service.", tag=found.device.tag), "success")
        return redirect(url_for("maintenance.retirements"))
    pending = list(db.session.scalars(retirement.requests_query(DecisionStatus.PENDING)))
    return render_template("maintenance/retirements.html", pending=pending, decided=[], form=form,
                           failed=request_id), status if status != 200 else 422


@bp.route("/reports/<int:report_id>/triage", methods=["POST"])
@STEPS.route("open_order")
def triage(report_id):
    report = db.get_or_404(ProblemReport, report_id)
    kind = WorkKind(request.form.get("kind", "repair")) if request.form.get("kind") in {k.value for k in WorkKind} \
        else WorkKind.REPAIR
    order = orders.triage(report, kind, by=current_actor())
    flash(_("Work order %(id)d opened.", id=order.id), "success")
    return redirect(url_for("maintenance.my_orders"))
