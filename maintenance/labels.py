"""What people read for maintenance's kinds and states, in their language (lazy translations).

Services use these in their messages; pages in their badges and choices.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from maintenance.models import DecisionStatus, RetirementKind, WorkKind, WorkStatus

KIND_LABELS = {WorkKind.CLEANING: _l("Cleaning"), WorkKind.INSPECTION: _l("Inspection"),
               WorkKind.REPAIR: _l("Repair"), WorkKind.PREVENTIVE: _l("Preventive service")}
STATUS_LABELS = {WorkStatus.OPEN: _l("Open"), WorkStatus.IN_PROGRESS: _l("In progress"),
                 WorkStatus.WAITING_PARTS: _l("Waiting for parts"),
                 WorkStatus.COST_APPROVAL: _l("Costs waiting for approval"), WorkStatus.DONE: _l("Done"),
                 WorkStatus.CANCELLED: _l("Cancelled")}
RETIREMENT_LABELS = {RetirementKind.RETIRE: _l("Retire"), RetirementKind.LOST: _l("Lost")}
DECISION_LABELS = {DecisionStatus.PENDING: _l("Waiting for a supervisor"), DecisionStatus.APPROVED: _l("Approved"),
                   DecisionStatus.REJECTED: _l("Not approved")}

# Where a work order came from.
SOURCE_LABELS = {"return": _l("opened when the device came back"), "problem": _l("from a reported problem"),
                 "follow_up": _l("found at a follow-up visit"), "inspection": _l("from a failed inspection"),
                 "schedule": _l("preventive service due"), "manual": _l("opened by hand")}
