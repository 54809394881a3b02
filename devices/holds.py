"""Lendable means more than available: what holds a device back from the next person.

A device with an open problem report, an open repair or inspection, a failed last
inspection, an overdue preventive inspection, or an unusable condition is not reserved,
delivered or proposed to the waitlist until the step that clears it is done. The devices
domain knows the reports and the condition; other domains add their holds by answering
the ``collect-holds`` signal (maintenance: work orders, inspections, service due). A
supervisor may lend a held device anyway with a written reason (audited); that override
covers the holds it saw and no later one, and the next delivery uses it up.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import audit
from core.db import db, utcnow
from core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from core.users import User
from devices.labels import REPORT_SOURCE_LABELS, STATUS_LABELS
from devices.models import Condition, Device, DeviceStatus, HoldOverride, ProblemReport, ReportKind
from devices.signals import collect_holds, device_available, held_devices
from devices.steps import STEPS


OPEN_REPORT = "open_report"
UNUSABLE = "unusable"

# The kinds of hold, as a device's history names them (devices/hooks.py).
HOLD_LABELS = {OPEN_REPORT: _l("a reported problem"), "open_work_order": _l("an open work order"),
               "failed_inspection": _l("a failed inspection"), "service_overdue": _l("an overdue inspection"),
               UNUSABLE: _l("an unusable condition")}


@dataclass(frozen=True)
class Hold:
    """One reason a device may not be lent now."""

    code: str                     # for API clients: open_report, open_work_order, failed_inspection, ...
    key: str                      # the exact thing ("report:12"): an override covers these keys only
    reason: Any                   # what people read (a lazy translation)
    since: dt.date | dt.datetime | None = None
    step: tuple[str, dict] | None = None     # (endpoint, values) of the page that clears it
    step_label: Any = None
    step_method: str = "get"
    extra: dict = field(default_factory=dict, compare=False)


def _own_holds(devices: list[Device]) -> dict[int, list[Hold]]:
    found: dict[int, list[Hold]] = {d.id: [] for d in devices}
    for report in db.session.scalars(select(ProblemReport).where(
            ProblemReport.device_id.in_(list(found)), ProblemReport.handled_at.is_(None),
            ProblemReport.kind == ReportKind.PROBLEM).order_by(ProblemReport.id)):
        reason = (_l("A problem was reported (%(source)s): “%(message)s”", source=REPORT_SOURCE_LABELS[report.source],
                     message=report.message) if report.message else
                  _l("A problem was reported (%(source)s).", source=REPORT_SOURCE_LABELS[report.source]))
        found[report.device_id].append(Hold(OPEN_REPORT, f"report:{report.id}", reason, report.created_at))
    for device in devices:
        if device.condition == Condition.UNUSABLE:
            found[device.id].append(Hold(UNUSABLE, "condition:unusable", _l("Its condition is recorded as unusable.")))
    return found


def holds_for(devices: Iterable[Device]) -> dict[int, list[Hold]]:
    """Every hold on each of these devices, overridden or not, by device id."""
    devices = list(devices)
    if not devices:
        return {}
    found = _own_holds(devices)
    for _receiver, extra in collect_holds.send(None, devices=devices):
        for device_id, holds in (extra or {}).items():
            found.setdefault(device_id, []).extend(holds)
    return found


def active_overrides(device_ids: Iterable[int]) -> dict[int, list[HoldOverride]]:
    ids = list(device_ids)
    found: dict[int, list[HoldOverride]] = {}
    if ids:
        for row in db.session.scalars(select(HoldOverride).where(HoldOverride.device_id.in_(ids),
                                                                 HoldOverride.used_at.is_(None))
                                      .order_by(HoldOverride.id)):
            found.setdefault(row.device_id, []).append(row)
    return found


@dataclass
class HoldState:
    """A device's holds (overridden or not), the ones still blocking and the overrides in force."""

    holds: list[Hold]
    blocking: list[Hold]
    overrides: list[HoldOverride]


def hold_states(devices: Iterable[Device]) -> dict[int, HoldState]:
    """Each device's holds, the blocking ones and the overrides, by device id: every hold is
    collected once, and the overrides read once for the devices that have a hold (an override
    of a device nothing holds changes nothing, and is not listed)."""
    found = holds_for(devices)
    overrides = active_overrides(device_id for device_id, holds in found.items() if holds)
    states = {}
    for device_id, holds in found.items():
        rows = overrides.get(device_id, [])
        covered = {key for row in rows for key in row.hold_keys}
        states[device_id] = HoldState(holds, [h for h in holds if h.key not in covered], rows)
    return states


def blocking_for(devices: Iterable[Device]) -> dict[int, list[Hold]]:
    """The holds no override covers, by device id (an empty list: lendable as far as holds go)."""
    return {device_id: state.blocking for device_id, state in hold_states(devices).items()}


def lendable_counts() -> dict[int, int]:
    """Lendable devices in stock by type id, counted in the database: available, usable, with no
    open problem report and held by no other domain (``held-devices``). The few with an active
    override are checked one by one with ``blocking_for``, which reads what each override covers."""
    reported = select(ProblemReport.device_id).where(ProblemReport.handled_at.is_(None),
                                                     ProblemReport.kind == ReportKind.PROBLEM)
    overridden = select(HoldOverride.device_id).where(HoldOverride.used_at.is_(None))
    in_stock = (Device.status == DeviceStatus.AVAILABLE, Device.condition != Condition.UNUSABLE)
    held = [held for _receiver, held in held_devices.send(None) if held is not None]
    counts = dict(db.session.execute(
        select(Device.type_id, func.count())
        .where(*in_stock, Device.id.not_in(overridden), Device.id.not_in(reported), *(~h for h in held))
        .group_by(Device.type_id)).all())
    with_override = list(db.session.scalars(select(Device).where(*in_stock, Device.id.in_(overridden))))
    blocking = blocking_for(with_override)
    for device in with_override:
        if not blocking.get(device.id):
            counts[device.type_id] = counts.get(device.type_id, 0) + 1
    return counts


def first_lendable(candidates: Iterable[Device], batch: int = 20) -> Device | None:
    """The first of ``candidates`` (in their order) that nothing holds back."""
    pending: list[Device] = []

    def first_of(chunk: list[Device]) -> Device | None:
        blocking = blocking_for(chunk)
        return next((d for d in chunk if not blocking.get(d.id)), None)

    for device in candidates:
        pending.append(device)
        if len(pending) == batch:
            found = first_of(pending)
            if found is not None:
                return found
            pending = []
    return first_of(pending) if pending else None


def check_lendable(device: Device) -> None:
    """Raises Conflict naming each hold (``errors["holds"]`` has their codes) unless none blocks."""
    blocking = blocking_for([device]).get(device.id, [])
    if blocking:
        raise Conflict(_l("%(tag)s is held back from lending: %(reasons)s. Clear these first, or a supervisor may "
                          "lend it anyway with a written reason.", tag=device.tag,
                          reasons=_Reasons(blocking)),
                       {"holds": [h.code for h in blocking], "device_tag": [h.reason for h in blocking]})


class _Reasons:
    """The holds' reasons, joined when the message is shown (each in the reader's language)."""

    def __init__(self, holds: list[Hold]):
        self.holds = holds

    def __str__(self) -> str:
        return "; ".join(str(h.reason).rstrip(".") for h in self.holds)


def override(device: Device, reason: str, *, by: User) -> HoldOverride:
    """A supervisor lends the device despite its holds. Raises PermissionDenied for other
    roles, ValidationError without a reason, InvalidTransition when the device is not in
    stock or reserved, Conflict when nothing holds it back."""
    if not STEPS.allows(by, "override_hold"):
        raise PermissionDenied(_l("Only a supervisor may lend a device despite a hold."))
    if device.status not in (DeviceStatus.AVAILABLE, DeviceStatus.RESERVED):
        raise InvalidTransition(_l("%(tag)s is %(state)s; only a device in stock or reserved can be lent.",
                                   tag=device.tag, state=STATUS_LABELS[device.status]), device.status.value)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("Write why the device may be lent despite the hold."),
                              {"reason": [_l("A reason is required.")]})
    blocking = blocking_for([device]).get(device.id, [])
    if not blocking:
        raise Conflict(_l("Nothing holds %(tag)s back.", tag=device.tag), {"holds": []})
    row = HoldOverride(device_id=device.id, reason=reason, hold_keys=[h.key for h in blocking],
                       created_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit.record(by, "device.hold_overridden", "device", device.tag,
                 {"holds": [h.code for h in blocking], "reason": reason})
    # Held, it was passed over; lendable now, it may go to the head of the waitlist.
    if device.can_be_lent():
        device_available.send(device, by=by)
    return row


def use_overrides(device: Device) -> None:
    """The device went out on loan: its overrides are spent."""
    for rows in active_overrides([device.id]).values():
        for row in rows:
            row.used_at = utcnow()
    db.session.flush()
