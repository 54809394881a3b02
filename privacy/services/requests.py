"""Data-subject requests: recorded when received, due 30 Bangkok days later, closed done or refused."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import Select, select, update

from core import audit, clock
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.users import User
from lending.models import Person
from privacy.models import ANSWER_DAYS, SubjectRequest, SubjectRequestKind, SubjectRequestStatus
from privacy.steps import STEPS

OPEN = SubjectRequestStatus.OPEN
NOTE_LENGTH = 1000


def due_date(received_on: dt.date) -> dt.date:
    return received_on + dt.timedelta(days=ANSWER_DAYS)


def get_request(request_id: int) -> SubjectRequest:
    found = db.session.get(SubjectRequest, request_id)
    if found is None:
        raise NotFound(_l("There is no data-subject request %(id)d.", id=request_id),
                       {"id": [_l("Unknown data-subject request.")]})
    return found


def requests_query(status: SubjectRequestStatus | None = OPEN, person_id: int | None = None, *, by: User) -> Select:
    """Requests by status (open ones by deadline, the nearest first; closed ones newest first)."""
    STEPS.check(by, "subject_requests")
    query = select(SubjectRequest)
    if status is not None:
        query = query.where(SubjectRequest.status == status)
    if person_id is not None:
        query = query.where(SubjectRequest.person_id == person_id)
    if status == OPEN:
        return query.order_by(SubjectRequest.due_on, SubjectRequest.id)
    return query.order_by(SubjectRequest.id.desc())


def _note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise ValidationError(_l("The note is too long."),
                              {"note": [lazy_ngettext("At most %(num)d character.", "At most %(num)d characters.",
                                                      NOTE_LENGTH)]})
    return note


def receive(person: Person, kind: SubjectRequestKind | str, *, received_on: dt.date | None = None,
            note: str = "", by: User) -> SubjectRequest:
    """Record a request the person made; it is due 30 days after the Bangkok day it came in.

    Raises PermissionDenied, or ValidationError for an unknown kind, a day in the future or a long note.
    """
    STEPS.check(by, "subject_requests")
    try:
        kind = SubjectRequestKind(kind)
    except ValueError as exc:
        raise ValidationError(_l("Choose from the listed ones."), {"kind": [_l("Choose from the listed ones.")]}) \
            from exc
    today = clock.today()
    received_on = received_on or today
    if received_on > today:
        raise ValidationError(_l("A request cannot be received in the future."),
                              {"received_on": [_l("Give today or a day before.")]})
    found = SubjectRequest(person_id=person.id, kind=kind, received_on=received_on, due_on=due_date(received_on),
                           status=OPEN, note=_note(note), created_by_id=by.id)
    db.session.add(found)
    db.session.flush()
    audit.record(by, "subject_request.received", "person", person.id,
                 {"request": found.id, "kind": kind, "received_on": received_on, "due_on": found.due_on})
    return found


def close(found: SubjectRequest, status: SubjectRequestStatus | str, *, closed_on: dt.date | None = None,
          note: str | None = None, by: User) -> SubjectRequest:
    """Close an open request as done or refused (a refusal needs its reason in the note).

    Raises PermissionDenied; ValidationError for another status, a day before it came in or
    after today, or a refusal without a reason; Conflict when it is closed already.
    """
    STEPS.check(by, "subject_requests")
    try:
        status = SubjectRequestStatus(status)
    except ValueError:
        status = None
    if status not in (SubjectRequestStatus.DONE, SubjectRequestStatus.REFUSED):
        raise ValidationError(_l("Close a request as done or refused."), {"status": [_l("Done or refused.")]})
    today = clock.today()
    closed_on = closed_on or today
    if not found.received_on <= closed_on <= today:
        raise ValidationError(_l("A request closes between the day it came in and today."),
                              {"closed_on": [_l("Between the day it came in and today.")]})
    text = found.note if note is None else _note(note)
    if status == SubjectRequestStatus.REFUSED and not text:
        raise ValidationError(_l("Say why the request is refused."), {"note": [_l("Give the reason.")]})
    # Only an open request closes, and only once, whoever closes it at the same moment.
    changed = db.session.execute(
        update(SubjectRequest).where(SubjectRequest.id == found.id, SubjectRequest.status == OPEN)
        .values(status=status, closed_on=closed_on, closed_by_id=by.id, note=text)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.refresh(found)
        raise Conflict(_l("This request is closed already."), {"status": [found.status.value]})
    db.session.refresh(found)
    audit.record(by, "subject_request.closed", "person", found.person_id,
                 {"request": found.id, "status": status, "closed_on": closed_on})
    return found
