"""How the fund's audit events read in a history. Connected from ``create_app``."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core import audit
from fund.models import Purpose

ACTIONS = {
    "donor.created": _l("Donor registered"),
    "donation.received": _l("Donation received"),
    "donor.summary_sent": _l("Yearly impact summary sent to the donor"),
    "donation.received_in_kind": _l("Gift in kind received"),
    "ledger.posted": _l("Journal entry posted"),
    f"fund.{Purpose.PURCHASE.value}": _l("Device bought from the fund"),
    f"fund.{Purpose.REPAIR.value}": _l("Repair paid from the fund"),
}


def connect(_app) -> None:
    audit.label_actions(ACTIONS)
