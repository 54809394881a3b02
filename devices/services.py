"""Registering and editing device types and devices; scans and public reports.

Services take the acting user, check the rules, write the audit event and flush. They
never commit: the view or CLI command that called them does, once.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from core import audit
from core.concurrency import check_version
from core.db import contains_text, db, utcnow
from core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.i18n import Joined
from core.users import User
from devices.labels import STATUS_LABELS
from devices.models import Device, DeviceStatus, DeviceType, ProblemReport, ReportKind, ReportSource, ScanEvent
from devices.signals import (answers, device_available, device_flags as flags_signal, device_panels as panels_signal,
                             device_status_changed, next_steps, problem_reported, report_handled,
                             scan_panels as scan_signal)
from devices.steps import STEPS


TYPE_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
TAG_PREFIX_RE = re.compile(r"^[A-Z0-9]{1,8}$")
TYPE_FIELDS = ("name_th", "name_en", "reference_price_satang", "reference_price_date",
               "reference_price_source", "service_interval_days", "service_interval_loans", "expected_life_years",
               "description",
               "instructions", "first_follow_up_days", "follow_up_interval_days", "cleaning_steps",
               "contact_time_minutes", "inspection_items")
DEVICE_FIELDS = ("brand", "model", "serial", "condition", "location", "acquisition", "acquired_on",
                 "acquisition_value_satang", "notes")


def _snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


# --- device types -------------------------------------------------------------------

def get_type(code: str) -> DeviceType:
    """Raises NotFound for an unknown code."""
    found = db.session.scalar(select(DeviceType).where(DeviceType.code == (code or "").upper()))
    if found is None:
        raise NotFound(_l("There is no device type with the code %(code)s.", code=code),
                       {"type": [_l("Unknown device type.")]})
    return found


def list_types() -> list[DeviceType]:
    return list(db.session.scalars(select(DeviceType).order_by(DeviceType.code)))


def count_by_status() -> dict[DeviceStatus, int]:
    return dict(db.session.execute(select(Device.status, func.count()).group_by(Device.status)).all())


def device_counts_by_type() -> dict[int, int]:
    return dict(db.session.execute(select(Device.type_id, func.count()).group_by(Device.type_id)).all())


def create_type(data: Mapping[str, Any], *, by: User | None) -> DeviceType:
    """Raises ValidationError for a malformed code, Conflict for a code in use."""
    code = str(data.get("code", "")).strip().upper()
    if not TYPE_CODE_RE.match(code):
        raise ValidationError(_l("The type code is not valid."),
                              {"code": [_l("Use 1 to 8 capital letters or digits, starting with a letter.")]})
    if db.session.scalar(select(DeviceType.id).where(DeviceType.code == code)) is not None:
        raise Conflict(_l("The device type %(code)s already exists.", code=code),
                       {"code": [_l("This code is already in use.")]})
    device_type = DeviceType(code=code, **{f: data[f] for f in TYPE_FIELDS if f in data})
    db.session.add(device_type)
    db.session.flush()
    audit.record(by, "device_type.created", "device_type", device_type.code,
                 {f: [None, v] for f, v in _snapshot(device_type, ("code",) + TYPE_FIELDS).items()})
    return device_type


def update_type(device_type: DeviceType, changes: Mapping[str, Any], *, version: int,
                by: User | None) -> DeviceType:
    """Raises Conflict when ``version`` is not the stored one (someone edited meanwhile)."""
    check_version(device_type.version, version)
    before = _snapshot(device_type, TYPE_FIELDS)
    for field in TYPE_FIELDS:
        if field in changes:
            setattr(device_type, field, changes[field])
    changed = audit.diff(before, _snapshot(device_type, TYPE_FIELDS))
    if changed:
        db.session.flush()
        audit.record(by, "device_type.updated", "device_type", device_type.code, changed)
    return device_type


# --- devices ------------------------------------------------------------------------

def get_device(tag: str) -> Device:
    """Raises NotFound for an unknown tag."""
    found = db.session.scalar(select(Device).where(Device.tag == (tag or "").strip().upper()))
    if found is None:
        raise NotFound(_l("There is no device with the tag %(tag)s.", tag=tag), {"tag": [_l("Unknown tag.")]})
    return found


def first_available_of(type_code: str) -> Device | None:
    return db.session.scalar(select(Device).join(Device.type).where(
        DeviceType.code == type_code, Device.status == DeviceStatus.AVAILABLE).order_by(Device.tag).limit(1))


def device_url(tag: str) -> str:
    """The address a label's QR code carries: ``{BASE_URL}/d/{tag}``."""
    base = current_app.config.get("BASE_URL") or (request.url_root.rstrip("/") if has_request_context() else "")
    return f"{base or 'http://127.0.0.1:5000'}/d/{tag}"


def device_query(q: str = "", type_code: str = "", status: DeviceStatus | None = None):
    """The device list as a select, filtered by tag/serial/brand text, type and status."""
    query = select(Device).order_by(Device.tag)
    if q:
        text = q.strip()
        query = query.where(or_(*(contains_text(column, text)
                                  for column in (Device.tag, Device.serial, Device.brand, Device.model))))
    if type_code:
        query = query.where(Device.type_id.in_(select(DeviceType.id).where(DeviceType.code == type_code.upper())))
    if status:
        query = query.where(Device.status == status)
    return query


def _next_tag(device_type: DeviceType) -> str:
    # One statement bumps and reads the counter, so two workers never get the same number.
    number = db.session.execute(
        update(DeviceType).where(DeviceType.id == device_type.id)
        .values(tag_counter=DeviceType.tag_counter + 1)
        .returning(DeviceType.tag_counter)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    prefix = current_app.config["TAG_PREFIX"].upper()
    if not TAG_PREFIX_RE.match(prefix):
        raise ValidationError(_l("The TAG_PREFIX setting is not valid."),
                              {"TAG_PREFIX": [_l("Use 1 to 8 letters or digits.")]})
    return f"{prefix}-{device_type.code}-{number:05d}"


def register_device(device_type: DeviceType, data: Mapping[str, Any], *, by: User | None) -> Device:
    """Register a device of ``device_type`` with a freshly generated tag."""
    device = Device(tag=_next_tag(device_type), type=device_type,
                    **{f: data[f] for f in DEVICE_FIELDS if f in data and data[f] is not None})
    status = data.get("status")
    if status is not None and status != DeviceStatus.AVAILABLE:
        # Registering a device straight into another state (taking over an old register)
        # bypasses the lifecycle, so only an admin may do it.
        if not STEPS.allows(by, "set_status"):
            raise PermissionDenied(_l("Only an admin may register a device in another status than %(state)s.",
                                      state=STATUS_LABELS[DeviceStatus.AVAILABLE]),
                                   {"status": [_l("Only an admin may set the status.")]})
        device.status = status
    db.session.add(device)
    db.session.flush()
    audit.record(by, "device.created", "device", device.tag,
                 {f: [None, v] for f, v in _snapshot(device, DEVICE_FIELDS + ("status",)).items()
                  if v not in (None, "")})
    if device.status == DeviceStatus.AVAILABLE:
        device_available.send(device, by=by)
    return device


def set_status(device: Device, new: DeviceStatus, *, expect: tuple[DeviceStatus, ...], by: User | None,
               action: str, changes: Mapping[str, Any] | None = None) -> Device:
    """Move a device between states with a conditional UPDATE; the lifecycle's one door.

    The UPDATE only touches the row while its status is one of ``expect``, so of two
    people acting on the same device at once exactly one succeeds; the other gets
    InvalidTransition naming the state it found.
    """
    db.session.flush()  # pending edits first, so the version compared below is the stored one
    current = device.status
    if current not in expect:
        raise InvalidTransition(_l("%(tag)s is %(state)s; this step needs it to be %(needed)s.", tag=device.tag,
                                   state=STATUS_LABELS[current], needed=Joined(STATUS_LABELS[s] for s in expect)),
                                current.value)
    result = db.session.execute(
        update(Device).where(Device.id == device.id, Device.status.in_(expect), Device.version == device.version)
        .values(status=new, version=Device.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(device)
        raise InvalidTransition(_l("Someone else changed %(tag)s meanwhile; it is now %(state)s.", tag=device.tag,
                                   state=STATUS_LABELS[device.status]), device.status.value)
    db.session.refresh(device)
    audit.record(by, action, "device", device.tag, {"status": [current, new], **(changes or {})})
    device_status_changed.send(device, old=current, new=new, by=by)
    if new == DeviceStatus.AVAILABLE:
        device_available.send(device, by=by)
    return device


def update_device(device: Device, changes: Mapping[str, Any], *, version: int, by: User | None) -> Device:
    """Edit a device's details.

    Raises Conflict for a stale ``version``. A change of ``status`` here is a manual
    correction outside the lifecycle; only an admin may make it (PermissionDenied).
    """
    check_version(device.version, version)
    fields = DEVICE_FIELDS
    if "status" in changes and changes["status"] != device.status:
        if not STEPS.allows(by, "set_status"):
            raise PermissionDenied(_l("Only an admin may correct a device's status by hand."),
                                   {"status": [_l("Only an admin may change the status directly.")]})
        if changes["status"] in (DeviceStatus.RETIRED, DeviceStatus.LOST):
            raise ValidationError(
                _l("A device leaves service only through a request that a supervisor approves."),
                {"status": [_l("Ask for retirement on the device's page; a supervisor approves it.")]})
        fields = DEVICE_FIELDS + ("status",)
    before = _snapshot(device, fields)
    for field in fields:
        if field in changes:
            setattr(device, field, changes[field])
    changed = audit.diff(before, _snapshot(device, fields))
    if changed:
        db.session.flush()
        action = "device.status_corrected" if "status" in changed else "device.updated"
        audit.record(by, action, "device", device.tag, changed)
    return device


def device_history(device: Device, limit: int | None = None):
    return audit.history("device", device.tag, limit)


# --- scans and public reports --------------------------------------------------------

def record_scan(device: Device, user: User | None, *, client_key: str | None = None,
                repeat_window: dt.timedelta | None = None) -> ScanEvent | None:
    """Log an opening of the device's scan page.

    An anonymous visitor's openings from the same client (``client_key``) within
    ``repeat_window`` of their last logged one are the same scan: nothing more is written
    (returns None), so that reloading the public page cannot fill the table.
    """
    if user is None and client_key and repeat_window:
        seen = db.session.scalar(select(ScanEvent.id).where(
            ScanEvent.device_id == device.id, ScanEvent.client_key == client_key, ScanEvent.user_id.is_(None),
            ScanEvent.at > utcnow() - repeat_window).limit(1))
        if seen is not None:
            return None
    scan = ScanEvent(device_id=device.id, user_id=user.id if user else None,
                     client_key=client_key if user is None else None)
    db.session.add(scan)
    db.session.flush()
    return scan


def recent_scans(device: Device, limit: int = 5) -> list[ScanEvent]:
    return list(db.session.scalars(
        select(ScanEvent).options(joinedload(ScanEvent.user).lazyload(User.role_rows))  # names only
        .where(ScanEvent.device_id == device.id).order_by(ScanEvent.id.desc()).limit(limit)))


def report_problem(device: Device, kind: ReportKind, message: str, contact_name: str = "",
                   contact_phone: str = "", *, source: ReportSource = ReportSource.PUBLIC,
                   by: User | None = None) -> ProblemReport:
    """A report on a device, from the public scan page or found at a follow-up visit."""
    report = ProblemReport(device_id=device.id, kind=kind, message=message.strip(),
                           contact_name=contact_name.strip(), contact_phone=contact_phone.strip(),
                           source=source, reported_by_id=by.id if by else None)
    db.session.add(report)
    db.session.flush()
    # The reporter's name and phone are personal data: keep them out of the audit trail.
    audit.record(by, "device.problem_reported", "device", device.tag, {"kind": kind.value, "source": source.value})
    problem_reported.send(device, report=report, by=by)
    return report


def open_reports(device: Device, kind: ReportKind | None = None) -> list[ProblemReport]:
    query = select(ProblemReport).where(ProblemReport.device_id == device.id, ProblemReport.handled_at.is_(None))
    if kind is not None:
        query = query.where(ProblemReport.kind == kind)
    return list(db.session.scalars(query.order_by(ProblemReport.id.desc())))


def mark_report_handled(report: ProblemReport, *, by: User) -> ProblemReport:
    """Raises Conflict when the report was already handled."""
    STEPS.check(by, "handle_report")
    if report.handled_at is not None:
        raise Conflict(_l("This report was handled already."), {"state": ["handled"]})
    report.handled_at = utcnow()
    report.handled_by_id = by.id
    db.session.flush()
    audit.record(by, "device.report_handled", "device", report.device.tag, {"report": report.id})
    report_handled.send(report.device, report=report, by=by)
    if report.device.can_be_lent():
        device_available.send(report.device, by=by)  # it may have been held back by this report
    return report


# --- what the other domains add to the device pages (devices/signals.py) ---------------------

def next_actions(device: Device, user: User) -> list[dict[str, Any]]:
    """The steps the device's status allows that this user's roles may take, in lifecycle order."""
    steps = sorted((step for found in answers(next_steps, device, user=user) for step in found),
                   key=lambda step: step.rank)
    return [{"key": step.key, "label": step.label, "endpoint": step.endpoint, "method": step.method}
            for step in steps]


def scan_panels(device: Device, user: User) -> list[dict[str, Any]]:
    return answers(scan_signal, device, user=user)


def device_panels(device: Device, user: User) -> list[dict[str, Any]]:
    return answers(panels_signal, device, user=user)


def device_flags(devices: list[Device]) -> dict[int, list[str]]:
    """Notes about some of these devices, by device id, from every domain that adds any."""
    notes: dict[int, list[str]] = {}
    for flags in answers(flags_signal, None, devices=devices):
        for device_id, label in flags.items():
            notes.setdefault(device_id, []).append(label)
    return notes
