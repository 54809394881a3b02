"""A person's life status (at home, in hospital, moved, deceased, recovered) and what follows.

Set by hand on the person's page or from a follow-up visit's outcome. A person who died gets
no new request and leaves every worklist: what was asked for and not yet delivered is
cancelled, and every device at the home is to be collected, with no more visits due. A
person who moved away has every device collected too.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit, clock
from core.db import db
from core.errors import ValidationError
from core.i18n import in_thai
from core.users import User
from lending.models import OPEN_REQUEST_STATES, LendingRequest, LifeStatus, Loan, Outcome, Person
from lending.services.pipeline import BEFORE_DELIVERY, cancel_items
from lending.steps import STEPS

PICKUP_BECAUSE = {LifeStatus.DECEASED: Outcome.DIED, LifeStatus.MOVED: Outcome.MOVED}


def ask_pickup(loan: Loan, reason: Outcome, on: dt.date) -> None:
    """The device is to be collected: no more visits are due on this loan."""
    if loan.pickup_requested_on is None:
        loan.pickup_requested_on, loan.pickup_reason = on, reason
    loan.next_follow_up_on = None


def set_life_status(person: Person, status: LifeStatus, on: dt.date | None = None, note: str = "", *,
                    by: User) -> Person:
    """Record where the person is in life, and what follows from it (see the module).

    Raises ValidationError for a date in the future.
    """
    STEPS.check(by, "care")
    on = on or clock.today()
    if on > clock.today():
        raise ValidationError(_l("The date cannot be in the future."),
                              {"on": [_l("The date cannot be in the future.")]})
    old = person.life_status
    person.life_status, person.life_status_on = status, on
    db.session.flush()
    audit.record(by, "person.life_status", "person", person.id,
                 {"life_status": [old, status], "on": on, **({"note": note.strip()} if note.strip() else {})})
    if status in PICKUP_BECAUSE:
        for loan in db.session.scalars(select(Loan).where(Loan.person_id == person.id, Loan.returned_at.is_(None))):
            ask_pickup(loan, PICKUP_BECAUSE[status], on)
    if status == LifeStatus.DECEASED:
        reason = in_thai(_l("The person has died."))
        for req in db.session.scalars(select(LendingRequest).where(LendingRequest.person_id == person.id,
                                                                   LendingRequest.status.in_(OPEN_REQUEST_STATES))):
            waiting = [item for item in req.items if item.status in BEFORE_DELIVERY]
            if waiting:
                cancel_items(req, waiting, reason, by=by)
    db.session.flush()
    return person
