"""The demo's stories, planned up front from a seeded generator: who asks for what and when,
how long each step takes, and how each story ends.

The history covers the whole fiscal year before the current one (October to September) and the
current one up to ``today``, with loans carried over from the months before it, so that the
reports read a complete year and the dashboard a living present.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from lending.models import Channel

# Every channel, the ones a municipality hears most often more often.
CHANNELS = ([Channel.PHONE] * 4 + [Channel.LINE] * 4 + [Channel.COMMUNITY_LEADER] * 3 + [Channel.WALK_IN] * 3
            + [Channel.REFERRAL] * 3 + [Channel.FACEBOOK] * 2 + [Channel.CALL_CENTER] * 2 + [Channel.APP])
TYPES = ["BED"] * 5 + ["AIR"] * 3 + ["WC"] * 7 + ["WLK"] * 2 + ["CMD"] * 2 + ["CRT", "CNE"] + ["BED+AIR"]
RECENT = ["BED", "WC", "BED+AIR", "AIR", "WC", "CMD"]   # the beds run out in the last weeks
SHORT_TERM = ("WLK", "CRT", "CNE")   # lent while a fracture heals: they come back
# ADL total (0-20) at the first assessment, by the first type asked for.
FIRST_ADL = {"BED": (1, 7), "AIR": (0, 6), "WC": (5, 12), "CMD": (6, 12), "WLK": (9, 14), "CRT": (10, 15),
             "CNE": (11, 15)}
# Still on their way at the end: (type, state reached, days before today).
PIPELINE = [("WC", "reserved", 6), ("BED", "reserved", 5), ("WLK", "approved", 4), ("AIR", "assessed", 5),
            ("WC", "assessed", 3), ("WLK", "assessment_scheduled", 3), ("WC", "assessment_scheduled", 2),
            ("WC", "submitted", 1), ("AIR", "submitted", 1), ("CNE", "submitted", 0)]
WAITLISTED_DAYS = (27, 15, 7)   # beds asked for when none is left


@dataclass
class Story:
    """One request and what follows it."""
    type_code: str
    final: str              # the last step it reaches: delivered, rejected, cancelled or a pipeline state
    came_in: dt.date
    channel: Channel
    assess_after: int       # days from the request to the assessment
    decide_after: int       # days from the assessment to the decision
    deliver_after: int      # days from the device's reservation to its delivery
    first_adl: int          # ADL total at the assessment
    last_adl: int           # ADL total the follow-ups reach
    fate: str = "ongoing"   # ongoing, died, moved, recovered, unvisited (follow-ups overdue)
    fate_after: int = 0     # days from the delivery to the fate
    person: int = 0         # index of the person among the demo's people


def fiscal_start(day: dt.date) -> dt.date:
    """1 October that begins the fiscal year holding ``day``."""
    return dt.date(day.year if day.month >= 10 else day.year - 1, 10, 1)


def history_start(today: dt.date) -> dt.date:
    """The first day of the fiscal year before the current one."""
    return fiscal_start(fiscal_start(today) - dt.timedelta(days=1))


def _leads(rng: random.Random) -> tuple[int, int, int]:
    """A few days to a few weeks from request to delivery."""
    assess = rng.choice((1, 2, 2, 3, 3, 4, 5, 6, 7, 9, 12, 16))
    return assess, rng.choice((0, 1, 1, 2, 3, 5)), rng.choice((1, 1, 2, 2, 3, 4, 6, 9))


def _trend(rng: random.Random, first: int, fate: str) -> int:
    """The ADL total the follow-ups reach: most stay, a third improve, a few get worse."""
    roll = rng.random()
    if fate == "recovered" or (fate == "ongoing" and roll < 0.1):
        return min(20, first + rng.randint(3, 6))
    if fate == "died" or roll > 0.93:
        return max(0, first - rng.randint(2, 4))
    return first + rng.choice((-1, 0, 0, 1))


def _served(rng: random.Random, came_in: dt.date, today: dt.date, types: list[str]) -> Story:
    type_code = rng.choice(types)
    low, high = FIRST_ADL[type_code.split("+")[0]]
    first = rng.randint(low, high)
    roll, frail = rng.random(), type_code.startswith(("BED", "AIR"))
    if type_code in SHORT_TERM or (type_code == "WC" and roll < 0.12):
        fate, after = "recovered", rng.randint(50, 150)
    elif roll < (0.45 if frail else 0.22):
        fate, after = "died", rng.randint(20, 260)
    elif roll < (0.48 if frail else 0.25):
        fate, after = "moved", rng.randint(40, 200)
    else:
        fate, after = "ongoing", 0
    assess, decide, deliver = _leads(rng)
    delivered = came_in + dt.timedelta(days=assess + decide + deliver)
    if fate != "ongoing" and delivered + dt.timedelta(days=after) >= today:
        fate, after = "ongoing", 0
    return Story(type_code, "delivered", came_in, rng.choice(CHANNELS), assess, decide, deliver, first,
                 _trend(rng, first, fate), fate, after)


def plan(today: dt.date) -> list[Story]:
    """Every story of the demo, in the order the requests came in."""
    rng = random.Random(2569)
    start, current = history_start(today), fiscal_start(today)
    stories = []
    # Carried over from the year before, then the year, then the current year's first weeks.
    for first, last, count, types in ((start - dt.timedelta(days=110), start - dt.timedelta(days=12), 20, TYPES),
                                      (start, current - dt.timedelta(days=14), 46, TYPES),
                                      (current - dt.timedelta(days=5), today - dt.timedelta(days=30), 9, RECENT)):
        span = (last - first).days
        for n in range(count):
            day = first + dt.timedelta(days=round(span * (n + rng.random()) / count))
            stories.append(_served(rng, day, today, types))
    long_ago = [s for s in stories if s.fate == "ongoing" and (today - s.came_in).days > 120]
    for story in long_ago[1::5][:4]:
        story.fate = "unvisited"   # their follow-ups are overdue
    mover = next((s for s in stories[20:66] if s.fate == "ongoing" and s.type_code in ("WC", "CMD")), None)
    if mover is not None:
        mover.fate, mover.fate_after = "moved", 75   # to a child's home in another province
    late = next(s for s in long_ago if s.type_code.startswith("BED") and s.fate == "ongoing")
    late.fate, late.fate_after, late.last_adl = "died", -2, max(0, late.first_adl - 2)   # the pickup is pending
    for n, final in enumerate(("rejected", "cancelled") * 3):
        day = start + dt.timedelta(days=40 + 57 * n + rng.randint(0, 20))
        assess, decide, deliver = _leads(rng)
        stories.append(Story(rng.choice(("WC", "BED", "CRT")), final, day, rng.choice(CHANNELS), assess, decide,
                             deliver, 10, 10))
    for type_code, final, days in PIPELINE + [("BED", "waitlisted", d) for d in WAITLISTED_DAYS]:
        assess, decide, deliver = _leads(rng)
        assess, decide = min(assess, max(0, days - 2), 3), 0
        stories.append(Story(type_code, final, today - dt.timedelta(days=days), rng.choice(CHANNELS), assess,
                             decide, deliver, rng.randint(*FIRST_ADL[type_code]), 0))
    stories.sort(key=lambda s: s.came_in)
    for index, story in enumerate(stories):
        story.person = index
    return stories
