"""PDPA consent: withdrawn, and given again (Thailand's PDPA s.19; health and disability data are
sensitive, s.26).

Consent records are append-only. A withdrawal is a row of its own, and consent given again is
a new record. A withdrawal takes effect at once: no new request is taken for the person
(``pipeline.submit`` refuses it), what was asked for and not yet delivered is cancelled (which
also takes it off the waitlist), and an open loan continues as the contract it is: its
follow-up visits, pickup and return still work.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit, clock
from core.db import db
from core.errors import Conflict, ValidationError
from core.i18n import in_thai
from core.users import User
from lending.models import (OPEN_REQUEST_STATES, ConsentRecord, ConsentSigner, ConsentWithdrawal, LendingRequest,
                            Person)
from lending.services.people import CONSENT_VERSION
from lending.services.pipeline import BEFORE_DELIVERY, cancel_items
from lending.steps import STEPS

WITHDRAWN_REASON = _l("Consent withdrawn (PDPA).")


def consent_state(person: Person) -> str:
    """``given``, ``withdrawn`` (every consent withdrawn), or ``erased``."""
    if person.erased_at is not None:
        return "erased"
    return "given" if person.has_consent else "withdrawn"


def _refuse_erased(person: Person) -> None:
    if person.erased_at is not None:
        raise Conflict(_l("This person's data was anonymised; consent can no longer be recorded."),
                       {"state": ["erased"]})


def withdraw(person: Person, *, by: User) -> list[LendingRequest]:
    """Withdraw every standing consent of the person, and stop what it allowed (see the module).

    Returns the requests whose undelivered items were cancelled. Raises PermissionDenied for
    a role that may not, Conflict naming ``consent`` when there is no standing consent.
    """
    STEPS.check(by, "withdraw_consent")
    _refuse_erased(person)
    standing = [c for c in person.consents if c.withdrawal is None]
    if not standing:
        raise Conflict(_l("Consent is already withdrawn."), {"state": ["consent_withdrawn"]})
    for record in standing:
        record.withdrawal = ConsentWithdrawal(consent_id=record.id, recorded_by_id=by.id)
        db.session.add(record.withdrawal)
    db.session.flush()
    cancelled = []
    reason = in_thai(WITHDRAWN_REASON)
    for req in db.session.scalars(select(LendingRequest).where(LendingRequest.person_id == person.id,
                                                               LendingRequest.status.in_(OPEN_REQUEST_STATES))
                                  .order_by(LendingRequest.id)):
        waiting = [item for item in req.items if item.status in BEFORE_DELIVERY]
        if waiting:
            cancel_items(req, waiting, reason, by=by)
            cancelled.append(req)
    audit.record(by, "person.consent_withdrawn", "person", person.id,
                 {"consents": [c.id for c in standing], "requests_cancelled": [r.id for r in cancelled]})
    return cancelled


def give(person: Person, data: Mapping[str, Any], *, by: User) -> ConsentRecord:
    """Record consent given (again): a new record. Raises ValidationError naming ``given_by``,
    Conflict naming ``consent`` when consent already stands or the person was anonymised."""
    STEPS.check(by, "give_consent")
    _refuse_erased(person)
    given_by = (data.get("given_by") or "").strip()
    if not given_by:
        raise ValidationError(_l("Record who gave consent (the person or their representative)."),
                              {"given_by": [_l("Required.")]})
    if person.has_consent:
        raise Conflict(_l("Consent is already given."), {"state": ["consent_given"]})
    given_on: dt.date = data.get("given_on") or clock.today()
    if given_on > clock.today():
        raise ValidationError(_l("The date cannot be in the future."),
                              {"given_on": [_l("The date cannot be in the future.")]})
    record = ConsentRecord(person_id=person.id, version=data.get("version") or CONSENT_VERSION, given_on=given_on,
                           recorded_by_id=by.id,
                           signer=ConsentSigner(name=given_by, relation=(data.get("relation") or "").strip()))
    db.session.add(record)
    db.session.flush()
    db.session.refresh(person, ["consents"])
    audit.record(by, "person.consent_given", "person", person.id, {"consent": record.id,
                                                                   "version": record.version})
    return record
