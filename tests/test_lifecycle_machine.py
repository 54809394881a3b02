"""The request and device lifecycles under random sequences of steps, through the services.

Real users of every role try every step on any request, device, loan, work order or report,
whether the step is allowed or not; the machine acts as the request around each step (commit
on success, roll back on a domain error). An oracle written from the rules of DESIGN.md
section 4, reading the tables, says beforehand whether the step may succeed: a step it
forbids must raise the domain error (PermissionDenied for a role that may not take it) and
leave every table as it was; a step it allows must succeed and leave an audit event for each
state it changed. After every step the states must agree with each other.
"""
from __future__ import annotations

import collections
import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import select

from core import clock
from core.db import db
from core.errors import DomainError, PermissionDenied
from core.users import INTERNAL_ROLES, User
from devices import services as devices
from devices.models import Condition, Device, DeviceStatus, DeviceType, ProblemReport, ReportKind
from fixtures.core import build_app, database_url, resetter
from fixtures.devices import new_type
from fixtures.lending import ADL_HOME_BOUND
from fixtures.lifecycle import any_lendable, expect_audited, held, lendable, snapshot
from fixtures.maintenance import ITEMS, STEPS, passing
from fixtures.users import ROLES, make_actors
from lending.models import ItemStatus, LendingRequest, Loan, Person, RequestItem, RequestStatus
from lending.services import loans, people, pipeline, waitlist
from maintenance.models import OPEN_STATES, RetirementKind, WorkKind, WorkOrder, WorkStatus
from maintenance.services import orders, retirement

D, IT, S = DeviceStatus, ItemStatus, RequestStatus
STATS: collections.Counter = collections.Counter()
NAMES = itertools.count()
FIT = "a role that may"
role = st.sampled_from((*ROLES, *[FIT] * len(ROLES)))  # any role, or (as often) one that may take the step
INTERNAL = tuple(str(r) for r in INTERNAL_ROLES)
INTAKE = ("staff", "supervisor", "assessor", "admin")
RESERVERS = ("staff", "supervisor", "admin")
DELIVERERS = ("staff", "admin")
WORKERS = ("maintenance", "admin")
RETIRABLE = (D.AVAILABLE, D.RETURNED, D.IN_MAINTENANCE)
BEFORE_DELIVERY = (IT.REQUESTED, IT.APPROVED, IT.WAITLISTED, IT.RESERVED)
# An open request shows at the step of its least advanced open item.
REQUEST_OF_ITEM = {IT.APPROVED: S.APPROVED, IT.WAITLISTED: S.WAITLISTED, IT.RESERVED: S.RESERVED,
                   IT.DELIVERED: S.DELIVERED}
SEEDS = ("submitted", "assessed", "approved", "reserved", "delivered", "returned", "cleaning")


class LifecycleMachine(RuleBasedStateMachine):
    """People, requests of one or two devices, deliveries, visits, returns, cleaning, problem
    reports and retirement, taken by any role, in any order."""

    fresh = None   # puts the database back to its first state (see the test)

    @initialize(data=st.data(), seeds=st.lists(st.sampled_from(SEEDS), max_size=2))
    def start(self, data, seeds):
        """Devices, people, and requests taken some way along through the same checked steps: one
        to the end (its device back and cleaned), others as far as ``seeds`` say."""
        self.fresh()
        self.actors = {user.username: user for user in db.session.scalars(select(User))}
        self.types = list(db.session.scalars(select(DeviceType).order_by(DeviceType.id)))
        self.people: list[int] = []
        self.requests: list[int] = []
        self.tags: list[str] = []
        for kind in (0, 0, 1):
            self.register_device(kind)
        self.register_person()
        person = db.session.get(Person, self.people[0])
        req = self.submit_for(person, FIT, both=False)
        for _step in range(12):   # far more than its steps: intake to cleaning
            if not self.advance(req):
                break
            if req.status == S.RESERVED and not self.mine(ProblemReport):
                # Someone reports a problem with the reserved device: it may not go out until handled.
                device = req.items[0].device
                self.report_on(device)
                self.deliver_on(req, device, FIT)
                self.handle_on(self.mine(ProblemReport)[0], FIT, repair=False)
        for seed in seeds:
            req = self.submit_for(person, FIT, data.draw(st.booleans()))
            for _step in range(SEEDS.index(seed)):
                self.advance(req)

    def advance(self, req: LendingRequest) -> bool:
        """The request's next step, by a role that may take it; False when it has none left."""
        loan = next((loan for loan in self.loans() if loan.request_id == req.id and loan.is_open), None)
        reserved = [item.device for item in req.items if item.status == IT.RESERVED]
        if req.status in (S.SUBMITTED, S.ASSESSMENT_SCHEDULED):
            self.assess_on(req, FIT)
        elif req.status == S.ASSESSED:
            self.decide_on(req, FIT, True)
        elif req.status in (S.APPROVED, S.WAITLISTED):
            self.reserve_on(req, None, FIT)
        elif reserved:
            self.deliver_on(req, reserved[0], FIT)
        elif loan is not None:
            self.return_on(loan, FIT)
        else:
            work = [order for item in req.items if item.device is not None
                    for order in orders.open_orders(item.device)]
            for order in work[:1]:
                self.work_on(order, FIT, finish=order.status != WorkStatus.OPEN)
            return bool(work)
        return True

    def attempt(self, step: str, who: str | None, allowed, valid: bool, call):
        """Take one step as ``who`` (None: the public; FIT: a role that may) and check what the
        oracle said of it."""
        who = allowed[0] if who == FIT else who
        before = snapshot()
        try:
            result = call(self.actors[who] if who else None)
        except DomainError as exc:
            db.session.rollback()
            refused = exc
        else:
            refused = None
        if refused is not None:
            STATS[f"{step} refused"] += 1
            assert snapshot() == before, (step, who, "a refused step changed something")
            if who is not None and who not in allowed:
                assert isinstance(refused, PermissionDenied), (step, who, refused)
            else:
                assert not valid, (step, who, f"refused: {refused.message}", refused.errors)
            return None
        db.session.commit()
        STATS[f"{step} ok"] += 1
        assert who is None or who in allowed, (step, who, "a role that may not take the step took it")
        assert valid, (step, who, "the oracle says this step is not allowed")
        expect_audited(before, snapshot())
        return result

    # What the rules act on: often (when there is one) something the step may take.

    def pick(self, data, choices, ready=None):
        if ready is not None and data.draw(st.booleans()):
            choices = [choice for choice in choices if ready(choice)] or choices
        return data.draw(st.sampled_from(choices)) if choices else None

    def request(self, data, ready=None) -> LendingRequest:
        found = db.session.scalars(select(LendingRequest).where(LendingRequest.id.in_(self.requests))
                                   .order_by(LendingRequest.id))
        return self.pick(data, list(found), ready)

    def device(self, data, ready=None) -> Device:
        return self.pick(data, list(db.session.scalars(select(Device).where(Device.tag.in_(self.tags))
                                                       .order_by(Device.id))), ready)

    def mine(self, model):
        return list(db.session.scalars(select(model).join(Device).where(Device.tag.in_(self.tags))
                                       .order_by(model.id)))

    def loans(self) -> list[Loan]:
        return self.mine(Loan)

    # People and devices.

    @precondition(lambda self: len(self.tags) < 6)
    @rule(kind=st.integers(0, 1))
    def register_device(self, kind):
        device = self.attempt("register device", None, (), True,
                              lambda by: devices.register_device(self.types[kind], {}, by=by))
        self.tags.append(device.tag)

    @precondition(lambda self: len(self.people) < 3)
    @rule()
    def register_person(self):
        name = f"ผู้ยืม{next(NAMES)}"
        person = self.attempt("register person", FIT, INTERNAL, True,
                              lambda by: people.create_person({"first_name": name}, {"given_by": name}, by=by))
        self.people.append(person.id)

    # The request, from intake to the decision.

    def submit_for(self, person: Person, who: str, both: bool) -> LendingRequest | None:
        types = self.types if both else self.types[:1]
        req = self.attempt("submit", who, INTAKE, True,
                           lambda by: pipeline.submit(person, types, {"channel": "phone"}, by=by))
        if req is not None:
            self.requests.append(req.id)
        return req

    @precondition(lambda self: len(self.requests) < 6)
    @rule(data=st.data(), who=role, both=st.booleans())
    def submit(self, data, who, both):
        self.submit_for(db.session.get(Person, self.pick(data, self.people)), who, both)

    @rule(data=st.data(), who=role)
    def schedule(self, data, who):
        req = self.request(data, lambda r: r.status == S.SUBMITTED)
        due = clock.today() + dt.timedelta(days=2)
        self.attempt("schedule", who, INTAKE, req.status in (S.SUBMITTED, S.ASSESSMENT_SCHEDULED),
                     lambda by: pipeline.schedule_assessment(req, due, None, by=by))

    def assess_on(self, req: LendingRequest, who: str) -> None:
        valid = req.status in (S.SUBMITTED, S.ASSESSMENT_SCHEDULED, S.ASSESSED) and all(
            item.status == IT.REQUESTED for item in req.items)
        self.attempt("assess", who, ("assessor", "admin"), valid, lambda by: pipeline.record_assessment(
            req, {"adl_items": ADL_HOME_BOUND, "suitable": True}, by=by))

    @rule(data=st.data(), who=role)
    def assess(self, data, who):
        self.assess_on(self.request(data, lambda r: r.status in (S.SUBMITTED, S.ASSESSMENT_SCHEDULED)), who)

    def decide_on(self, req: LendingRequest, who: str, approve: bool) -> None:
        self.attempt("decide", who, ("supervisor", "admin"), req.status == S.ASSESSED,
                     lambda by: pipeline.decide(req, approve, "" if approve else "ไม่เหมาะสม", by=by))

    @rule(data=st.data(), who=role, approve=st.booleans())
    def decide(self, data, who, approve):
        self.decide_on(self.request(data, lambda r: r.status == S.ASSESSED), who, approve)

    @rule(data=st.data(), who=role)
    def cancel(self, data, who):
        req = self.request(data)
        valid = req.status not in (S.CLOSED, S.REJECTED, S.CANCELLED) and any(
            item.status in BEFORE_DELIVERY for item in req.items)
        self.attempt("cancel", who, RESERVERS, valid, lambda by: pipeline.cancel(req, "ทดสอบ", by=by))

    # Reservation, delivery, visits and the return.

    def reserve_on(self, req: LendingRequest, device: Device | None, who: str) -> None:
        waiting = [item for item in req.items if item.status in (IT.APPROVED, IT.WAITLISTED)]
        if device is None:   # the proposed device, else any lendable one of the type
            valid = bool(waiting) and any_lendable(waiting[0].device_type_id)
        else:
            valid = any(item.device_type_id == device.type_id for item in waiting) and lendable(device)
        self.attempt("reserve", who, RESERVERS, valid,
                     lambda by: waitlist.reserve(req, device, by=by, reason="ทดสอบ"))

    @rule(data=st.data(), who=role, named=st.booleans())
    def reserve(self, data, who, named):
        req = self.request(data, lambda r: r.status in (S.APPROVED, S.WAITLISTED))
        self.reserve_on(req, self.device(data, lendable) if named else None, who)

    def deliver_on(self, req: LendingRequest, device: Device, who: str) -> None:
        reserved = [item for item in req.items if item.status == IT.RESERVED]
        if any(item.device_id == device.id for item in reserved):
            valid = not held(device)
        else:   # another device of the type, from the shelf
            valid = any(item.device_type_id == device.type_id for item in reserved) and lendable(device)
        if who in (FIT, *DELIVERERS) and held(device):
            STATS["delivering a held device"] += 1   # refused, whatever else is right
        self.attempt("deliver", who, DELIVERERS, valid, lambda by: loans.deliver(
            req, device, instructions=loans.checklist(device), acknowledged_by="ผู้ดูแล", by=by))

    @rule(data=st.data(), who=role)
    def deliver(self, data, who):
        req = self.request(data, lambda r: r.status == S.RESERVED)
        ids = {item.device_id for item in req.items if item.status == IT.RESERVED}
        self.deliver_on(req, self.device(data, lambda d: d.id in ids), who)

    @rule(data=st.data(), who=role, problem=st.booleans(),
          outcome=st.sampled_from(["improved", "stable", "worse", "no_longer_needed"]))
    def follow_up(self, data, who, problem, outcome):
        loan = self.pick(data, self.loans(), lambda loan: loan.is_open)
        if loan is not None:
            visit = {"in_use": True, "condition": "good", "outcome": outcome, "raise_problem": problem,
                     "problems": "เบรกหลวม" if problem else ""}
            self.attempt("follow up", who, ("assessor", "staff", "admin"), loan.is_open,
                         lambda by: loans.record_follow_up(loan, visit, by=by))

    def return_on(self, loan: Loan, who: str) -> None:
        self.attempt("return", who, DELIVERERS, loan.is_open,
                     lambda by: loans.receive_return(loan, Condition.GOOD, by=by))

    @rule(data=st.data(), who=role)
    def give_back(self, data, who):
        loan = self.pick(data, self.loans(), lambda loan: loan.is_open)
        if loan is not None:
            self.return_on(loan, who)

    # Maintenance: cleaning and repairs, problem reports, retirement.

    def work_on(self, order: WorkOrder, who: str, finish: bool) -> None:
        if finish:
            condition = Condition.GOOD if order.kind == WorkKind.REPAIR else None
            self.attempt(f"finish {order.kind}", who, WORKERS, order.is_open,
                         lambda by: orders.complete(order, passing(order), by=by, condition=condition))
        else:
            self.attempt(f"start {order.kind}", who, WORKERS, order.is_open, lambda by: orders.start(order, by=by))

    @rule(data=st.data(), who=role, finish=st.booleans())
    def work(self, data, who, finish):
        order = self.pick(data, self.mine(WorkOrder), lambda order: order.is_open)
        if order is not None:
            self.work_on(order, who, finish)

    def report_on(self, device: Device) -> None:
        self.attempt("public report", None, (), True,
                     lambda by: devices.report_problem(device, ReportKind.PROBLEM, "ล้อฝืด", by=by))

    @rule(data=st.data())
    def report_problem(self, data):
        self.report_on(self.device(data, lambda d: d.status in (D.RESERVED, D.AVAILABLE)))

    def handle_on(self, report: ProblemReport, who: str, repair: bool) -> None:
        if repair:
            in_service = report.device.status not in (D.RETIRED, D.LOST)   # no work on a device out of service
            self.attempt("triage", who, ("staff", *WORKERS), report.handled_at is None and in_service,
                         lambda by: orders.triage(report, WorkKind.REPAIR, by=by))
        else:
            self.attempt("report handled", who, INTERNAL, report.handled_at is None,
                         lambda by: devices.mark_report_handled(report, by=by))

    @rule(data=st.data(), who=st.sampled_from((*INTERNAL, FIT)), repair=st.booleans())
    def handle_report(self, data, who, repair):
        report = self.pick(data, self.mine(ProblemReport), lambda report: report.handled_at is None)
        if report is not None:
            self.handle_on(report, who, repair)

    @rule(data=st.data(), who=role)
    def retire(self, data, who):
        device = self.device(data, lambda d: d.status in RETIRABLE)

        def retire(by):
            asked = retirement.request_retirement(device, RetirementKind.RETIRE, "ชำรุดเกินซ่อม", by=by)
            return retirement.decide(asked, True, by=self.actors["supervisor"])

        self.attempt("retire", who, ("staff", "maintenance", "supervisor", "admin"), device.status in RETIRABLE,
                     retire)

    # What must hold after every step.

    @invariant()
    def devices_agree_with_loans_reservations_and_work(self):
        open_loans = collections.Counter(db.session.scalars(select(Loan.device_id).where(Loan.returned_at.is_(None))))
        assert all(count == 1 for count in open_loans.values()), open_loans  # at most one open loan per device
        reserved = collections.Counter(db.session.scalars(select(RequestItem.device_id).where(
            RequestItem.status == IT.RESERVED)))
        work = collections.defaultdict(list)
        for order in db.session.scalars(select(WorkOrder).where(WorkOrder.status.in_(OPEN_STATES))):
            work[order.device_id].append(order.kind)
        reports = collections.Counter(db.session.scalars(select(ProblemReport.device_id).where(
            ProblemReport.handled_at.is_(None))))
        for device in db.session.scalars(select(Device)):
            what = (device.tag, device.status, work[device.id], reports[device.id])
            assert (device.status == D.ON_LOAN) == (device.id in open_loans), what
            assert (device.status == D.RESERVED) == (device.id in reserved) and reserved[device.id] <= 1, what
            # Back from a loan it waits for cleaning; in the workshop something keeps it there.
            assert (WorkKind.CLEANING in work[device.id]) <= (device.status in (D.RETURNED, D.IN_MAINTENANCE)), what
            assert device.status != D.RETURNED or WorkKind.CLEANING in work[device.id], what
            assert device.status != D.IN_MAINTENANCE or work[device.id] or reports[device.id], what
            assert device.status not in (D.RETIRED, D.LOST) or not work[device.id], what

    @invariant()
    def requests_follow_their_items(self):
        loan_open = dict(db.session.execute(select(Loan.item_id, Loan.returned_at.is_(None))).all())
        items_of = collections.defaultdict(list)
        for item in db.session.scalars(select(RequestItem).order_by(RequestItem.id)):
            items_of[item.request_id].append(item.status)
            # A delivered item is out on its open loan; a returned one's loan is closed.
            assert loan_open.get(item.id) is {IT.DELIVERED: True, IT.RETURNED: False}.get(item.status), (
                item.id, item.status)
        for request_id, status in db.session.execute(select(LendingRequest.id, LendingRequest.status)):
            states = items_of[request_id]
            if all(state == IT.REQUESTED for state in states):
                assert status in (S.SUBMITTED, S.ASSESSMENT_SCHEDULED, S.ASSESSED), (request_id, status, states)
                continue
            open_steps = [REQUEST_OF_ITEM[state] for state in REQUEST_OF_ITEM if state in states]
            expected = (open_steps[0] if open_steps else S.CLOSED if IT.RETURNED in states
                        else S.REJECTED if all(state == IT.REJECTED for state in states) else S.CANCELLED)
            assert status == expected, (request_id, status, states)


def _populate() -> None:
    """A user of every role, wheelchairs (instructions, cleaning steps, inspection items) and air mattresses."""
    make_actors()
    new_type(instructions=["ล็อกเบรก"], cleaning_steps=STEPS, inspection_items=ITEMS)
    new_type("AIR", "ที่นอนลม", "Air mattress")
    db.session.commit()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_lifecycles_hold_under_random_steps_by_every_role(kind, tmp_path):
    app = build_app(database_url(kind, tmp_path))
    with app.app_context():
        LifecycleMachine.fresh = staticmethod(resetter(kind, tmp_path, _populate))
        machine = LifecycleMachine.TestCase
        examples = 6 if kind == "sqlite" else 4
        machine.settings = settings(max_examples=examples, stateful_step_count=20, deadline=None, database=None,
                                    derandomize=True, suppress_health_check=list(HealthCheck))
        STATS.clear()
        try:
            machine().runTest()
        finally:
            db.session.remove()
            db.engine.dispose()
    # Every example took a request to its end; the random steps went both ways.
    assert STATS["finish cleaning ok"] >= examples and STATS["delivering a held device"] >= examples, STATS
    assert len({step for step in STATS if step.endswith("refused")}) >= 6, STATS
