"""The fund's side of a bench/scale.py plan, and the audit trail of everything written.

Donations, gifts in kind, purchases and repairs are booked in date order as fund.services
books them: one balanced entry each (two postings in the general fund), every cash outflow
paid first in, first out from the cash donations (its allocations), a sponsor's gift covering
any day the fund would run short, receipt numbers counted per fiscal year.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import deque

from bench.rows import Writer, _at
from bench.scale import TARGETS, TYPES
from core.audit import GENESIS, AuditEvent, chain_hash
from fund import memos
from fund.models import (Allocation, DonatedDevice, Donation, Donor, JournalEntry, Posting, PurchasedDevice,
                         Spending)
from fund.services import ledger
from fund.services.donations import fiscal_year

DONOR_NAMES = {"person": "คุณผู้บริจาค", "company": "บริษัท ผู้สนับสนุน จำกัด", "shop": "ร้านค้าชุมชน",
               "civil_society": "มูลนิธิเพื่อนช่วยเพื่อน"}
METHODS = ("cash", "transfer", "promptpay", "cheque")


class Books:
    def __init__(self, writer: Writer, accounts: dict[str, int], fund_id: int):
        self.w, self.accounts, self.fund_id = writer, accounts, fund_id
        self.entry_id = self.donation_id = self.spending_id = 0
        self.receipts: dict[int, int] = {}
        self.fifo: deque[list[int]] = deque()
        self.repair_spendings: list[int] = []
        self.unspent = 0   # what the donations in ``fifo`` have left

    def _entry(self, day: dt.date, kind: str, memo: memos.Memo, debit: str, credit: str, amount: int) -> int:
        self.entry_id += 1
        self.w.sink.add(JournalEntry, {"id": self.entry_id, "entry_date": day, "memo": memo.english[:300],
                                       "memo_key": memo.key, "memo_params": memo.params, "kind": kind,
                                       "created_by_id": self.w.actor("treasurer"), "created_at": _at(day, self.w.rng)})
        for code, sign in ((debit, 1), (credit, -1)):
            self.w.sink.add(Posting, {"entry_id": self.entry_id, "account_id": self.accounts[code],
                                      "fund_id": self.fund_id, "amount_satang": sign * amount})
        return self.entry_id

    def donors(self) -> None:
        rng = self.w.rng
        for n, kind in enumerate(self.w.plan.donors):
            at = _at(self.w.plan.first_day, rng)
            self.w.sink.add(Donor, {"id": n + 1, "name": f"{DONOR_NAMES[kind]} {n + 1}", "kind": kind,
                                    "may_be_named": n % 3 != 0, "share_token": f"{n + 1}-{rng.getrandbits(96):024x}",
                                    "phone": f"0{rng.randint(20_000_000, 99_999_999)}", "created_at": at})
            self.w.event(at, "donor.created", "donor", n + 1, "treasurer", {"kind": kind})

    def cash(self, day: dt.date, donor: int, amount: int) -> None:
        name = f"{DONOR_NAMES[self.w.plan.donors[donor]]} {donor + 1}"
        entry = self._entry(day, "donation", memos.donation(name), ledger.CASH, ledger.INCOME_CASH, amount)
        self.donation_id += 1
        year = fiscal_year(day)
        self.receipts[year] = self.receipts.get(year, 0) + 1
        self.w.sink.add(Donation, {"id": self.donation_id, "donor_id": donor + 1, "kind": "cash",
                                   "amount_satang": amount, "fund_id": self.fund_id,
                                   "method": self.w.rng.choice(METHODS),
                                   "received_on": day, "fiscal_year": year, "receipt_number": self.receipts[year],
                                   "entry_id": entry, "created_by_id": self.w.actor("treasurer")})
        self.fifo.append([self.donation_id, amount])
        self.unspent += amount
        self.w.event(_at(day, self.w.rng), "donation.received", "donation", self.donation_id, "treasurer",
                     {"amount_satang": amount, "fund": ledger.GENERAL_FUND})

    def gift(self, day: dt.date, donor: int, devices: list[int]) -> None:
        total = sum(self.w.plan.devices[d].value for d in devices)
        name = f"{DONOR_NAMES[self.w.plan.donors[donor]]} {donor + 1}"
        entry = self._entry(day, "in_kind", memos.in_kind(name), ledger.DEVICES, ledger.INCOME_KIND, total)
        self.donation_id += 1
        self.w.sink.add(Donation, {"id": self.donation_id, "donor_id": donor + 1, "kind": "in_kind",
                                   "amount_satang": total, "received_on": day, "fiscal_year": fiscal_year(day),
                                   "entry_id": entry, "created_by_id": self.w.actor("treasurer")})
        for d in devices:
            device = self.w.plan.devices[d]
            source = "reference" if device.value == TYPES[device.type_index][3] else "donor"
            self.w.sink.add(DonatedDevice, {"donation_id": self.donation_id, "device_id": d + 1,
                                            "value_satang": device.value, "value_source": source})
        self.w.event(_at(day, self.w.rng), "donation.received_in_kind", "donation", self.donation_id, "treasurer",
                     {"devices": len(devices), "value_satang": total})

    def spend(self, day: dt.date, purpose: str, type_index: int, amount: int, devices: list[int]) -> int:
        short = amount - self.unspent
        if short > 0:  # a sponsor covers the day the fund would run short
            self.cash(day, 0, -(-short // 10_000_000) * 10_000_000)
        code = TYPES[type_index][0]
        memo = memos.purchase(len(devices), code) if purpose == "purchase" else memos.repair(code)
        account = ledger.PURCHASES if purpose == "purchase" else ledger.REPAIRS
        entry = self._entry(day, purpose, memo, account, ledger.CASH, amount)
        self.spending_id += 1
        self.w.sink.add(Spending, {"id": self.spending_id, "purpose": purpose, "amount_satang": amount,
                                   "device_type_id": self.w.type_ids[type_index], "spent_on": day, "entry_id": entry,
                                   "created_by_id": self.w.actor("treasurer")})
        left = amount
        while left:
            head = self.fifo[0]
            take = min(left, head[1])
            self.w.sink.add(Allocation, {"spending_id": self.spending_id, "donation_id": head[0], "entry_id": entry,
                                         "amount_satang": take})
            head[1] -= take
            left -= take
            self.unspent -= take
            if not head[1]:
                self.fifo.popleft()
        for d in devices:
            self.w.sink.add(PurchasedDevice, {"spending_id": self.spending_id, "device_id": d + 1})
        self.w.event(_at(day, self.w.rng), f"fund.{purpose}", "spending", self.spending_id, "treasurer",
                     {"amount_satang": amount, "devices": len(devices)})
        return self.spending_id

    def book(self) -> None:
        plan = self.w.plan
        bought: dict[int, list[int]] = {}
        given: dict[int, list[int]] = {}
        for n, device in enumerate(plan.devices):
            if device.purchase is not None:
                bought.setdefault(device.purchase, []).append(n)
            else:
                given.setdefault(device.gift, []).append(n)
        # (day, order within the day, what): money in before money out on the same day.
        timeline = [(day, 0, n, "cash") for n, (day, _, _) in enumerate(plan.donations)]
        timeline += [(day, 1, n, "gift") for n, (day, _) in enumerate(plan.gifts)]
        timeline += [(day, 2, n, "purchase") for n, (day, _, _) in enumerate(plan.purchases)]
        timeline += [(plan.loans[loan].end.date() + dt.timedelta(days=1), 3, n, "repair")
                     for n, (loan, _, _, _) in enumerate(plan.repairs)]
        timeline.sort()
        repairs: dict[int, int] = {}
        for day, _, n, what in timeline:
            if what == "cash":
                self.cash(day, *plan.donations[n][1:])
            elif what == "gift":
                self.gift(day, plan.gifts[n][1], given[n])
            elif what == "purchase":
                self.spend(day, "purchase", plan.purchases[n][1], plan.purchases[n][2], bought[n])
            else:
                loan, _, _, cost = plan.repairs[n]
                type_index = plan.devices[plan.loans[loan].device].type_index
                repairs[n] = self.spend(day, "repair", type_index, cost, [])
        self.repair_spendings = [repairs[n] for n in range(len(plan.repairs))]


def write_audit(writer: Writer, scale: float) -> int:
    """The trail: every tier-1 event (creations, loans, money), then a sample of the rest up to
    the target; in time order, chained and sealed as core.audit does at commit."""
    target = max(1, round(TARGETS["audit_events"] * scale))
    events = writer.events
    first = [e for e in events if e[6] == 1]
    rest = [e for e in events if e[6] != 1]
    rng = writer.rng
    if len(first) > target:
        chosen = rng.sample(first, target)
    else:
        chosen = first + rng.sample(rest, min(len(rest), target - len(first)))
    writer.events = []
    chosen.sort(key=lambda e: e[0])
    last_hash = GENESIS
    for n, (ts, action, object_type, object_id, actor, changes, _) in enumerate(chosen, start=1):
        row = {"id": n, "at": dt.datetime.fromtimestamp(ts, dt.UTC), "actor_id": actor, "action": action,
               "object_type": object_type, "object_id": str(object_id),
               "changes": json.loads(json.dumps(changes or {})), "request_id": f"{rng.getrandbits(128):032x}"}
        digest = chain_hash(row, n, last_hash)
        writer.sink.add(AuditEvent, {**row, "seq": n, "prev_hash": last_hash, "hash": digest})
        last_hash = digest
    return len(chosen)
