"""Writes a bench/scale.py plan as rows: bulk INSERTs in batches through the app's own tables.

Parents are written before their children (a batch of any table first writes what waits in the
tables it refers to), ids are given here so children can point to them, and the audit trail is
chained as core.audit seals it at commit.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert

from bench.scale import TYPES, Plan
from core.db import db
from devices.models import Device, DeviceType
from lending.models import (Assessment, ConsentRecord, ConsentSigner, ConsentWithdrawal, FollowUp, LendingRequest,
                            Loan, Person, RequestItem)
from maintenance.models import WorkOrder

BATCH = 5000
FIRST_NAMES = ("สมชาย", "สมหญิง", "ประเสริฐ", "มาลี", "บุญมี", "สุดา", "วิชัย", "จันทร์เพ็ญ", "ทองดี", "อำไพ",
               "สมศักดิ์", "ละเอียด", "ประยูร", "บุญเรือน", "สมพร", "คำปุน", "เฉลิม", "สายสุนีย์", "ณรงค์", "พิมพ์ใจ")
LAST_NAMES = ("ใจดี", "รักษ์ไทย", "ศรีสุข", "บุญมา", "แก้วกาญจนา", "ทองคำ", "มีสุข", "พรหมมา", "สุขประเสริฐ",
              "วงศ์ใหญ่", "จันทร์แก้ว", "ศรีวงศ์", "ชัยมงคล", "ปัญญาดี", "อินทร์แก้ว", "เพชรรัตน์")
TAMBONS = ("บ้านสวน", "เสม็ด", "หนองรี", "นาป่า", "ดอนหัวฬ่อ", "หนองข้างคอก", "บางทราย", "มะขามหย่ง")
REQUEST_ITEM = {"submitted": "requested", "assessment_scheduled": "requested", "assessed": "requested",
                "approved": "approved", "waitlisted": "waitlisted", "reserved": "reserved", "delivered": "delivered",
                "closed": "returned", "rejected": "rejected", "cancelled": "cancelled"}
ASSESSED = {"assessed", "approved", "waitlisted", "reserved", "delivered", "closed", "rejected"}
CONSENT_VERSION = "1.0"


class Sink:
    """Rows waiting per table; a full batch writes every table's waiting rows, parents first."""

    def __init__(self):
        self.waiting: dict = {}
        self.written: dict[str, int] = {}
        self._order = {table.name: n for n, table in enumerate(db.metadata.sorted_tables)}

    def add(self, model, row: dict) -> None:
        rows = self.waiting.setdefault(model.__table__, [])
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for table in sorted(self.waiting, key=lambda t: self._order[t.name]):
            rows = self.waiting[table]
            shapes: dict[tuple, list[dict]] = {}
            for row in rows:  # one executemany per set of columns given
                shapes.setdefault(tuple(row), []).append(row)
            for same in shapes.values():
                db.session.execute(insert(table), same)
            self.written[table.name] = self.written.get(table.name, 0) + len(rows)
            rows.clear()


def national_id(n: int) -> str:
    """A 13-digit Thai ID with a valid check digit, unique per ``n``."""
    base = f"3{n + 1:011d}"
    check = (11 - sum(int(d) * (13 - i) for i, d in enumerate(base)) % 11) % 10
    return base + str(check)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(2), tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randint(0, 7 * 3600))


class Writer:
    """Turns the plan into rows; notes the audit events each step would have written."""

    def __init__(self, plan: Plan, rng: random.Random, users: dict[str, list[int]], tag_prefix: str):
        self.plan, self.rng, self.users, self.prefix = plan, rng, users, tag_prefix
        self.sink = Sink()
        self.events: list[tuple] = []     # (at, action, object type, object id, actor, changes, tier)
        self.tags: list[str] = []
        self.type_ids: list[int] = []

    def actor(self, role: str) -> int:
        return self.rng.choice(self.users[role])

    def event(self, at, action, object_type, object_id, role, changes=None, tier=1) -> None:
        self.events.append((int(at.timestamp()), action, object_type, object_id, self.actor(role), changes, tier))

    def device_types(self) -> None:
        counts = [0] * len(TYPES)
        for device in self.plan.devices:
            counts[device.type_index] += 1
        for n, (code, th, en, price, days, loans, _) in enumerate(TYPES):
            self.type_ids.append(n + 1)
            self.sink.add(DeviceType, {"id": n + 1, "code": code, "name_th": th, "name_en": en,
                                       "reference_price_satang": price, "reference_price_date": self.plan.first_day,
                                       "service_interval_days": days, "service_interval_loans": loans,
                                       "expected_life_years": 7, "tag_counter": counts[n]})

    def devices(self) -> None:
        numbers = [0] * len(TYPES)
        for n, device in enumerate(self.plan.devices):
            numbers[device.type_index] += 1
            tag = f"{self.prefix}-{TYPES[device.type_index][0]}-{numbers[device.type_index]:05d}"
            self.tags.append(tag)
            created = _at(device.acquired, self.rng)
            self.sink.add(Device, {"id": n + 1, "tag": tag, "type_id": self.type_ids[device.type_index],
                                   "status": device.status, "acquisition": "purchase" if device.purchase is not None
                                   else "donation", "acquired_on": device.acquired,
                                   "acquisition_value_satang": device.value, "created_at": created,
                                   "updated_at": created, "location": "คลังศูนย์"})
            self.event(created, "device.created", "device", tag, "staff", {"status": [None, "available"]})

    def people(self) -> None:
        plan, rng = self.plan, self.rng
        for p, registered in enumerate(plan.people):
            pid = p + 1
            at = _at(registered, rng)
            deceased = plan.deceased.get(p)
            self.sink.add(Person, {
                "id": pid, "national_id": national_id(p) if p % 10 else None, "first_name": rng.choice(FIRST_NAMES),
                "last_name": rng.choice(LAST_NAMES), "birth_date": dt.date(rng.randint(1930, 1995),
                                                                           rng.randint(1, 12), rng.randint(1, 28)),
                "phone": f"08{rng.randint(10_000_000, 99_999_999)}", "house_no": str(rng.randint(1, 300)),
                "moo": str(rng.randint(1, 12)), "tambon": rng.choice(TAMBONS), "amphoe": "เมืองชลบุรี",
                "changwat": "ชลบุรี", "postcode": "20000", "disability_types": rng.choice(([], ["physical"])),
                "chronic_conditions": rng.choice(([], ["hypertension"], ["stroke"], ["diabetes", "hypertension"])),
                "life_status": "deceased" if deceased else "at_home", "life_status_on": deceased, "created_at": at})
            self.sink.add(ConsentRecord, {"id": pid, "person_id": pid, "version": CONSENT_VERSION,
                                          "given_on": registered, "recorded_by_id": self.actor("staff")})
            self.sink.add(ConsentSigner, {"consent_id": pid, "name": "ผู้รับบริการ", "relation": "self"})
            self.event(at, "person.registered", "person", pid, "staff", {"fields": ["first_name", "last_name"]})
            if p in plan.withdrawn:
                self.sink.add(ConsentWithdrawal, {"consent_id": pid, "withdrawn_at": at + dt.timedelta(days=900),
                                                  "recorded_by_id": self.actor("staff")})
            if deceased:
                self.event(_at(deceased, rng), "person.life_status", "person", pid, "assessor",
                           {"life_status": ["at_home", "deceased"]}, tier=2)

    def requests(self) -> None:
        plan, rng = self.plan, self.rng
        channels = ("call_center_1132", "app", "facebook", "line", "phone", "community_leader", "walk_in", "referral")
        for r, req in enumerate(plan.requests):
            rid = r + 1
            loan = plan.loans[req.loan] if req.loan is not None else None
            decided = req.created + dt.timedelta(days=rng.randint(1, 4))
            changed = loan.start if loan else decided
            closed = loan.end if loan else (decided if req.status in ("rejected", "cancelled") else None)
            adl = rng.randint(0, 20)
            group = "bed_bound" if adl <= 4 else "home_bound" if adl <= 11 else "social_bound"
            assessed = req.status in ASSESSED
            self.sink.add(LendingRequest, {
                "id": rid, "person_id": req.person + 1, "channel": rng.choice(channels),
                "urgency": rng.choice(("low", "normal", "normal", "normal", "high", "urgent")),
                "requested_by_name": "ญาติ", "requested_by_relation": "child", "reason": "ช่วยการเคลื่อนไหว",
                "status": req.status, "created_by_id": self.actor("staff"), "created_at": req.created,
                "status_changed_at": changed, "dependency_group": group if assessed else None, "closed_at": closed,
                "assessor_id": self.actor("assessor") if assessed else None})
            item_status = REQUEST_ITEM[req.status]
            device = loan.device if loan else req.device
            self.sink.add(RequestItem, {
                "id": rid, "request_id": rid, "device_type_id": self.type_ids[req.type_index], "status": item_status,
                "decided_at": decided if item_status not in ("requested", "cancelled") else None,
                "decided_by_id": self.actor("supervisor") if item_status != "requested" else None,
                "device_id": device + 1 if device is not None else None,
                "waitlisted_at": decided if item_status == "waitlisted" else None,
                "reserved_at": decided if item_status == "reserved" else None,
                "delivered_at": loan.start if loan else None, "closed_at": closed,
                "decision_reason": "ไม่เข้าเกณฑ์" if item_status == "rejected" else ""})
            self.event(req.created, "request.submitted", "request", rid, "staff", {"status": [None, "submitted"]})
            if assessed:
                self.sink.add(Assessment, {
                    "request_id": rid, "assessor_id": self.actor("assessor"),
                    "assessed_on": (req.created + dt.timedelta(days=1)).date(), "adl_items": [], "adl_total": adl,
                    "dependency_group": group, "suitable": req.status != "rejected", "floor": "tile",
                    "created_at": req.created + dt.timedelta(days=1)})
                self.event(req.created + dt.timedelta(days=1), "request.assessed", "request", rid, "assessor",
                           {"status": ["submitted", "assessed"]}, tier=2)
                verdict = "request.rejected" if req.status == "rejected" else "request.approved"
                self.event(decided, verdict, "request", rid, "supervisor", {"status": ["assessed", item_status]},
                           tier=2)
            elif req.status == "cancelled":
                self.event(decided, "request.cancelled", "request", rid, "staff", {"status": ["submitted",
                                                                                             "cancelled"]}, tier=2)

    def loans(self) -> None:
        plan, rng = self.plan, self.rng
        request_of = {req.loan: r + 1 for r, req in enumerate(plan.requests) if req.loan is not None}
        follow_up_id = 0
        for n, loan in enumerate(plan.loans):
            lid, rid = n + 1, request_of[n]
            visits = loan.visits
            next_visit = None
            if loan.end is None:
                step = dt.timedelta(days=90)
                next_visit = (visits[-1] if visits else loan.start.date()) + step
                if next_visit < plan.today - dt.timedelta(days=30):
                    next_visit = plan.today + dt.timedelta(days=rng.randint(-10, 60))
            self.sink.add(Loan, {
                "id": lid, "device_id": loan.device + 1, "person_id": loan.person + 1, "request_id": rid,
                "item_id": rid, "delivered_at": loan.start, "delivered_by_id": self.actor("staff"),
                "instructions": ["การใช้งาน", "การทำความสะอาด"], "acknowledged_by": "ผู้ดูแล",
                "acknowledged_relation": "child", "next_follow_up_on": next_visit, "returned_at": loan.end,
                "returned_by_id": self.actor("staff") if loan.end else None,
                "return_condition": "good" if loan.end else None})
            tag = self.tags[loan.device]
            self.event(loan.start, "loan.opened", "loan", lid, "staff", {"device": tag, "request": rid})
            adl = rng.randint(0, 20)
            for day in visits:
                follow_up_id += 1
                adl = max(0, min(20, adl + rng.randint(-3, 3)))
                outcome = rng.choices(("improved", "stable", "worse"), (25, 55, 20))[0]
                visitor = self.actor("assessor")
                self.sink.add(FollowUp, {"id": follow_up_id, "loan_id": lid, "visited_on": day, "visitor_id": visitor,
                                         "in_use": True, "condition": "good", "adl_total": adl, "outcome": outcome,
                                         "created_at": _at(day, rng)})
                self.event(_at(day, rng), "loan.followed_up", "loan", lid, "assessor", {"outcome": outcome}, tier=2)
            if loan.end is not None:
                self.event(loan.end, "loan.returned", "loan", lid, "staff", {"condition": "good"})

    def work_orders(self, repair_spendings: list[int]) -> None:
        """A cleaning at every return, the repairs found then (paid by the fund), the preventive
        inspections, and the open orders of devices awaiting cleaning or in repair."""
        plan, rng = self.plan, self.rng
        repaired = {loan: (opened, done, cost, spending)
                    for (loan, opened, done, cost), spending in zip(plan.repairs, repair_spendings, strict=True)}
        for n, device in enumerate(plan.devices):
            did, tag = n + 1, self.tags[n]
            for k, loan_index in enumerate(device.loans):
                end = plan.loans[loan_index].end
                if end is None:
                    continue
                last = k == len(device.loans) - 1
                if last and device.status == "returned":
                    self.sink.add(WorkOrder, {"device_id": did, "kind": "cleaning", "status": "open",
                                              "source": "return", "opened_at": end})
                    self.event(end, "work_order.opened", "device", tag, "staff", {"kind": "cleaning"}, tier=2)
                    continue
                finished = end + dt.timedelta(hours=rng.randint(4, 40))
                self.sink.add(WorkOrder, {"device_id": did, "kind": "cleaning", "status": "done", "source": "return",
                                          "opened_at": end, "started_at": end, "finished_at": finished,
                                          "ready_at": finished, "assignee_id": self.actor("maintenance")})
                self.event(finished, "work_order.done", "device", tag, "maintenance", {"kind": "cleaning"}, tier=2)
                if loan_index in repaired:
                    opened, done, cost, spending = repaired[loan_index]
                    self.sink.add(WorkOrder, {
                        "device_id": did, "kind": "repair", "status": "done", "source": "inspection",
                        "opened_at": opened, "started_at": opened, "finished_at": done, "ready_at": done,
                        "other_cost_satang": cost, "spending_id": spending, "assignee_id": self.actor("maintenance"),
                        "description": "ซ่อมล้อและเบรก"})
                    self.event(done, "work_order.done", "device", tag, "maintenance", {"kind": "repair"}, tier=2)
                if last and device.status == "in_maintenance":
                    self.sink.add(WorkOrder, {"device_id": did, "kind": "repair", "status": "in_progress",
                                              "source": "inspection", "opened_at": finished, "started_at": finished,
                                              "assignee_id": self.actor("maintenance"), "description": "เปลี่ยนล้อ"})
            interval = TYPES[device.type_index][4] or 365
            last_check = plan.today - dt.timedelta(days=int(interval * rng.uniform(0, 1.3)))
            if device.status not in ("retired", "lost") and last_check > device.acquired:
                at = _at(last_check, rng)
                self.sink.add(WorkOrder, {"device_id": did, "kind": "preventive", "status": "done",
                                          "source": "schedule", "opened_at": at, "started_at": at, "finished_at": at,
                                          "ready_at": at, "checklist": {"โครงและรอยเชื่อม": "pass"},
                                          "assignee_id": self.actor("maintenance")})
                self.event(at, "work_order.done", "device", tag, "maintenance", {"kind": "preventive"}, tier=2)
