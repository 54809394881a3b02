"""Lending rules through the services: schedules, concurrency, the database guards."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.errors import DomainError, InvalidTransition
from core.users import create_user
from devices import services as devices
from devices.models import Condition, DeviceStatus
from fixtures.core import at_bangkok, both_databases, race
from fixtures.devices import new_type
from fixtures.lending import ADL_HOME_BOUND, PERSON, approved_request
from fixtures.users import make_actors, user_named
from lending import adl
from lending.labels import REQUEST_STATUS_LABELS
from lending.models import DependencyGroup, Loan, RequestStatus
from lending.services import loans, people, pipeline, waitlist

INSTRUCTIONS = ["ล็อกเบรก", "ตรวจลมยาง"]


def reserved_request(actors, tag_count=1):
    device_type = new_type(instructions=INSTRUCTIONS)
    tags = [devices.register_device(device_type, {}, by=None).tag for _ in range(tag_count)]
    person = people.create_person({k: v for k, v in PERSON.items() if k != "consent"}, PERSON["consent"],
                                  by=actors["staff"])
    req = pipeline.submit(person, device_type, {"channel": "phone"}, by=actors["staff"])
    pipeline.record_assessment(req, {"adl_items": ADL_HOME_BOUND, "suitable": True}, by=actors["assessor"])
    pipeline.decide(req, True, "", by=actors["supervisor"])
    waitlist.reserve(req, by=actors["staff"])
    db.session.commit()
    return req.id, tags


@pytest.mark.parametrize("total, group", [(0, DependencyGroup.BED_BOUND), (4, DependencyGroup.BED_BOUND),
                                          (5, DependencyGroup.HOME_BOUND), (11, DependencyGroup.HOME_BOUND),
                                          (12, DependencyGroup.SOCIAL_BOUND), (20, DependencyGroup.SOCIAL_BOUND)])
def test_dependency_group_boundaries(total, group):
    assert adl.dependency_group(total) == group


def test_barthel_items_follow_the_thai_scoring():
    assert adl.KEYS == ("feeding", "grooming", "transfer", "toilet", "mobility", "dressing", "stairs", "bathing",
                        "bowels", "bladder")
    assert [item.max_score for item in adl.ITEMS] == [2, 1, 3, 2, 3, 2, 2, 1, 2, 2] and adl.MAX_TOTAL == 20
    assert adl.item_errors([0] * 10) == [] and adl.item_errors([True] + [0] * 9) != []


def test_follow_up_schedule_first_within_seven_days_then_monthly(actors):
    with at_bangkok(2026, 11, 24, 9):
        request_id, tags = reserved_request(actors)
        req = pipeline.get_request(request_id)
        loan = loans.deliver(req, devices.get_device(tags[0]), instructions=INSTRUCTIONS, acknowledged_by="x",
                             by=actors["staff"])
    assert loan.next_follow_up_on == dt.date(2026, 12, 1)
    assert [area for area, _ in loans.due_follow_ups(dt.date(2026, 11, 24))] == [("บ้านสวน", "4")]
    assert loans.due_follow_ups(dt.date(2026, 11, 23), horizon_days=0) == []
    loans.record_follow_up(loan, {"in_use": True, "condition": "good", "outcome": "stable",
                                  "visited_on": dt.date(2026, 11, 30)}, by=actors["assessor"])
    assert loan.next_follow_up_on == dt.date(2026, 12, 30)
    with at_bangkok(2027, 1, 5, 9):
        loans.record_follow_up(loan, {"in_use": False, "condition": "good", "outcome": "died"},
                               by=actors["assessor"])
    assert loan.pickup_requested_on == dt.date(2027, 1, 5) and loan.next_follow_up_on is None
    assert loans.pickups() == [loan] and loans.due_follow_ups(dt.date(2027, 2, 1)) == []


def test_the_database_allows_one_open_loan_per_device(actors):
    request_id, tags = reserved_request(actors)
    req = pipeline.get_request(request_id)
    loan = loans.deliver(req, devices.get_device(tags[0]), instructions=INSTRUCTIONS, acknowledged_by="x",
                         by=actors["staff"])
    db.session.commit()
    db.session.add(Loan(device_id=loan.device_id, person_id=loan.person_id, request_id=req.id + 1000,
                        acknowledged_by="y"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_services_check_roles(actors):
    request_id, tags = reserved_request(actors)
    req = pipeline.get_request(request_id)
    with pytest.raises(DomainError) as info:
        loans.deliver(req, devices.get_device(tags[0]), instructions=INSTRUCTIONS, acknowledged_by="x",
                      by=actors["assessor"])
    assert info.value.code == 403


@both_databases
def test_two_staff_delivering_the_same_device_at_once(app):
    """Real concurrent connections: exactly one delivery wins, the other gets a 409."""
    with app.app_context():
        staff = make_actors("staff", "assessor", "supervisor")
        staff["staff2"] = create_user("staff2", "long-enough", ["staff"])
        db.session.commit()
        request_id, tags = reserved_request(staff)
    def deliver(username):
        req = pipeline.get_request(request_id)
        loans.deliver(req, devices.get_device(tags[0]), instructions=INSTRUCTIONS, acknowledged_by=username,
                      by=user_named(username))

    results = race(app, deliver, ["staff", "staff2"])
    assert sorted(map(str, results)) == ["409", "ok"], results
    with app.app_context():
        assert len(list(db.session.scalars(select(Loan)))) == 1
        assert devices.get_device(tags[0]).status == DeviceStatus.ON_LOAN
        assert pipeline.get_request(request_id).status == RequestStatus.DELIVERED


@both_databases
def test_two_reservations_of_one_device_at_once(app):
    with app.app_context():
        actors = make_actors("staff", "assessor", "supervisor")
        first, tags = reserved_request(actors)
        # Release it, then two approved requests race for the same chair.
        pipeline.cancel(pipeline.get_request(first), "test", by=actors["staff"])
        db.session.commit()
        ids = [approved_request(actors).id for _ in range(2)]
        db.session.commit()
    def reserve(request_id):
        # Both give a reason to go out of turn: the race is for the chair alone.
        waitlist.reserve(pipeline.get_request(request_id), devices.get_device(tags[0]), by=user_named("staff"),
                         reason="ทดสอบ")

    results = race(app, reserve, ids)
    assert sorted(results) == ["409", "ok"]


# --- every step from every request state ---------------------------------------------------------

ALLOWED = {  # step -> the states it may start from
    "schedule": {"submitted", "assessment_scheduled"},
    "assess": {"submitted", "assessment_scheduled", "assessed"},
    "decide": {"assessed"},
    "reserve": {"approved", "waitlisted"},
    "deliver": {"reserved"},
    "cancel": {"submitted", "assessment_scheduled", "assessed", "approved", "waitlisted", "reserved"},
}


def _request_in(state: str, actors) -> tuple:
    """A request brought to ``state`` through the services, and a spare available device."""
    device_type = devices.get_type("WC")
    person = people.create_person({"first_name": "ทดสอบ"}, {"given_by": "ทดสอบ"}, by=actors["staff"])
    req = pipeline.submit(person, device_type, {"channel": "phone"}, by=actors["staff"])
    if state == "cancelled":
        pipeline.cancel(req, "ทดสอบ", by=actors["staff"])
    elif state != "submitted":
        if state == "assessment_scheduled":
            pipeline.schedule_assessment(req, dt.date(2026, 12, 1), None, by=actors["staff"])
        else:
            pipeline.record_assessment(req, {"adl_items": ADL_HOME_BOUND, "suitable": True}, by=actors["assessor"])
            if state == "rejected":
                pipeline.decide(req, False, "ไม่เหมาะสม", by=actors["supervisor"])
            elif state != "assessed":
                if state == "waitlisted":
                    for device in db.session.scalars(select(devices.Device)):
                        if device.status == DeviceStatus.AVAILABLE:
                            devices.set_status(device, DeviceStatus.LOST, expect=(DeviceStatus.AVAILABLE,),
                                               by=None, action="test.hidden")
                pipeline.decide(req, True, "", by=actors["supervisor"])
                if state in ("reserved", "delivered", "closed"):
                    waitlist.reserve(req, by=actors["staff"])
                if state in ("delivered", "closed"):
                    loan = loans.deliver(req, req.device, instructions=INSTRUCTIONS, acknowledged_by="x",
                                         by=actors["staff"])
                    if state == "closed":
                        loans.receive_return(loan, Condition.GOOD, by=actors["staff"])
    assert req.status.value == state
    spare = devices.register_device(device_type, {}, by=None)
    return req, spare


STEPS = {
    "schedule": lambda req, spare, u: pipeline.schedule_assessment(req, dt.date(2026, 12, 2), None, by=u["staff"]),
    "assess": lambda req, spare, u: pipeline.record_assessment(req, {"adl_items": ADL_HOME_BOUND, "suitable": True},
                                                               by=u["assessor"]),
    "decide": lambda req, spare, u: pipeline.decide(req, True, "", by=u["supervisor"]),
    "reserve": lambda req, spare, u: waitlist.reserve(req, spare, by=u["staff"]),
    "deliver": lambda req, spare, u: loans.deliver(req, req.device or spare, instructions=INSTRUCTIONS,
                                                   acknowledged_by="x", by=u["staff"]),
    "cancel": lambda req, spare, u: pipeline.cancel(req, "ทดสอบ", by=u["staff"]),
}


@pytest.mark.parametrize("state", [s.value for s in RequestStatus])
@pytest.mark.parametrize("step", list(STEPS))
def test_every_step_from_every_state(actors, state, step):
    new_type(instructions=INSTRUCTIONS)
    devices.register_device(devices.get_type("WC"), {}, by=None)
    req, spare = _request_in(state, actors)
    db.session.commit()
    if state in ALLOWED[step]:
        STEPS[step](req, spare, actors)
        db.session.commit()
        assert req.status.value != state or step in ("schedule", "assess")
    else:
        with pytest.raises(InvalidTransition) as info:
            STEPS[step](req, spare, actors)
        assert info.value.current_state == state
        assert str(REQUEST_STATUS_LABELS[RequestStatus(state)]) in str(info.value.message)  # named, in Thai
        db.session.rollback()
        assert pipeline.get_request(req.id).status.value == state  # nothing half-written
