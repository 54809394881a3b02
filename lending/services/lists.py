"""The working lists, bounded at any scale: the request board, approvals, waitlist, follow-ups.

Each list is a select in an order the database keeps an index for, read a page at a time,
with what its page shows loaded in a fixed number of statements (however long the page).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from core.db import db
from devices import holds
from devices.models import DeviceType
from lending.models import (GROUP_RANK, OPEN_REQUEST_STATES, URGENCY_RANK, LendingRequest, Loan, Person,
                            RequestItem, RequestStatus, VolunteerZone)
from lending.services.waitlist import waitlist_query

PER_PAGE = 50          # rows of a paged list
BOARD_COLUMN = 20      # requests shown in each column of the board; the rest a click away


def _of_type(type_code: str):
    return LendingRequest.items.any(RequestItem.device_type.has(DeviceType.code == type_code))


def board_query(status: RequestStatus, type_code: str = ""):
    """One column of the board, the oldest first (index on status and creation time)."""
    query = (select(LendingRequest).where(LendingRequest.status == status)
             .order_by(LendingRequest.created_at, LendingRequest.id)
             .options(selectinload(LendingRequest.items)))
    return query.where(_of_type(type_code)) if type_code else query


def board_column(status: RequestStatus, type_code: str = "") -> list[LendingRequest]:
    return list(db.session.scalars(board_query(status, type_code).limit(BOARD_COLUMN)))


def board_counts(type_code: str = "") -> dict[RequestStatus, int]:
    """Requests in each state (with a type: the open ones only, as the board shows them)."""
    query = select(LendingRequest.status, func.count()).group_by(LendingRequest.status)
    if type_code:
        query = query.where(LendingRequest.status.in_(OPEN_REQUEST_STATES), _of_type(type_code))
    return dict(db.session.execute(query).all())


def approvals_query():
    """Assessed requests in the order they should be decided: urgency, dependency, age."""
    urgency = case(*((LendingRequest.urgency == u, rank) for u, rank in URGENCY_RANK.items()), else_=9)
    group = case(*((LendingRequest.dependency_group == g, rank) for g, rank in GROUP_RANK.items()), else_=9)
    return (select(LendingRequest).where(LendingRequest.status == RequestStatus.ASSESSED)
            .order_by(urgency, group, LendingRequest.created_at, LendingRequest.id)
            .options(selectinload(LendingRequest.items), selectinload(LendingRequest.assessments)))


def waitlist_page_query(device_type: DeviceType | None = None):
    return waitlist_query(device_type).options(contains_eager(RequestItem.request),
                                               selectinload(RequestItem.proposed_device))


def lendable_by_type() -> dict[int, int]:
    """Lendable devices in stock by type id (available and held back by nothing)."""
    return holds.lendable_counts()


def _area_order():
    # หมู่ 2 before หมู่ 10: a moo's number sorts by its length first.
    return (Person.tambon, func.length(Person.moo), Person.moo)


def follow_ups_query(today: dt.date, horizon_days: int = 7):
    """Open loans with a visit due within ``horizon_days`` (overdue included), by tambon and moo,
    then the longest overdue first. Read it with ``core.paging.WindowPage``: the order needs every
    visit in range, and sorting their keys alone is far cheaper than sorting whole rows."""
    return (select(Loan).join(Loan.person)
            .where(Loan.returned_at.is_(None), Loan.pickup_requested_on.is_(None),
                   Loan.next_follow_up_on <= today + dt.timedelta(days=horizon_days))
            .order_by(*_area_order(), Loan.next_follow_up_on, Loan.id))


def pickups_query():
    return (select(Loan).where(Loan.returned_at.is_(None), Loan.pickup_requested_on.is_not(None))
            .order_by(Loan.pickup_requested_on, Loan.id))


def volunteers_for(areas) -> dict[tuple[str, str], list]:
    """Who covers each of these moo (tambon, moo)."""
    wanted = set(areas)
    found: dict[tuple[str, str], list] = {}
    if not wanted:
        return found
    tambons = {tambon for tambon, _moo in wanted}
    for zone in db.session.scalars(select(VolunteerZone).where(VolunteerZone.tambon.in_(tambons))
                                   .options(selectinload(VolunteerZone.user)).order_by(VolunteerZone.id)):
        if (zone.tambon, zone.moo) in wanted:
            found.setdefault((zone.tambon, zone.moo), []).append(zone.user)
    return found
