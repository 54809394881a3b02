"""Lending services: people, the request pipeline, and loans (delivery to return).

Each public function is one step of the lifecycle: it takes the acting user, checks the
state and the rules, writes the audit event and flushes; the caller commits once.
"""
from flask_babel import lazy_gettext as _l

from core.audit import ACTION_LABELS

ACTION_LABELS.update({
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
    "loan.opened": _l("Loan opened"),
    "loan.followed_up": _l("Follow-up visit"),
    "loan.returned": _l("Returned"),
    "person.registered": _l("Registered"),
    "person.updated": _l("Details edited"),
    "person.consent_withdrawn": _l("Consent withdrawn"),
    "person.life_status": _l("Life status recorded"),
    "person.care_plan": _l("Care plan changed"),
    "person.referred": _l("Referred to the social welfare division"),
    "person.referral_updated": _l("Referral updated"),
    "request.item_returned": _l("A device of the request returned"),
})
