"""How the devices domain's own audit events and history read.

Devices hooks into no other domain; the others hook into it (devices/signals.py). Connected
from ``create_app`` like every domain's hooks.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core import audit
from devices import history
from devices.holds import HOLD_LABELS

ACTIONS = {
    "device_type.created": _l("Device type created"),
    "device_type.updated": _l("Device type edited"),
    "device.created": _l("Registered"),
    "device.updated": _l("Details edited"),
    "device.status_corrected": _l("Status corrected by an admin"),
    "device.problem_reported": _l("Problem reported"),
    "device.report_handled": _l("Report handled"),
    "device.reserved": _l("Reserved for a request"),
    "device.reservation_released": _l("Reservation released"),
    "device.delivered": _l("Delivered to the home"),
    "device.returned": _l("Returned, awaiting cleaning"),
    "device.released_without_cleaning": _l("Back in stock without cleaning (admin override)"),
    "device.hold_overridden": _l("Lent despite a hold (supervisor's override)"),
}


def connect(_app) -> None:
    audit.label_actions(ACTIONS)
    history.describe("holds", _l("Held back by"), values=HOLD_LABELS, listed=True, actions="device.hold_overridden")
    history.describe("reason", _l("Reason"), actions="device.hold_overridden")
