"""What each access-log purpose code means, as the access log page shows it (the CSV keeps the code)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

PURPOSE_LABELS = {
    "page.view": _l("Person's page"), "page.people": _l("List of people"), "page.search": _l("Search for people"),
    "page.intake": _l("New request form"), "page.intake_search": _l("Search at intake"),
    "page.board": _l("Request board"), "page.request": _l("Request page"), "page.approvals": _l("Approvals"),
    "page.assessment": _l("Home assessment form"), "page.waitlist": _l("Waitlist"),
    "page.follow_up": _l("Follow-up visits"), "page.loan": _l("Loan page"), "page.photo": _l("Hand-over photo"),
    "page.scan": _l("Label scan"), "page.care_plan": _l("Care plan"), "page.my_work": _l("My work"),
    "page.export": _l("Record export (page)"), "page.subject_request_search": _l("Search for a data-subject request"),
    "pdf.agreement": _l("Loan agreement PDF"),
    "api.read": _l("API: person"), "api.people": _l("API: list of people"), "api.search": _l("API: search"),
    "api.history": _l("API: person's history"), "api.care_plan": _l("API: care plan"),
    "api.referrals": _l("API: welfare referrals"), "api.request": _l("API: request"),
    "api.requests": _l("API: list of requests"), "api.loan": _l("API: loan"), "api.loans": _l("API: list of loans"),
    "api.device_loans": _l("API: a device's loans"), "api.follow_ups": _l("API: follow-ups"),
    "api.waitlist": _l("API: waitlist"), "api.export": _l("Record export (API)"),
    "api.subject_request": _l("API: data-subject request"), "api.subject_requests": _l("API: data-subject requests"),
    "export.access_log": _l("Access log export"),
}


def purpose_label(code: str) -> str:
    return str(PURPOSE_LABELS.get(code, code))
