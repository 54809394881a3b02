"""The care plan at home and referrals to the social welfare division.

The care plan lists the tasks the teams do at the home (blood pressure, blood sugar, turning,
physiotherapy; and the tasks only a registered nurse does: injections, the feeding tube, the
urinary catheter, infected wounds) and who does each. A person in economic hardship is
referred to the municipality's social welfare division; the referral is followed to its
outcome. Health data: the audit trail keeps what changed, never the values.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from core import audit, clock
from core.concurrency import check_version
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.users import User
from lending.labels import CARE_TASK_LABELS
from lending.models import NURSE_ONLY_TASKS, CareNeed, CareTask, Carer, Person, ReferralStatus, WelfareReferral
from lending.steps import STEPS



def set_care_plan(person: Person, needs: Sequence[Mapping[str, Any]], *, by: User) -> list[CareNeed]:
    """Replace the person's care plan with ``needs`` (task, done_by, how_often, notes).

    Raises ValidationError for an unknown task or carer, a task listed twice, or a nurse's
    task given to someone else.
    """
    STEPS.check(by, "care")
    errors: dict[str, list] = {}
    rows: dict[CareTask, CareNeed] = {}
    for need in needs:
        try:
            task, carer = CareTask(need.get("task")), Carer(need.get("done_by"))
        except ValueError:
            errors.setdefault("needs", []).append(_l("Each task and who does it must be one of the listed ones."))
            continue
        if task in rows:
            errors.setdefault("needs", []).append(_l("%(task)s is listed twice.", task=CARE_TASK_LABELS[task]))
        if task in NURSE_ONLY_TASKS and carer != Carer.NURSE:
            errors.setdefault("needs", []).append(
                _l("%(task)s is done only by a registered nurse.", task=CARE_TASK_LABELS[task]))
        rows[task] = CareNeed(task=task, done_by=carer, how_often=(need.get("how_often") or "").strip()[:80],
                              notes=(need.get("notes") or "").strip()[:500])
    if errors:
        raise ValidationError(_l("The care plan cannot be saved."), errors)
    person.care_needs = list(rows.values())
    db.session.flush()
    audit.record(by, "person.care_plan", "person", person.id, {"tasks": len(rows)})
    return person.care_needs


def refer(person: Person, reason: str, *, by: User, on: dt.date | None = None) -> WelfareReferral:
    """Refer the person to the social welfare division. Raises ValidationError without a
    reason, Conflict while another referral of theirs is still open."""
    STEPS.check(by, "care")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("Say why the person is referred."), {"reason": [_l("A reason is required.")]})
    if any(r.is_open for r in person.referrals):
        raise Conflict(_l("%(name)s already has an open referral; update that one.", name=person.full_name),
                       {"state": [ReferralStatus.REFERRED.value]})
    on = on or clock.today()
    if on > clock.today():
        raise ValidationError(_l("The date cannot be in the future."),
                              {"referred_on": [_l("The date cannot be in the future.")]})
    referral = WelfareReferral(person=person, reason=reason, referred_on=on, referred_by_id=by.id)
    db.session.add(referral)
    db.session.flush()
    audit.record(by, "person.referred", "person", person.id, {"referral": referral.id})
    return referral


def get_referral(referral_id: int) -> WelfareReferral:
    referral = db.session.get(WelfareReferral, referral_id)
    if referral is None:
        raise NotFound(_l("There is no referral %(id)d.", id=referral_id), {"id": [_l("Unknown referral.")]})
    return referral


def update_referral(referral: WelfareReferral, status: ReferralStatus, outcome: str = "", *, version: int | None,
                    by: User) -> WelfareReferral:
    """Record how the referral went. Raises ValidationError without a version, Conflict for a
    stale one; ValidationError when a finished referral has no outcome written."""
    STEPS.check(by, "care")
    check_version(referral.version, version)
    outcome = (outcome or "").strip()
    if status in (ReferralStatus.HELPED, ReferralStatus.DECLINED, ReferralStatus.CLOSED) and not outcome:
        raise ValidationError(_l("Write how the referral ended."), {"outcome": [_l("Required when it is finished.")]})
    old = referral.status
    referral.status, referral.outcome = status, outcome or referral.outcome
    db.session.flush()
    audit.record(by, "person.referral_updated", "person", referral.person_id,
                 {"referral": referral.id, "status": [old, status]})
    return referral
