"""A person's history with the center: requests, assessments, loans and follow-up visits.

One reading for the person page and the API (``/api/v1/people/{id}/history``); the caller
logs the access, since it knows by which way the record was read.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from core.db import db
from lending.models import Assessment, FollowUp, LendingRequest, Loan, Person
from lending.services import loans, pipeline


@dataclass(frozen=True)
class PersonHistory:
    requests: list[LendingRequest]    # newest first
    assessments: list[Assessment]     # oldest first
    loans: list[Loan]                 # newest first
    follow_ups: list[FollowUp]        # oldest first


def person_history(person: Person) -> PersonHistory:
    """Everything the center did for ``person``."""
    return PersonHistory(
        requests=list(db.session.scalars(pipeline.requests_query(person_id=person.id))),
        assessments=list(db.session.scalars(
            select(Assessment).join(Assessment.request).where(LendingRequest.person_id == person.id)
            .order_by(Assessment.assessed_on, Assessment.id))),
        loans=list(db.session.scalars(loans.loans_query(person_id=person.id))),
        follow_ups=list(db.session.scalars(
            select(FollowUp).join(FollowUp.loan).where(Loan.person_id == person.id)
            .order_by(FollowUp.visited_on, FollowUp.id))),
    )
