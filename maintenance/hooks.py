"""How maintenance hooks into the device pages and events, and how its audit events read.

Connected from ``create_app``: every return opens a cleaning order, a problem found at a
visit opens a repair, and a handled report may let a cleaned device go back; maintenance
holds back devices that are not safe to lend, offers its steps on the scan page (with the
roles of maintenance/steps.py), and adds its panels to the device pages and its notes to
lists of devices.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit
from core.db import db
from devices import history
from devices import signals as device_signals
from devices.models import DeviceStatus
from devices.signals import NextStep
from maintenance import cli
from maintenance.labels import KIND_LABELS
from maintenance.models import WorkOrder
from maintenance.services import holds as maintenance_holds
from maintenance.services import figures, orders, preventive, retirement, service_states, upkeep_states
from maintenance.steps import STEPS

ACTIONS = {
    "work_order.opened": _l("Work order opened"),
    "work_order.started": _l("Work started"),
    "work_order.part_added": _l("Part added"),
    "work_order.done": _l("Work order finished"),
    "work_order.cancelled": _l("Work order cancelled"),
    "work_order.waiting_parts": _l("Waiting for parts"),
    "work_order.estimated": _l("Repair cost estimated"),
    "work_order.costs_submitted": _l("Finished; costs wait for a supervisor's approval"),
    "work_order.costs_approved": _l("Costs approved by a supervisor"),
    "work_order.costs_declined": _l("Costs not approved; back to the workshop"),
    "device.cleaning_started": _l("Cleaning or repair started"),
    "device.back_in_stock": _l("Back in stock"),
    "device.held_in_workshop": _l("Kept in the workshop: a reported problem waits to be triaged"),
    "device.condition_set": _l("Condition recorded after the work"),
    "device.retirement_requested": _l("Retirement requested"),
    "device.loss_reported": _l("Reported lost, awaiting approval"),
    "device.retired": _l("Retired (approved)"),
    "device.marked_lost": _l("Recorded as lost (approved)"),
    "device.retirement_rejected": _l("Retirement not approved"),
}
RETIREMENT_ACTIONS = ("device.retirement_requested", "device.loss_reported", "device.retired", "device.marked_lost",
                      "device.retirement_rejected")

_RETIRE = NextStep("retire", _l("Retire or report lost"), "maintenance.retire", rank=90)
# The maintenance steps each device status allows: (the step offered, the step of STEPS it is).
DEVICE_STEPS = {
    DeviceStatus.AVAILABLE: [(NextStep("inspect", _l("Start an inspection"), "maintenance.device_work",
                                       method="post", rank=60), "work"),  # opens an order: never on a GET
                             (_RETIRE, "request_retirement")],
    DeviceStatus.RETURNED: [(NextStep("start_cleaning", _l("Start cleaning"), "maintenance.device_work", rank=50),
                             "work"),
                            (_RETIRE, "request_retirement")],
    DeviceStatus.IN_MAINTENANCE: [(NextStep("mark_ready", _l("Mark ready"), "maintenance.device_work", rank=55),
                                   "work"),
                                  (_RETIRE, "request_retirement")],
}


def next_steps(device, user, **_kw) -> list[NextStep]:
    return [offered for offered, step in DEVICE_STEPS.get(device.status, ()) if STEPS.allows(user, step)]


def scan_panel(device, user, **_kw) -> dict | None:
    """On the staff scan page: out of service (since when, why), a request waiting, a service due."""
    retired = retirement.approved_for(device) if device.is_out_of_service else None
    pending = None if retired else retirement.pending_for(device)
    due = preventive.service_due_for(device)
    if not (retired or pending or due):
        return None
    may_inspect = STEPS.allows(user, "work_at_home" if device.status == DeviceStatus.ON_LOAN else "work")
    return {"template": "maintenance/_scan_panel.html", "retired": retired, "pending": pending, "due": due,
            "may_inspect": may_inspect}


def device_panel(device, user, **_kw) -> dict | None:
    """On the device page: lifetime repair cost, downtime and the work orders."""
    if not STEPS.allows(user, "see_costs"):
        return None
    work_orders = list(db.session.scalars(select(WorkOrder).where(WorkOrder.device_id == device.id)
                                          .order_by(WorkOrder.id.desc()).limit(50)))
    return {"template": "maintenance/_device_panel.html", "figures": figures.device_figures(device),
            "orders": work_orders, "may_open": STEPS.allows(user, "work"),
            "retired": retirement.approved_for(device) if device.is_out_of_service else None}


def due_flags(_sender, devices=(), **_kw) -> dict[int, str]:
    """On lists of devices (the follow-up visits): the ones due an inspection."""
    if not devices:
        return {}
    return {due.device_id: _l("Inspection due: inspect at this visit")
            for due in preventive.service_due(devices=devices).items}


def _describe_history() -> None:
    # How the keys maintenance writes into a device's history read (devices/history.py).
    history.describe("work_order", _l("Work order"),
                     link=lambda order_id: (f"#{order_id}", url_for("maintenance.order_view", order_id=order_id)))
    history.describe("kind", _l("Kind of work"), values=KIND_LABELS, actions="work_order.")
    history.describe("cost_satang", _l("Cost"))
    history.describe("estimate_satang", _l("Estimated repair cost"))
    history.describe("retire_suggested", _l("Retiring suggested"))
    history.describe("failed", _l("Failed checks"), listed=True)
    history.describe("part", _l("Part"))
    history.describe("reason", _l("Reason"), actions="work_order.cancelled",
                     values={"override": _l("put back in stock by an admin"),
                             "retired": _l("the device left service")})
    history.describe("reason", _l("Reason"), actions="work_order.costs_declined")
    for action in RETIREMENT_ACTIONS:
        history.describe("request", _l("Retirement request"), link=lambda request_id: (f"#{request_id}", None),
                         actions=action)


def connect(app) -> None:
    audit.label_actions(ACTIONS)
    service_states.connect()
    upkeep_states.connect()
    app.cli.add_command(cli.maintenance)
    _describe_history()
    device_signals.device_status_changed.connect(orders.on_status_changed)
    device_signals.device_status_changed.connect(service_states.on_status_changed)
    device_signals.device_status_changed.connect(upkeep_states.on_status_changed)
    device_signals.problem_reported.connect(orders.on_problem_reported)
    device_signals.report_handled.connect(orders.on_report_handled)
    device_signals.collect_holds.connect(maintenance_holds.holds)
    device_signals.held_devices.connect(maintenance_holds.held_devices)
    device_signals.next_steps.connect(next_steps)
    device_signals.scan_panels.connect(scan_panel)
    device_signals.device_panels.connect(device_panel)
    device_signals.device_flags.connect(due_flags)
