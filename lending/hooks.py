"""How lending hooks into the device pages and events, and how its audit events read.

Connected from ``create_app``: the head of the waitlist is proposed whenever a device
becomes available; the scan page offers the lending steps the device's status allows (with
the roles of lending/steps.py) and shows who holds or awaits the device.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from core import audit
from core.audit import record_access
from devices import history
from devices import signals as device_signals
from devices.models import DeviceStatus
from devices.signals import NextStep
from lending.services import loans
from lending.services.waitlist import propose_to_waitlist
from lending.steps import STEPS

ACTIONS = {
    "request.submitted": _l("Request received"),
    "request.assessment_scheduled": _l("Home visit scheduled"),
    "request.assessed": _l("Assessed at home"),
    "request.approved": _l("Approved"),
    "request.rejected": _l("Rejected"),
    "request.waitlisted": _l("Put on the waitlist"),
    "request.device_proposed": _l("Device proposed"),
    "request.reserved": _l("Device reserved"),
    "request.reserved_out_of_turn": _l("Reserved ahead of the waitlist, with a reason"),
    "request.delivered": _l("Delivered"),
    "request.closed": _l("Closed: device returned"),
    "request.cancelled": _l("Cancelled"),
    "request.item_returned": _l("A device of the request returned"),
    "loan.opened": _l("Loan opened"),
    "loan.followed_up": _l("Follow-up visit"),
    "loan.returned": _l("Returned"),
    "person.registered": _l("Registered"),
    "person.updated": _l("Details edited"),
    "person.consent_withdrawn": _l("Consent withdrawn"),
    "person.consent_given": _l("Consent given again"),
    "person.erased": _l("Personal data anonymised"),
    "person.life_status": _l("Life status recorded"),
    "person.care_plan": _l("Care plan changed"),
    "person.referred": _l("Referred to the social welfare division"),
    "person.referral_updated": _l("Referral updated"),
    "user.zones_set": _l("Home-visit zones set"),
}

# The lending steps each device status allows, with their pages and their place in the lifecycle.
DEVICE_STEPS = {
    DeviceStatus.AVAILABLE: [NextStep("reserve", _l("Reserve for a request"), "requests.reserve_device", rank=10)],
    DeviceStatus.RESERVED: [NextStep("deliver", _l("Deliver"), "loans.deliver", rank=20)],
    DeviceStatus.ON_LOAN: [NextStep("follow_up", _l("Record a follow-up"), "loans.device_follow_up", rank=30),
                           NextStep("receive_return", _l("Receive return"), "loans.receive_return", rank=40)],
    DeviceStatus.RETURNED: [NextStep("release", _l("Put back in stock without cleaning (admin override)"),
                                     "loans.release", method="post", rank=70)],
}


def next_steps(device, user, **_kw) -> list[NextStep]:
    return [step for step in DEVICE_STEPS.get(device.status, ()) if STEPS.allows(user, step.key)]


def holder_panel(device, user, **_kw) -> dict | None:
    """On the staff scan page: who holds or awaits the device, for roles that may see people."""
    if not STEPS.allows(user, "read_people"):
        return None
    loan = loans.open_loan_for(device)
    reservation = None if loan else loans.reservation_for(device)
    if loan is None and reservation is None:
        return None
    record_access(user, "person", loan.person_id if loan else reservation.request.person_id, "page.scan")
    return {"template": "lending/_holder_panel.html", "loan": loan, "reservation": reservation}


def _on_device_available(device, by=None, **_kw) -> None:
    propose_to_waitlist(device, by)


def connect(_app) -> None:
    audit.label_actions(ACTIONS)
    # How the keys lending writes into a device's history read (devices/history.py).
    history.describe("request", _l("Request"), link=lambda request_id: (
        f"#{request_id}", url_for("requests.request_view", request_id=request_id)))
    history.describe("loan", _l("Loan"), link=lambda loan_id: (
        f"L-{loan_id:06d}", url_for("loans.loan_view", loan_id=loan_id)))  # Loan.number
    device_signals.device_available.connect(_on_device_available)
    device_signals.next_steps.connect(next_steps)
    device_signals.scan_panels.connect(holder_panel)
