"""The shape of a province's ten years, planned in memory before bench/generate.py writes it.

Everything here is plain data: which devices came when (bought in batches, or given in kind),
the loans each device went out on (at most one open, the last), the person and request behind
each loan, the requests that never became a loan, the follow-up visits, the repairs found at
returns, and the fund's cash donations. Counts follow ``TARGETS`` times the scale factor.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

# What the full-scale database holds (scale 1.0).
TARGETS = {"devices": 100_000, "people": 50_000, "requests": 200_000, "loans": 150_000, "follow_ups": 300_000,
           "audit_events": 1_000_000, "donors": 20_000, "postings": 500_000}
YEARS = 10
REPAIRS_PER_LOAN = 0.16          # a repair found at about one return in five
OPEN_LOAN_SHARE = 0.35           # of the devices, out on loan today
OPEN_REQUEST_SHARE = 0.025       # of the requests, still in the pipeline
REJECTED_SHARE = 0.09
RETIRED_SHARE, LOST_SHARE, IN_REPAIR_SHARE = 0.03, 0.005, 0.01
# code, Thai, English, reference price (satang), service days, service loans, share of the fleet
TYPES = (("WC", "รถเข็นวีลแชร์", "Wheelchair", 350_000, 180, None, 30),
         ("BED", "เตียงผู้ป่วย", "Hospital bed", 1_500_000, 180, None, 20),
         ("AIR", "ที่นอนลม", "Air mattress", 250_000, 90, None, 20),
         ("WLK", "วอล์คเกอร์", "Walker", 80_000, 365, 6, 15),
         ("COM", "เก้าอี้นั่งถ่าย", "Commode chair", 120_000, None, 4, 10),
         ("CRU", "ไม้ค้ำยัน", "Crutches", 40_000, None, None, 5))
OPEN_STATES = (("submitted", 0.30), ("assessment_scheduled", 0.20), ("assessed", 0.15), ("approved", 0.05),
               ("waitlisted", 0.25), ("reserved", 0.05))


def scaled(name: str, scale: float) -> int:
    return max(1, round(TARGETS[name] * scale))


@dataclass
class Device:
    type_index: int
    acquired: dt.date
    purchase: int | None = None      # index into Plan.purchases
    gift: int | None = None          # index into Plan.gifts
    value: int = 0
    loans: list[int] = field(default_factory=list)
    status: str = "available"


@dataclass
class Loan:
    device: int
    start: dt.datetime
    end: dt.datetime | None
    person: int = 0
    visits: list[dt.date] = field(default_factory=list)


@dataclass
class Request:
    person: int
    type_index: int
    created: dt.datetime
    status: str
    loan: int | None = None
    device: int | None = None        # the device held, for a reserved request


@dataclass
class Plan:
    today: dt.date
    first_day: dt.date
    devices: list[Device] = field(default_factory=list)
    purchases: list[tuple[dt.date, int, int]] = field(default_factory=list)   # day, type, amount
    gifts: list[tuple[dt.date, int]] = field(default_factory=list)            # day, donor
    loans: list[Loan] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    people: list[dt.date] = field(default_factory=list)                      # registered on
    deceased: dict[int, dt.date] = field(default_factory=dict)
    withdrawn: set[int] = field(default_factory=set)
    repairs: list[tuple[int, dt.datetime, dt.datetime, int]] = field(default_factory=list)  # loan, opened, done, cost
    donors: list[str] = field(default_factory=list)                          # kind of each donor
    donations: list[tuple[dt.date, int, int]] = field(default_factory=list)   # day, donor, amount


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    # Working hours in Bangkok (UTC+7): 01:00 to 10:00 UTC, whole seconds.
    return dt.datetime.combine(day, dt.time(1), tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randint(0, 9 * 3600))


def _recent_day(rng: random.Random, plan: Plan, span: int) -> dt.date:
    """A day of the history, more often recent ones (the program grows)."""
    return plan.first_day + dt.timedelta(days=int(span * rng.random() ** 0.7))


def _spread(rng: random.Random, weights: list[float], total: int) -> list[int]:
    """Integer counts proportional to ``weights`` that add up to about ``total``."""
    whole = sum(weights) or 1
    counts = []
    for w in weights:
        exact = total * w / whole
        counts.append(int(exact) + (rng.random() < exact - int(exact)))
    return counts


def plan_devices(rng: random.Random, plan: Plan, count: int, donors: int) -> None:
    span = 365 * YEARS - 30
    type_weights = [t[6] for t in TYPES]
    made = 0
    arrivals = []
    while made < count:
        type_index = rng.choices(range(len(TYPES)), type_weights)[0]
        day = _recent_day(rng, plan, span)
        bought = rng.random() < 0.7
        size = min(rng.randint(1, 9) if bought else rng.choice((1, 1, 2, 2, 3, 4)), count - made)
        arrivals.append((day, bought, type_index, size))
        made += size
    arrivals.sort(key=lambda a: a[0])
    for day, bought, type_index, size in arrivals:
        price = TYPES[type_index][3]
        if bought:
            unit = price * rng.randint(80, 110) // 100 // 100 * 100
            plan.purchases.append((day, type_index, unit * size))
            for _ in range(size):
                plan.devices.append(Device(type_index, day, purchase=len(plan.purchases) - 1, value=unit))
        else:
            plan.gifts.append((day, rng.randrange(donors)))
            for _ in range(size):
                stated = rng.random() < 0.3
                value = price * rng.randint(30, 90) // 100 // 100 * 100 if stated else price
                plan.devices.append(Device(type_index, day, gift=len(plan.gifts) - 1, value=value))


def plan_loans(rng: random.Random, plan: Plan, count: int) -> None:
    """Each device's loans, in turn, over its days in service; only the last may still be open."""
    ages = [max(0, (plan.today - d.acquired).days - 10) for d in plan.devices]
    per_device = _spread(rng, ages, count)
    with_loans = sum(1 for n in per_device if n)
    open_chance = min(0.95, OPEN_LOAN_SHARE * len(plan.devices) / max(1, with_loans))
    now = _moment(rng, plan.today)
    for index, (device, n) in enumerate(zip(plan.devices, per_device, strict=True)):
        window = ages[index]
        n = min(n, window // 12)
        if not n:
            continue
        slot = window / n
        begin = device.acquired + dt.timedelta(days=3)
        for k in range(n):
            slot_start = begin + dt.timedelta(days=int(k * slot))
            start_day = slot_start + dt.timedelta(days=max(1, int(slot * rng.uniform(0.05, 0.3))))
            start = _moment(rng, min(start_day, plan.today - dt.timedelta(days=2)))
            last = k == n - 1
            end = None
            if not (last and rng.random() < open_chance):
                slot_end = slot_start + dt.timedelta(days=int(slot))
                length = max(1, int((slot_end - start.date()).days * rng.uniform(0.5, 0.85)))
                end = min(start + dt.timedelta(days=length), now - dt.timedelta(hours=1))
            device.loans.append(len(plan.loans))
            plan.loans.append(Loan(index, start, end))
        if plan.loans[device.loans[-1]].end is None:
            device.status = "on_loan"


def plan_device_states(rng: random.Random, plan: Plan) -> None:
    """Devices not on loan: most in stock; a few retired, lost, awaiting cleaning or in repair."""
    now = _moment(rng, plan.today)
    for device in plan.devices:
        if device.status == "on_loan":
            continue
        last_end = plan.loans[device.loans[-1]].end if device.loans else None
        roll = rng.random()
        if last_end is not None and now - last_end < dt.timedelta(days=3):
            device.status = "returned"
        elif roll < RETIRED_SHARE:
            device.status = "retired"
        elif roll < RETIRED_SHARE + LOST_SHARE:
            device.status = "lost"
        elif last_end is not None and roll < RETIRED_SHARE + LOST_SHARE + IN_REPAIR_SHARE * 3 \
                and now - last_end < dt.timedelta(days=30):
            device.status = "in_maintenance"


def plan_requests(rng: random.Random, plan: Plan, count: int, people: int) -> None:
    """A request behind every loan, then those that were turned down, cancelled or are still open."""
    for index, loan in enumerate(plan.loans):
        device = plan.devices[loan.device]
        created = loan.start - dt.timedelta(days=rng.randint(5, 40), seconds=rng.randint(0, 3600))
        status = "delivered" if loan.end is None else "closed"
        plan.requests.append(Request(0, device.type_index, created, status, loan=index))
    others = max(0, count - len(plan.requests))
    open_count = min(others, round(count * OPEN_REQUEST_SHARE))
    rejected = min(others - open_count, round(count * REJECTED_SHARE))
    span = 365 * YEARS - 60
    in_stock = {}
    for index, device in enumerate(plan.devices):
        if device.status == "available":
            in_stock.setdefault(device.type_index, []).append(index)
    for n in range(others):
        type_index = rng.choices(range(len(TYPES)), [t[6] for t in TYPES])[0]
        if n < open_count:
            status = rng.choices([s for s, _ in OPEN_STATES], [w for _, w in OPEN_STATES])[0]
            created = _moment(rng, plan.today - dt.timedelta(days=rng.randint(1, 60)))
        else:
            status = "rejected" if n < open_count + rejected else "cancelled"
            created = _moment(rng, _recent_day(rng, plan, span))
        request = Request(0, type_index, created, status)
        if status == "reserved":
            stock = in_stock.get(type_index)
            if stock:
                request.device = stock.pop(rng.randrange(len(stock)))
                plan.devices[request.device].status = "reserved"
            else:
                request.status = "waitlisted"
        plan.requests.append(request)
    _people(rng, plan, people)


def _people(rng: random.Random, plan: Plan, count: int) -> None:
    order = list(range(len(plan.requests)))
    rng.shuffle(order)
    for n, index in enumerate(order):  # everyone asked at least once; some asked many times
        plan.requests[index].person = n if n < count else rng.randrange(count)
    first = [None] * count
    last_end: list[dt.datetime | None] = [None] * count
    active = [False] * count
    for request in plan.requests:
        p = request.person
        first[p] = min(first[p], request.created) if first[p] else request.created
        loan = plan.loans[request.loan] if request.loan is not None else None
        if loan is not None:
            loan.person = p
        if request.status not in ("closed", "rejected", "cancelled"):
            active[p] = True
        end = (loan.end or loan.start) if loan is not None else request.created
        last_end[p] = max(last_end[p], end) if last_end[p] else end
    for p in range(count):
        plan.people.append((first[p] - dt.timedelta(days=rng.randint(0, 3))).date())
        if active[p]:
            continue
        roll = rng.random()
        if roll < 0.25:
            plan.deceased[p] = max(last_end[p].date() - dt.timedelta(days=2), plan.people[p])
        elif roll < 0.255:
            plan.withdrawn.add(p)


def plan_visits(rng: random.Random, plan: Plan, count: int) -> None:
    """Follow-up visits spread over each loan, more for longer loans."""
    now = _moment(rng, plan.today)
    lengths = [max(0, ((loan.end or now) - loan.start).days - 7) for loan in plan.loans]
    for loan, length, n in zip(plan.loans, lengths, _spread(rng, lengths, count), strict=True):
        n = min(n, length)
        for k in range(n):
            loan.visits.append(loan.start.date() + dt.timedelta(days=7 + int(length * (k + 0.5) / n)))


def plan_repairs(rng: random.Random, plan: Plan, count: int) -> None:
    """Repairs found at a return: done before the device went out again."""
    candidates = []
    for device in plan.devices:
        for k, loan_index in enumerate(device.loans):
            end = plan.loans[loan_index].end
            if end is None:
                continue
            following = plan.loans[device.loans[k + 1]].start if k + 1 < len(device.loans) else None
            room = (following - end).days if following else (plan.today - end.date()).days
            if room >= (6 if following else 12):
                candidates.append((loan_index, end, following))
    for loan_index, end, following in rng.sample(candidates, min(count, len(candidates))):
        room = (following - end).days - 2 if following else 10
        opened = end + dt.timedelta(days=1)
        done = opened + dt.timedelta(days=rng.randint(1, max(1, min(room, 10))))
        plan.repairs.append((loan_index, opened, done, rng.randint(3, 60) * 10_000))
    plan.repairs.sort(key=lambda r: r[1])


def plan_donations(rng: random.Random, plan: Plan, donors: int, count: int) -> None:
    kinds = rng.choices(("person", "company", "shop", "civil_society"), (70, 15, 10, 5), k=donors)
    plan.donors = kinds
    amounts = {"person": (100, 200, 300, 500, 1_000, 2_000, 5_000), "company": (5_000, 10_000, 20_000, 50_000),
               "shop": (500, 1_000, 2_000, 5_000), "civil_society": (1_000, 3_000, 10_000, 30_000)}
    givers = list(range(donors)) + [rng.randrange(donors) for _ in range(max(0, count - donors))]
    span = 365 * YEARS - 1
    for donor in givers[:count]:
        day = _recent_day(rng, plan, span)
        plan.donations.append((day, donor, rng.choice(amounts[kinds[donor]]) * 100))
    plan.donations.sort(key=lambda d: d[0])


def build_plan(scale: float, today: dt.date, seed: int = 14) -> Plan:
    rng = random.Random(seed)
    plan = Plan(today=today, first_day=today - dt.timedelta(days=365 * YEARS))
    donors = scaled("donors", scale)
    plan_devices(rng, plan, scaled("devices", scale), donors)
    plan_loans(rng, plan, scaled("loans", scale))
    plan_device_states(rng, plan)
    plan_requests(rng, plan, scaled("requests", scale), scaled("people", scale))
    plan_visits(rng, plan, scaled("follow_ups", scale))
    plan_repairs(rng, plan, round(len(plan.loans) * REPAIRS_PER_LOAN))
    # Two postings per entry: what is left of the target after gifts, purchases and repairs is cash donations.
    cash = scaled("postings", scale) // 2 - len(plan.gifts) - len(plan.purchases) - len(plan.repairs)
    plan_donations(rng, plan, donors, max(donors, cash))
    return plan
