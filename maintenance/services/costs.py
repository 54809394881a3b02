"""What a work order may cost before someone else must say yes.

A cleaning order spends on consumables (detergent, disinfectant, bags): its costs stay under a
small cap (``CLEANING_CONSUMABLES_CAP_SATANG``), and more is refused. Any other order whose
total is above the configured limit (``WORK_ORDER_COST_LIMIT_SATANG``), or above the repair's
estimate, is finished without paying: its costs wait for a supervisor (``cost_approval``),
and the fund pays only when one approves. Both settings come from the app's configuration.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.errors import ValidationError
from core.money import LazyBaht
from maintenance.models import WorkKind, WorkOrder


def limit_satang() -> int:
    return current_app.config["WORK_ORDER_COST_LIMIT_SATANG"]


def cleaning_cap_satang() -> int:
    return current_app.config["CLEANING_CONSUMABLES_CAP_SATANG"]


def check_cleaning_part(order: WorkOrder, adding_satang: int) -> None:
    """Raises ValidationError naming ``unit_cost_satang`` when a part takes a cleaning order past the cap."""
    cap = cleaning_cap_satang()
    if order.kind == WorkKind.CLEANING and order.total_satang + adding_satang > cap:
        raise ValidationError(_l("A cleaning order's consumables may cost at most %(cap)s.", cap=LazyBaht(cap)),
                              {"unit_cost_satang": [_l("More than a cleaning's consumables may cost (%(cap)s).",
                                                       cap=LazyBaht(cap))]})


def check_cleaning_cap(order: WorkOrder, total_satang: int, other_cost_satang: int) -> None:
    """Raises ValidationError naming ``other_cost_satang`` (or ``costs``, when labour and parts together
    pass it) for a cleaning order whose total would be more than the consumables cap."""
    cap = cleaning_cap_satang()
    if order.kind != WorkKind.CLEANING or total_satang <= cap:
        return
    field = "other_cost_satang" if other_cost_satang > cap else "costs"
    raise ValidationError(_l("A cleaning order's consumables may cost at most %(cap)s.", cap=LazyBaht(cap)),
                          {field: [_l("More than a cleaning's consumables may cost (%(cap)s).", cap=LazyBaht(cap))]})


def needs_approval(order: WorkOrder) -> bool:
    """Its costs wait for a supervisor: above the limit, or above the repair's estimate."""
    total = order.total_satang
    if order.kind == WorkKind.CLEANING or total <= 0:
        return False
    return total > limit_satang() or (order.estimate_satang is not None and total > order.estimate_satang)


def approval_reasons(order: WorkOrder) -> list:
    """Why the order's costs wait, for the page and the audit trail."""
    reasons = []
    if order.total_satang > limit_satang():
        reasons.append(_l("more than the limit of %(limit)s", limit=LazyBaht(limit_satang())))
    if order.estimate_satang is not None and order.total_satang > order.estimate_satang:
        reasons.append(_l("more than the estimate of %(estimate)s", estimate=LazyBaht(order.estimate_satang)))
    return reasons
