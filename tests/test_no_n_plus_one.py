"""The working lists cost the same number of SQL statements with 10 rows as with 100.

Each page is read once with ten of everything it lists (requests in every open state, visits
due, pickups, devices due an inspection, people, devices), then again after ninety more: the
statement count must not move, so no page loads its rows one by one.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import event

from core import clock
from core.db import db
from devices.models import Device, DeviceStatus
from devices.services import get_type
from lending.models import (Assessment, Channel, DependencyGroup, ItemStatus, LendingRequest, Loan, Outcome, Person,
                            RequestItem, RequestStatus, Urgency, VolunteerZone)
from maintenance.models import WorkKind, WorkOrder, WorkStatus

OPEN = {RequestStatus.SUBMITTED: ItemStatus.REQUESTED, RequestStatus.ASSESSMENT_SCHEDULED: ItemStatus.REQUESTED,
        RequestStatus.ASSESSED: ItemStatus.REQUESTED, RequestStatus.APPROVED: ItemStatus.APPROVED,
        RequestStatus.WAITLISTED: ItemStatus.WAITLISTED}
PAGES = [("staff", "/follow-ups"), ("staff", "/follow-ups?days=90"), ("staff", "/maintenance/due"),
         ("staff", "/maintenance/due?type=WC"), ("staff", "/maintenance/figures"), ("staff", "/people"),
         ("staff", "/people?q=person"), ("assessor", "/people?q=person"), ("staff", "/devices"),
         ("staff", "/devices?q=BS"), ("staff", "/requests"), ("staff", "/requests?type=WC"),
         ("staff", "/requests?status=assessed"), ("supervisor", "/approvals"), ("staff", "/waitlist"),
         ("staff", "/waitlist?type=WC")]


def add_rows(app, start: int, count: int) -> None:
    """``count`` of everything the lists show, numbered from ``start``."""
    now = clock.now()
    with app.app_context():
        wc, bed = get_type("WC"), get_type("BED")
        for n in range(start, start + count):
            device_type = wc if n % 2 else bed
            person = Person(first_name=f"person{n}", last_name="ทดสอบ", tambon="บางเสาธง", moo=str(n % 12 + 1),
                            house_no=str(n))
            lent = Device(tag=f"BS-{n:05d}", type=device_type, status=DeviceStatus.ON_LOAN,
                          acquired_on=(now - dt.timedelta(days=400)).date())
            stock = Device(tag=f"BS-S{n:05d}", type=device_type, status=DeviceStatus.AVAILABLE,
                           acquired_on=(now - dt.timedelta(days=400)).date())
            db.session.add_all([person, lent, stock])
            status = list(OPEN)[n % len(OPEN)]
            for state in (status, RequestStatus.DELIVERED):
                request = LendingRequest(person=person, channel=Channel.PHONE, urgency=list(Urgency)[n % 4],
                                         status=state, created_at=now - dt.timedelta(days=n % 30),
                                         dependency_group=DependencyGroup.BED_BOUND)
                item = RequestItem(request=request, device_type=device_type,
                                   status=OPEN.get(state, ItemStatus.DELIVERED),
                                   waitlisted_at=now if state == RequestStatus.WAITLISTED else None,
                                   proposed_device=stock if state == RequestStatus.WAITLISTED else None)
                db.session.add_all([request, item, Assessment(request=request, assessed_on=now.date(), adl_items=[],
                                                              adl_total=3, dependency_group=DependencyGroup.BED_BOUND,
                                                              suitable=True)])
            db.session.flush()
            db.session.add(Loan(device=lent, person=person, request=request, item=item, acknowledged_by="x",
                                delivered_at=now - dt.timedelta(days=200),
                                next_follow_up_on=clock.today() - dt.timedelta(days=n % 5),
                                pickup_requested_on=clock.today() if n % 3 == 0 else None,
                                pickup_reason=Outcome.NO_LONGER_NEEDED if n % 3 == 0 else None))
            db.session.add(WorkOrder(device=stock, kind=WorkKind.CLEANING, status=WorkStatus.DONE, source="return",
                                     opened_at=now - dt.timedelta(days=300), finished_at=now - dt.timedelta(days=299),
                                     ready_at=now - dt.timedelta(days=299)))
            db.session.add(WorkOrder(device=stock, kind=WorkKind.REPAIR, status=WorkStatus.DONE,
                                     opened_at=now - dt.timedelta(days=250), finished_at=now - dt.timedelta(days=240),
                                     ready_at=now - dt.timedelta(days=240)))
        db.session.commit()


@pytest.fixture
def counted(app):
    """``counted(client, path)``: the SQL statements of one request."""
    seen = [0]

    def count(*_args):
        seen[0] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)

    def _counted(client, path):
        seen[0] = 0
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return seen[0]

    yield _counted
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", count)


def test_each_list_page_costs_the_same_statements_for_10_and_100_rows(app, make_type, make_user, client_as,
                                                                    counted):
    make_type("WC", service_interval_days=180)
    make_type("BED", "เตียง", "Bed", service_interval_loans=1)
    clients = {role: client_as(role) for role in ("staff", "assessor", "supervisor")}
    with app.app_context():
        db.session.add(VolunteerZone(user_id=make_user("assessor"), tambon="บางเสาธง", moo="1"))
        db.session.commit()
    add_rows(app, 0, 10)
    few = {path: counted(clients[role], path) for role, path in PAGES}
    add_rows(app, 10, 90)
    many = {path: counted(clients[role], path) for role, path in PAGES}
    assert many == few
