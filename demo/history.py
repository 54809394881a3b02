"""The demo's history, replayed in the order it happened.

Each story (demo/scenarios.py) and each round of the workshop and the fund is a generator that
yields the moment of its next step; the loop below always runs the earliest step next, under
``clock.replaying``, so that every stamp, audit time and waiting time agrees, and a device
returned and cleaned in March is the one lent again in April.
"""
from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Iterator

from core import clock
from core.db import db
from core.errors import DomainError
from demo.catalog import REASONS
from devices import holds
from devices import services as devices
from devices.models import Condition, DeviceStatus
from lending.models import ItemStatus, LifeStatus, Outcome, Urgency
from lending.services import life, loans, pipeline
from lending.services import waitlist as queue
from maintenance.models import WorkKind
from maintenance.services import orders, preventive

STEPS = ["submitted", "assessment_scheduled", "assessed", "approved", "reserved", "delivered"]
MAXIMA = (2, 1, 3, 2, 3, 2, 2, 1, 2, 2)   # the ten Barthel items


def when(day: dt.date, hour: int, today: dt.date) -> tuple[dt.date, int]:
    """What a story yields for its next step: ``hour`` on ``day`` (at the latest ``today``)."""
    return min(day, today), hour


def replay(stories: list[Iterator[tuple[dt.date, int]]]) -> None:
    """Run every story's steps, the earliest first (ties in the order given), never later
    than a minute before the replay began."""
    latest = clock.now() - dt.timedelta(minutes=1)
    heap = []
    for n, story in enumerate(stories):
        first = next(story, None)
        if first is not None:
            heap.append((min(clock.at(*first), latest), n, story))
    heapq.heapify(heap)
    while heap:
        moment, n, story = heapq.heappop(heap)
        with clock.replaying(moment):
            following = next(story, None)
        if following is not None:
            heapq.heappush(heap, (max(min(clock.at(*following), latest), moment), n, story))


def adl_items(rng: random.Random, total: int) -> list[int]:
    """Ten Barthel scores adding up to ``total`` (0..20)."""
    items = [0] * len(MAXIMA)
    for _ in range(max(0, min(20, total))):
        room = [i for i, m in enumerate(MAXIMA) if items[i] < m]
        items[rng.choice(room)] += 1
    return items


RECENT_RETURN_DAYS = 12


def _cleaned(device, users, rng) -> None:
    """The return's cleaning done (consumables from the fund), and an inspection when it is due."""
    tech = users["maintenance"]
    for order in orders.open_orders(device):
        orders.start(order, by=tech)
        if order.kind == WorkKind.CLEANING and rng.random() < 0.5:
            orders.add_part(order, "น้ำยาฆ่าเชื้อและผ้าเช็ดทำความสะอาด", 1, rng.choice((35_00, 45_00, 60_00)), by=tech)
        orders.complete(order, {item: "pass" for item in orders.checklist_for(order)}, by=tech,
                        condition=Condition.GOOD if order.kind == WorkKind.REPAIR else None)
    if device.status == DeviceStatus.AVAILABLE and preventive.service_due_for(device):
        inspect(device, tech)


def inspect(device, tech) -> None:
    order = orders.open_order(device, WorkKind.PREVENTIVE, by=tech, source="schedule")
    orders.start(order, by=tech)
    orders.complete(order, {item: "pass" for item in orders.checklist_for(order)}, by=tech)


def _reservable(item):
    """The device this item can take now, or None (someone ahead in the queue, or none left)."""
    proposed = item.proposed_device
    if proposed is not None and proposed.status == DeviceStatus.AVAILABLE and not holds.blocking_for(
            [proposed]).get(proposed.id):
        return proposed
    if queue.ahead_in_queue(item):
        return None
    return pipeline.first_available(item.lend_type, unclaimed=True)


def request_story(story, make_person, users, today, rng) -> Iterator[tuple[dt.date, int]]:
    """One request from its call to its end, each step on its own day (see demo/scenarios.py);
    ``make_person`` registers the person when they first call."""
    staff, assessor, supervisor = (users[k] for k in ("staff", "assessor", "supervisor"))
    came_in = story.came_in

    def on(days: int, hour: int) -> tuple[dt.date, int]:
        return when(came_in + dt.timedelta(days=days), hour, today)

    yield on(0, 9)
    person = make_person()
    asked = [devices.get_type(code) for code in story.type_code.split("+")]
    req = pipeline.submit(person, asked, {
        "channel": story.channel, "urgency": rng.choice([Urgency.NORMAL] * 3 + [Urgency.HIGH,
                                                                                          Urgency.URGENT]),
        "requested_by_name": person.caregiver_name, "requested_by_relation": person.caregiver_relation,
        "reason": rng.choice(REASONS)}, by=staff)
    if story.final == "cancelled":
        yield on(1 + story.assess_after // 2, 10)
        pipeline.cancel(req, "ญาติจัดหาอุปกรณ์เองแล้ว", by=staff)
        return
    reach = STEPS.index(story.final) if story.final in STEPS else STEPS.index("assessed")
    if reach < 1:
        return
    yield on(0, 11)
    visit = came_in + dt.timedelta(days=story.assess_after)
    pipeline.schedule_assessment(req, visit if reach > 1 else today + dt.timedelta(days=2), assessor, by=staff)
    if reach < 2:
        return
    yield on(story.assess_after, 14)
    pipeline.record_assessment(req, {"adl_items": adl_items(rng, story.first_adl), "suitable": True,
                                     "doorway_width_cm": rng.choice((70, 75, 80, 90)),
                                     "notes": "บ้านชั้นเดียว พื้นกระเบื้อง"}, by=assessor)
    if story.final == "assessed":
        return
    decided = story.assess_after + story.decide_after
    yield on(decided, 10)
    if story.final == "rejected":
        pipeline.decide(req, False, "ครอบครัวมีรถเข็นอยู่แล้ว แนะนำซ่อมคันเดิม", by=supervisor)
        return
    pipeline.decide(req, True, "", by=supervisor)
    if story.final == "approved" or (story.final == "waitlisted" and any(
            item.status == ItemStatus.WAITLISTED for item in req.items)):
        return   # (asked for a waitlist, a device was free after all: lent as any other)
    day = decided
    while any(item.is_reservable for item in req.items):
        for item in [item for item in req.items if item.is_reservable]:
            device = _reservable(item)
            if device is not None:
                try:
                    with db.session.begin_nested():
                        queue.reserve(req, device, by=staff, item=item)
                except DomainError:
                    pass   # taken by someone else in between: the item keeps waiting
        if any(item.is_reservable for item in req.items):
            day += 4
            if came_in + dt.timedelta(days=day) >= today:
                return   # still waiting today
            yield on(day, 15)
    if story.final == "reserved":
        return
    yield on(day + story.deliver_after, 10)
    where = random.Random(person.id)  # the phone's location at the door, around Ban Suan
    point = {"latitude": round(13.355 + where.uniform(-0.02, 0.02), 6),
             "longitude": round(100.975 + where.uniform(-0.02, 0.02), 6)}
    for item in req.items:   # checked before it goes out, when its inspection fell due while reserved
        if item.device is not None and preventive.service_due_for(item.device):
            inspect(item.device, users["maintenance"])
    lent = [loans.deliver(req, item.device, instructions=list(item.device.type.instructions),
                          acknowledged_by=person.caregiver_name, acknowledged_relation=person.caregiver_relation,
                          by=staff, **point) for item in list(req.items) if item.device is not None]
    yield from _after_delivery(story, person, lent, users, today, rng)


def _after_delivery(story, person, lent, users, today, rng) -> Iterator[tuple[dt.date, int]]:
    """Follow-up visits re-scoring the ADL, then the fate: death or a move (the person's life
    status), recovery (no longer needed); the pickup, the cleaning, the inspection."""
    delivered = clock.today()
    if story.fate in ("ongoing", "unvisited"):
        ends = today
    else:   # a negative fate_after counts back from today
        ends = (today if story.fate_after < 0 else delivered) + dt.timedelta(days=story.fate_after)
    stop = today - dt.timedelta(days=55) if story.fate == "unvisited" else today - dt.timedelta(days=1)
    visit_on = delivered + dt.timedelta(days=lent[0].device.type.first_follow_up_days + rng.randint(-2, 3))
    span = max(30, (ends - delivered).days)
    visitors = (users["assessor"], users["volunteer"])
    while visit_on < min(ends, stop) and person.life_status not in (LifeStatus.DECEASED, LifeStatus.MOVED):
        yield when(visit_on, 13, today)
        progress = min(1.0, (visit_on - delivered).days / span * 1.4)
        total = story.first_adl + round((story.last_adl - story.first_adl) * progress)
        if progress < 1 and abs(story.last_adl - story.first_adl) >= 2:
            total += rng.choice((-1, 0, 0, 0, 1))
        last = story.fate == "recovered" and visit_on + dt.timedelta(days=30) >= ends
        outcome = (Outcome.NO_LONGER_NEEDED if last else Outcome.IMPROVED if total >= story.first_adl + 2
                   else Outcome.WORSE if total <= story.first_adl - 2 else Outcome.STABLE)
        scores, visitor = adl_items(rng, total), rng.choice(visitors)
        for loan in [loan for loan in lent if loan.is_open]:   # one visit sees every device at the home
            loans.record_follow_up(loan, {"in_use": True, "condition": Condition.GOOD, "adl_items": scores,
                                          "outcome": outcome, "visited_on": visit_on}, by=visitor)
        if last:
            ends = visit_on
            break
        visit_on += dt.timedelta(days=lent[0].device.type.follow_up_interval_days + rng.randint(-4, 6))
    if story.fate in ("died", "moved") and ends < today:
        yield when(ends, 16, today)
        status = LifeStatus.DECEASED if story.fate == "died" else LifeStatus.MOVED
        note = "ญาติแจ้งว่าเสียชีวิตที่บ้าน" if story.fate == "died" else "ย้ายไปอยู่กับลูกที่ต่างจังหวัด"
        life.set_life_status(person, status, ends, note, by=users["staff"])
    if story.fate not in ("died", "moved", "recovered") or ends >= today:
        return
    pickup = ends + dt.timedelta(days=rng.randint(2, 8))
    if pickup >= today:
        return   # the pickup is still to be made
    yield when(pickup, 11, today)
    for loan in [loan for loan in lent if loan.is_open]:
        loans.receive_return(loan, rng.choice((Condition.GOOD, Condition.GOOD, Condition.FAIR)),
                             "รับคืนจากบ้านผู้ยืม", by=users["staff"])
    cleaning = pickup + dt.timedelta(days=rng.choice((1, 1, 2, 3, 4)))
    if cleaning >= today or pickup >= today - dt.timedelta(days=RECENT_RETURN_DAYS):
        return   # waits for cleaning: the workshop has the last days' returns still to do
    yield when(cleaning, 14, today)
    for loan in lent:
        _cleaned(loan.device, users, rng)

