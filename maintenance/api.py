"""JSON API of work orders (DESIGN.md section 7: /api/v1/work-orders)."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from core.api import step_route
from core.auth import current_actor, require_internal
from core.paging import SelectPage
from devices import services as devices
from maintenance.services import cost_approval, figures, orders, preventive, retirement
from maintenance.models import RetirementKind
from maintenance.steps import STEPS
from maintenance.schemas import (CancelOrderSchema, CompleteSchema, CostApprovalSchema, CostDeclineSchema,
                                 RetirementDecisionSchema, EstimateSchema,
                                 NoBodySchema, PartSchema, RetirementQuerySchema, RetirementSchema, ServiceDueSchema,
                                 TypeFiguresSchema, WorkOrderQuerySchema, WorkOrderSchema)

bp = Blueprint("maintenance_api", __name__, url_prefix="/api/v1", description="Work orders")


@bp.route("/work-orders")
class WorkOrders(MethodView):
    @require_internal
    @bp.arguments(WorkOrderQuerySchema, location="query")
    @bp.response(200, WorkOrderSchema(many=True))
    @bp.paginate(SelectPage, page_size=50, max_page_size=500)
    def get(self, args):
        """Work orders; filter by ``device_tag``, ``status`` (``open`` for all open ones) and ``kind``."""
        device = devices.get_device(args["device_tag"]) if args["device_tag"] else None
        return orders.orders_query(args["status"], args["kind"], device)

    @STEPS.route("open_order")
    @bp.arguments(WorkOrderSchema)
    @bp.response(201, WorkOrderSchema)
    def post(self, data):
        """Open a work order for a device (an open cleaning order is unique per device)."""
        order = orders.open_order(devices.get_device(data["device_tag"]), data["kind"], by=current_actor(),
                                  description=data["description"])
        return order


@bp.route("/work-orders/<int:order_id>")
class WorkOrderItem(MethodView):
    @require_internal
    @bp.response(200, WorkOrderSchema)
    def get(self, order_id):
        """One work order."""
        return orders.get_order(order_id)


def _action(rule: str, schema, doc: str):
    """``POST /work-orders/{id}/<step>`` calling ``action(order, data, actor)``."""
    return step_route(bp, rule, schema=schema, response=WorkOrderSchema, roles=STEPS.roles("work"),
                      load=lambda order_id: orders.get_order(order_id), doc=doc)


@_action("/work-orders/<int:order_id>/start", NoBodySchema, "Start the work (the device goes to the workshop).")
def start(order, _data, actor):
    orders.start(order, by=actor)


@_action("/work-orders/<int:order_id>/waiting-parts", NoBodySchema, "Park the order until parts arrive.")
def waiting_parts(order, _data, actor):
    orders.wait_for_parts(order, by=actor)


@_action("/work-orders/<int:order_id>/parts", PartSchema, "Add a part used (name, quantity, unit cost).")
def parts(order, data, actor):
    orders.add_part(order, data["name"], data["quantity"], data["unit_cost_satang"], by=actor)


@_action("/work-orders/<int:order_id>/complete", CompleteSchema,
         "Finish: every checklist item ``pass`` or ``fail``, labour and costs (paid from the fund). A cleaning's "
         "costs are capped (``CLEANING_CONSUMABLES_CAP_SATANG``); costs above ``WORK_ORDER_COST_LIMIT_SATANG`` or "
         "the repair's estimate are not paid: the order becomes ``cost_approval`` until a supervisor decides.")
def complete(order, data, actor):
    orders.complete(order, data["checklist"], by=actor, labour_hours=data["labour_hours"],
                    labour_rate_satang=data["labour_rate_satang"], other_cost_satang=data["other_cost_satang"],
                    notes=data["notes"], condition=data.get("condition"))


@_action("/work-orders/<int:order_id>/cancel", CancelOrderSchema, "Cancel an order opened by mistake.")
def cancel(order, data, actor):
    orders.cancel(order, data["reason"], by=actor)


@_action("/work-orders/<int:order_id>/estimate", EstimateSchema,
         "Estimate a repair's cost; ``retire_suggested`` says when it passes 60% of a new device's price.")
def estimate(order, data, actor):
    retirement.set_estimate(order, data["estimate_satang"], by=actor)


def _costs_step(rule: str, schema, name: str, doc: str, decide):
    def action(order, data, actor):
        decide(order, data, actor)
    action.__name__ = name
    return step_route(bp, rule, schema=schema, response=WorkOrderSchema, roles=STEPS.roles("approve_costs"),
                      load=lambda order_id: orders.get_order(order_id), doc=doc)(action)


approve_costs = _costs_step(
    "/work-orders/<int:order_id>/approve-costs", CostApprovalSchema, "approve_costs",
    "A supervisor approves costs waiting for approval: the fund pays them now and the order is done.",
    lambda order, data, actor: cost_approval.approve(order, data["note"], by=actor))
decline_costs = _costs_step(
    "/work-orders/<int:order_id>/decline-costs", CostDeclineSchema, "decline_costs",
    "A supervisor declines costs waiting for approval (``reason`` required): nothing is paid, the order goes "
    "back to the workshop and the device stays out of service.",
    lambda order, data, actor: cost_approval.decline(order, data["reason"], by=actor))


@bp.route("/retirements")
class Retirements(MethodView):
    @require_internal
    @bp.arguments(RetirementQuerySchema, location="query")
    @bp.response(200, RetirementSchema(many=True))
    @bp.paginate(SelectPage, page_size=50, max_page_size=500)
    def get(self, args):
        """Requests to retire a device or record it lost; filter by ``status``."""
        return retirement.requests_query(args["status"])

    @STEPS.route("request_retirement")
    @bp.arguments(RetirementSchema)
    @bp.response(201, RetirementSchema)
    def post(self, data):
        """Ask a supervisor to retire a device (``retire``) or record it lost (``lost``)."""
        order = orders.get_order(data["work_order_id"]) if data["work_order_id"] is not None else None
        found = retirement.request_retirement(devices.get_device(data["device_tag"]), RetirementKind(data["kind"]),
                                              data["reason"], by=current_actor(), work_order=order)
        return found


def _decision(rule: str, approve: bool, name: str, doc: str):
    def action(found, data, actor):
        retirement.decide(found, approve, data["note"], by=actor)
    action.__name__ = name
    return step_route(bp, rule, schema=RetirementDecisionSchema, response=RetirementSchema,
                      roles=STEPS.roles("decide_retirement"), load=retirement.get_request, doc=doc)(action)


approve_retirement = _decision("/retirements/<int:request_id>/approve", True, "approve_retirement",
                               "Approve: the device leaves service (its open work orders close).")
reject_retirement = _decision("/retirements/<int:request_id>/reject", False, "reject_retirement",
                              "Do not approve; a ``note`` says why.")


@bp.route("/maintenance/service-due")
class ServiceDue(MethodView):
    @require_internal
    @bp.response(200, ServiceDueSchema(many=True))
    @bp.paginate(page_size=100, max_page_size=1000)
    def get(self, pagination_parameters):
        """Devices in stock or on loan due a preventive inspection (by days or loans, whichever first)."""
        due = preventive.service_due(offset=pagination_parameters.first_item,
                                     limit=pagination_parameters.page_size)
        pagination_parameters.item_count = due.total
        return due.items


@bp.route("/maintenance/figures")
class Figures(MethodView):
    @require_internal
    @bp.response(200, TypeFiguresSchema(many=True))
    def get(self):
        """Per device type: repairs, mean time between failures, return-to-stock turnaround, cost."""
        return figures.type_figures()


@bp.route("/devices/<tag>/maintenance")
class DeviceMaintenance(MethodView):
    @require_internal
    @bp.response(200)
    def get(self, tag):
        """A device's lifetime repair cost, days out of service and number of finished work orders."""
        return figures.device_figures(devices.get_device(tag))
