"""The outcome report: whom the program served in a period, and how they fared.

The table of the program's own report (seed/: "185 bed-bound people cared for; two thirds aged
60 or over; 86.5% with chronic disease; 29% improved in ADL, 48% stable, 5% worse, 18% died"),
made from the records. Definitions, also stated under each table:

- **Served in the period**: a person with a loan open at any moment of the period (delivered
  before its end and not returned before its start), except one who had died or moved away
  before its first day. Each person is counted once, however many devices they had.
- **Age**: at the period's last day, from the birth date; once the birth date is erased
  (PDPA), from the birth year kept for this. Unknown when neither is recorded.
- **Dependency group**: of the person's first assessment (Barthel ADL 0-20: 12-20
  social-bound, 5-11 home-bound, 0-4 bed-bound), up to the period's end.
- **Chronic disease**: at least one chronic condition on the person's record.
- **Outcome** (one per person, the first that applies): *died*, *moved away* or *recovered*
  when the person's life status became so on a day of the period; *lost to follow-up* when no
  follow-up visit was recorded in the period; else the **ADL change** from the first
  assessment's total to the total of the last follow-up in the period that re-scored ADL:
  *improved* for a rise of at least 2 points, *worse* for a fall of at least 2 points,
  *stable* otherwise. Two points is the Barthel index's minimal clinically important
  difference (1.85 on the 0-20 scale: Hsieh et al., Neurorehabil Neural Repair
  2007;21(3):233-238). When no ADL can be compared, the visitor's judgement on the last visit
  of the period counts (improved, stable, worse; "no longer needed" as recovered).
- **Volunteer**: the user who recorded the follow-up visit (the one who went), not the
  volunteer zones of the moo: a visit by a colleague standing in counts for who went.
- **Moo**: of the person's address as recorded now.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import astuple

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select

from core.db import db
from core.users import User
from devices.labels import TypeName
from devices.models import DeviceType
from lending.adl import GROUP_LABELS
from lending.labels import CHRONIC_LABELS
from lending.models import ChronicCondition, DependencyGroup
from reports import cache
from reports import outcome_queries as q
from reports.catalog import report
from reports.periods import Period
from reports.tables import COUNT, SHARE, TEXT, Column, Figure, Report, Table, share

OUTCOME_LABELS = {q.IMPROVED: _l("Improved"), q.STABLE: _l("Stable"), q.WORSE: _l("Worse"), q.DIED: _l("Died"),
                  q.MOVED: _l("Moved away"), q.RECOVERED: _l("Recovered"), q.LOST: _l("Lost to follow-up")}
AGE_LABELS = {q.UNDER_60: _l("Under 60"), q.AGE_60: _l("60 to 69"), q.AGE_70: _l("70 to 79"),
              q.AGE_80: _l("80 or over"), q.AGE_UNKNOWN: _l("Age not recorded")}
GROUP_ORDER = (DependencyGroup.BED_BOUND.value, DependencyGroup.HOME_BOUND.value,
               DependencyGroup.SOCIAL_BOUND.value, q.NOT_ASSESSED)
SERVED_NOTE = _l("Served: a loan open at any moment of the period, unless the person had died or moved away "
                 "before it began; each person once.")
OUTCOME_NOTE = lazy_ngettext(
    "Each person once, the first that applies: died, moved away or recovered when the life status became so in "
    "the period; lost to follow-up when no visit was recorded in the period; else the ADL change from the first "
    "assessment to the last follow-up in the period: improved or worse by at least %(num)d point (the Barthel "
    "index's minimal clinically important difference, 1.85 points: Hsieh et al. 2007), stable otherwise. Without "
    "ADL scores to compare, the visitor's judgement on the last visit.",
    "Each person once, the first that applies: died, moved away or recovered when the life status became so in "
    "the period; lost to follow-up when no visit was recorded in the period; else the ADL change from the first "
    "assessment to the last follow-up in the period: improved or worse by at least %(num)d points (the Barthel "
    "index's minimal clinically important difference, 1.85 points: Hsieh et al. 2007), stable otherwise. Without "
    "ADL scores to compare, the visitor's judgement on the last visit.", q.MCID)

PEOPLE, SHARE_OF_SERVED = Column("people", _l("People"), COUNT), Column("share", _l("Share of people served"), SHARE)


# The counts are kept while no change could alter them (reports/cache.py).
def _kept_groups(period: Period) -> list[q.Group]:
    return cache.remember("outcomes.groups", period, lambda: q.groups(period),
                          lambda groups: [astuple(g) for g in groups], lambda rows: [q.Group(*row) for row in rows])


def _kept_conditions(period: Period) -> Counter:
    return cache.remember("outcomes.conditions", period, lambda: q.conditions(period),
                          lambda counts: {condition.value: n for condition, n in counts.items()},
                          lambda counts: Counter({ChronicCondition(key): n for key, n in counts.items()}))


def _kept(name: str, period: Period, count) -> list[tuple]:
    return cache.remember(name, period, lambda: count(period), lambda rows: [list(row) for row in rows],
                          lambda rows: [tuple(row) for row in rows])


def _counted(counts: Counter, order: Iterable[str], labels, total: int) -> list[dict]:
    return [{"name": str(labels[key]), "people": counts.get(key, 0), "share": share(counts.get(key, 0), total)}
            for key in order]


def _headline(groups: list[q.Group]) -> dict:
    total = sum(g.people for g in groups)
    outcome = Counter()
    for g in groups:
        outcome[g.outcome] += g.people
    aged = sum(g.people for g in groups if g.age in (q.AGE_60, q.AGE_70, q.AGE_80))
    found = {"served": total, "aged_60_plus": share(aged, total),
             "chronic": share(sum(g.people for g in groups if g.chronic), total)}
    found.update({key: share(outcome[key], total) for key in (q.IMPROVED, q.STABLE, q.WORSE, q.DIED, q.LOST)})
    return found


FIGURES = (("served", _l("People served"), COUNT), ("aged_60_plus", _l("Aged 60 or over"), SHARE),
           ("chronic", _l("With a chronic disease"), SHARE), (q.IMPROVED, _l("Improved (ADL)"), SHARE),
           (q.STABLE, _l("Stable (ADL)"), SHARE), (q.WORSE, _l("Worse (ADL)"), SHARE), (q.DIED, _l("Died"), SHARE),
           (q.LOST, _l("Lost to follow-up"), SHARE))


def _by(groups: list[q.Group], attribute: str) -> Counter:
    counts = Counter()
    for g in groups:
        counts[getattr(g, attribute)] += g.people
    return counts


def _outcome_table(groups: list[q.Group], total: int) -> Table:
    return Table("outcomes", _l("ADL change and outcome"),
                 (Column("name", _l("Outcome"), TEXT), PEOPLE, SHARE_OF_SERVED),
                 _counted(_by(groups, "outcome"), q.OUTCOMES, OUTCOME_LABELS, total), chart="people",
                 note=OUTCOME_NOTE)


def _group_labels() -> dict:
    labels = {group.value: label for group, label in GROUP_LABELS.items()}
    labels[q.NOT_ASSESSED] = _l("Not assessed")
    return labels


def _outcome_by_group_table(groups: list[q.Group]) -> Table:
    labels = _group_labels()
    rows = []
    for key in GROUP_ORDER:
        mine = [g for g in groups if g.dependency == key]
        served = sum(g.people for g in mine)
        counts = _by(mine, "outcome")
        rows.append({"name": str(labels[key]), "people": served,
                     **{outcome: counts.get(outcome, 0) for outcome in q.OUTCOMES}})
    columns = (Column("name", _l("Dependency group at first assessment"), TEXT), PEOPLE,
               *(Column(outcome, OUTCOME_LABELS[outcome], COUNT) for outcome in q.OUTCOMES))
    return Table("outcomes_by_group", _l("Outcome by dependency group at first assessment"), columns, rows,
                 note=_l("The same people and outcomes as above, by their group at the first assessment."))


def _chronic_table(period: Period, groups: list[q.Group], total: int) -> Table:
    with_any = sum(g.people for g in groups if g.chronic)
    rows = [{"name": str(_l("With a chronic disease")), "people": with_any, "share": share(with_any, total)},
            {"name": str(_l("No chronic disease recorded")), "people": total - with_any,
             "share": share(total - with_any, total)}]
    counts = _kept_conditions(period) if total else Counter()
    rows += [{"name": str(label), "people": counts.get(condition, 0), "share": share(counts.get(condition, 0), total)}
             for condition, label in CHRONIC_LABELS.items()]
    return Table("chronic", _l("People served by chronic disease"), (Column("name", _l("Chronic disease"), TEXT),
                                                                     PEOPLE, SHARE_OF_SERVED), rows,
                 note=_l("The first two rows divide the people served; one person may have several conditions."))


def _device_table(period: Period, total: int) -> Table:
    found = _kept("outcomes.device_types", period, q.by_device_type) if total else []
    types = {t.id: t for t in db.session.scalars(select(DeviceType).where(
        DeviceType.id.in_([type_id for type_id, _, _ in found])))} if found else {}
    rows = sorted(({"name": str(TypeName(types[type_id])), "people": people, "share": share(people, total),
                    "loans": loans} for type_id, people, loans in found), key=lambda row: (-row["people"], row["name"]))
    return Table("device_types", _l("People served by device type"),
                 (Column("name", _l("Device type"), TEXT), PEOPLE, SHARE_OF_SERVED,
                  Column("loans", _l("Loans open in the period"), COUNT)), rows, chart="people",
                 note=_l("A person lent devices of two types is counted under each."))


def _volunteer_table(period: Period, total: int) -> Table:
    found = _kept("outcomes.visitors", period, q.by_visitor) if total else []
    users = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_([uid for uid, _, _ in found if uid is not None])))} if found else {}

    def name(user_id):
        user = users.get(user_id)
        return (user.display_name or user.username) if user else gettext("Not recorded")

    rows = sorted(({"name": name(uid), "people": people, "share": share(people, total), "visits": visits}
                   for uid, people, visits in found), key=lambda row: (-row["people"], row["name"]))
    return Table("volunteers", _l("People served per volunteer"),
                 (Column("name", _l("Volunteer (who recorded the visit)"), TEXT), PEOPLE, SHARE_OF_SERVED,
                  Column("visits", _l("Follow-up visits"), COUNT)), rows,
                 note=_l("The people each volunteer visited in the period; a person visited by two volunteers is "
                         "counted under each."))


def _moo_key(area: tuple[str, str]) -> tuple:
    tambon, moo = area
    return (tambon, int(moo) if moo.isdigit() else 10**6, moo)


def _moo_table(groups: list[q.Group], total: int) -> Table:
    served, lost, improved, died = Counter(), Counter(), Counter(), Counter()
    for g in groups:
        area = (g.tambon, g.moo)
        served[area] += g.people
        lost[area] += g.people if g.outcome == q.LOST else 0
        improved[area] += g.people if g.outcome == q.IMPROVED else 0
        died[area] += g.people if g.outcome == q.DIED else 0
    rows = [{"name": (gettext("Moo %(moo)s, %(tambon)s", moo=moo, tambon=tambon) if moo and tambon
                      else gettext("Moo %(moo)s", moo=moo) if moo else gettext("Not recorded")),
             "people": served[(tambon, moo)], "share": share(served[(tambon, moo)], total),
             q.IMPROVED: improved[(tambon, moo)], q.DIED: died[(tambon, moo)], q.LOST: lost[(tambon, moo)]}
            for tambon, moo in sorted(served, key=_moo_key)]
    return Table("moo", _l("People served per moo"),
                 (Column("name", _l("Moo"), TEXT), PEOPLE, SHARE_OF_SERVED,
                  Column(q.IMPROVED, OUTCOME_LABELS[q.IMPROVED], COUNT), Column(q.DIED, OUTCOME_LABELS[q.DIED], COUNT),
                  Column(q.LOST, OUTCOME_LABELS[q.LOST], COUNT)), rows, chart="people",
                 note=_l("By the address recorded now."))


@report("outcomes", _l("Outcomes"), "program_reports",
        _l("People served by age, dependency group, chronic disease and device type; ADL change and outcomes; "
           "people served per volunteer and per moo."))
def build(period: Period, *, by: User) -> Report:
    groups = _kept_groups(period)
    before = period.previous()
    now, then = _headline(groups), _headline(_kept_groups(before))
    total = now["served"]
    tables = [
        _outcome_table(groups, total),
        _outcome_by_group_table(groups),
        Table("ages", _l("People served by age at the period's end"),
              (Column("name", _l("Age group"), TEXT), PEOPLE, SHARE_OF_SERVED),
              _counted(_by(groups, "age"), q.AGE_BANDS, AGE_LABELS, total), chart="people",
              note=_l("Age on the period's last day, from the birth date (or the birth year once it is erased).")),
        Table("dependency", _l("People served by dependency group at first assessment"),
              (Column("name", _l("Dependency group"), TEXT), PEOPLE, SHARE_OF_SERVED),
              _counted(_by(groups, "dependency"), GROUP_ORDER, _group_labels(), total), chart="people",
              note=SERVED_NOTE),
        _chronic_table(period, groups, total),
        _device_table(period, total),
        _volunteer_table(period, total),
        _moo_table(groups, total),
    ]
    figures = [Figure(key, label, now[key], kind, then[key]) for key, label, kind in FIGURES]
    return Report("outcomes", _l("Outcomes"), period, figures, tables, previous=before)
