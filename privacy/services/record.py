"""A person's whole record, for their right of access and portability (PDPA ss. 30, 31).

Everything the center keeps about the person, in one JSON document they can take elsewhere:
the profile with the whole national ID, requests, assessments, loans, follow-up visits with
their ADL items, consents, care plan and referrals, the list of photos (their addresses, not
the images), the data-subject requests, and who looked at the record (the access log).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core import audit, clock
from core.audit import AccessEvent
from core.db import db
from core.users import User
from lending.models import Loan, Person
from lending.services import history
from privacy.models import SubjectRequest
from privacy.steps import STEPS


@dataclass(frozen=True)
class Photo:
    loan_id: int
    content_type: str
    url: str


@dataclass(frozen=True)
class PersonRecord:
    person: Person
    requests: list
    assessments: list
    loans: list
    follow_ups: list
    consents: list
    care_needs: list
    referrals: list
    photos: list[Photo]
    subject_requests: list[SubjectRequest]
    accesses: list[AccessEvent]
    exported_at: object
    exported_by: str


def photos_of(person: Person) -> list[Photo]:
    rows = db.session.execute(select(Loan.id, Loan.photo_type).where(Loan.person_id == person.id,
                                                                     Loan.photo.is_not(None)).order_by(Loan.id))
    return [Photo(loan_id, photo_type or "", f"/loans/{loan_id}/photo") for loan_id, photo_type in rows]


def export_record(person: Person, *, purpose: str, by: User) -> PersonRecord:
    """The person's whole record; the export is access-logged and audited (before it is read,
    so the record lists its own export among who looked).

    Raises PermissionDenied for roles other than admin and DPO.
    """
    STEPS.check(by, "export_record")
    audit.record_access(by, "person", person.id, purpose)
    audit.record(by, "person.exported", "person", person.id, {"purpose": purpose})
    past = history.person_history(person)
    person.show_full_id = True  # the person's own record: the whole ID
    accesses = list(db.session.scalars(
        select(AccessEvent).where(AccessEvent.object_type == "person", AccessEvent.object_id == str(person.id))
        .order_by(AccessEvent.id)))
    requests = list(db.session.scalars(select(SubjectRequest).where(SubjectRequest.person_id == person.id)
                                       .order_by(SubjectRequest.id)))
    return PersonRecord(person=person, requests=past.requests, assessments=past.assessments, loans=past.loans,
                        follow_ups=past.follow_ups, consents=list(person.consents), care_needs=list(person.care_needs),
                        referrals=list(person.referrals), photos=photos_of(person), subject_requests=requests,
                        accesses=accesses, exported_at=clock.now(), exported_by=by.username)
