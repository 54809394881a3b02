"""The request pipeline: intake, assessment, decision, waitlist and reservation."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import case, select

from core import audit, clock, dates
from core.db import db, utcnow
from core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationError
from core.users import Role, User
from devices import holds
from devices import services as devices
from devices.models import Device, DeviceStatus, DeviceType
from lending import adl
from lending.models import (GROUP_RANK, OPEN_REQUEST_STATES, URGENCY_RANK, Assessment, Channel, LendingRequest, Person,
                            RequestStatus, Urgency)

S = RequestStatus
ASSESSABLE = (S.SUBMITTED, S.ASSESSMENT_SCHEDULED, S.ASSESSED)
RESERVABLE = (S.APPROVED, S.WAITLISTED)
ASSESSMENT_FIELDS = ("weight_kg", "height_cm", "seat_width_cm", "doorway_width_cm", "steps_at_entrance", "floor",
                     "bedside_space_cm", "notes")


def require_roles(user: User, *roles: Role) -> None:
    if not user.has_role(Role.ADMIN, *roles):
        raise PermissionDenied("your role may not take this step")


def expect_status(req: LendingRequest, *states: RequestStatus) -> None:
    if req.status not in states:
        raise InvalidTransition(
            f"request {req.id} is {req.status.value}; this step needs it to be {' or '.join(s.value for s in states)}",
            req.status.value)


def move_to(req: LendingRequest, new: RequestStatus, by: User | None, action: str,
          changes: Mapping[str, Any] | None = None) -> None:
    old = req.status
    req.status = new
    req.status_changed_at = utcnow()
    db.session.flush()
    audit.record(by, action, "request", req.id, {"status": [old, new], **(changes or {})})


def visit_date_errors(day: dt.date, not_before: dt.date, too_early) -> list:
    """What is wrong with the date of a home visit: before what it follows (``too_early(date)``
    gives that message), or still to come."""
    if day < not_before:
        return [too_early(dates.LazyDate(not_before))]
    if day > clock.today():
        return [_l("The visit cannot be dated in the future.")]
    return []


def get_request(request_id: int) -> LendingRequest:
    req = db.session.get(LendingRequest, request_id)
    if req is None:
        raise NotFound(f"no request with id {request_id}", {"id": ["unknown request"]})
    return req


# --- intake ---------------------------------------------------------------------------

def submit(person: Person, device_type: DeviceType, data: Mapping[str, Any], *, by: User) -> LendingRequest:
    """A new request from any channel. Raises ValidationError for an unknown channel or urgency."""
    require_roles(by, Role.STAFF, Role.SUPERVISOR, Role.ASSESSOR)
    try:
        channel = Channel(data.get("channel"))
        urgency = Urgency(data.get("urgency") or Urgency.NORMAL)
    except ValueError as exc:
        raise ValidationError("unknown channel or urgency", {"channel": [", ".join(Channel)],
                                                            "urgency": [", ".join(Urgency)]}) from exc
    req = LendingRequest(person=person, device_type=device_type, channel=channel, urgency=urgency,
                         requested_by_name=(data.get("requested_by_name") or "").strip(),
                         requested_by_relation=(data.get("requested_by_relation") or "").strip(),
                         requested_by_phone=(data.get("requested_by_phone") or "").strip(),
                         reason=(data.get("reason") or "").strip(), created_by_id=by.id)
    db.session.add(req)
    db.session.flush()
    audit.record(by, "request.submitted", "request", req.id,
                 {"status": [None, S.SUBMITTED], "device_type": [None, device_type.code],
                  "channel": [None, channel], "urgency": [None, urgency]})
    return req


def schedule_assessment(req: LendingRequest, due_on: dt.date, assessor: User | None, *, by: User) -> LendingRequest:
    require_roles(by, Role.STAFF, Role.SUPERVISOR, Role.ASSESSOR)
    expect_status(req, S.SUBMITTED, S.ASSESSMENT_SCHEDULED)
    if assessor is not None and not assessor.has_role(Role.ASSESSOR):
        raise ValidationError("the chosen user is not an assessor", {"assessor": ["must hold the assessor role"]})
    req.assessment_due_on = due_on
    req.assessor_id = assessor.id if assessor else None
    move_to(req, S.ASSESSMENT_SCHEDULED, by, "request.assessment_scheduled",
          {"due_on": due_on, "assessor": assessor.username if assessor else None})
    return req


# --- assessment -------------------------------------------------------------------------

def record_assessment(req: LendingRequest, data: Mapping[str, Any], *, by: User) -> Assessment:
    """The home visit: Barthel ADL, body and home fit, suitability, recommended type.

    ``adl_total`` and ``dependency_group`` are computed; when the caller sends them too
    they must agree (ValidationError otherwise).
    """
    require_roles(by, Role.ASSESSOR)
    expect_status(req, *ASSESSABLE)
    items = list(data.get("adl_items") or [])
    errors = adl.item_errors(items)
    if errors:
        raise ValidationError("invalid ADL scores", {"adl_items": errors})
    total = adl.total(items)
    group = adl.dependency_group(total)
    if data.get("adl_total") is not None and data["adl_total"] != total:
        raise ValidationError("ADL total does not match the items", {"adl_total": [f"the items add up to {total}"]})
    if data.get("dependency_group") is not None and data["dependency_group"] != group:
        raise ValidationError("dependency group does not match the total",
                              {"dependency_group": [f"an ADL total of {total} is {group.value}"]})
    if data.get("suitable") is None:
        raise ValidationError("say whether the device suits the person and home", {"suitable": ["required"]})
    assessed_on = data.get("assessed_on") or clock.today()
    wrong_date = visit_date_errors(assessed_on, clock.local_date(req.created_at),
                                   lambda date: _l("The visit cannot be dated before the request came in, "
                                                   "on %(date)s.", date=date))
    if wrong_date:
        raise ValidationError(_l("The assessment cannot be recorded."), {"assessed_on": wrong_date})
    recommended = data.get("recommended_type") or req.device_type
    assessment = Assessment(request=req, assessor_id=by.id, assessed_on=assessed_on,
                            adl_items=items, adl_total=total, dependency_group=group, suitable=bool(data["suitable"]),
                            recommended_type=recommended,
                            **{f: data[f] for f in ASSESSMENT_FIELDS if data.get(f) is not None})
    db.session.add(assessment)
    req.recommended_type = recommended
    req.dependency_group = group
    move_to(req, S.ASSESSED, by, "request.assessed",
          {"adl_total": total, "dependency_group": group, "suitable": bool(data["suitable"]),
           "recommended_type": recommended.code})
    return assessment


# --- decision, waitlist, reservation ------------------------------------------------------

def first_available(device_type: DeviceType, *, unclaimed: bool = False) -> Device | None:
    """The first lendable device of a type (available, nothing holding it back);
    ``unclaimed`` skips those proposed to another request."""
    query = select(Device).where(Device.type_id == device_type.id, Device.status == DeviceStatus.AVAILABLE)
    if unclaimed:
        claimed = select(LendingRequest.proposed_device_id).where(
            LendingRequest.status.in_(RESERVABLE), LendingRequest.proposed_device_id.is_not(None))
        query = query.where(Device.id.not_in(claimed))
    return holds.first_lendable(db.session.scalars(query.order_by(Device.tag)))


def decide(req: LendingRequest, approved: bool, reason: str, *, by: User) -> LendingRequest:
    """A supervisor approves or rejects an assessed request.

    Approved: an available device of the type to lend is proposed; with none available
    the request joins the waitlist. A rejection needs a reason (ValidationError).
    """
    require_roles(by, Role.SUPERVISOR)
    expect_status(req, S.ASSESSED)
    reason = (reason or "").strip()
    req.decided_at = utcnow()
    req.decided_by_id = by.id
    req.decision_reason = reason
    if not approved:
        if not reason:
            raise ValidationError("a rejection needs a reason", {"reason": ["required when rejecting"]})
        move_to(req, S.REJECTED, by, "request.rejected", {"reason": reason})
        return req
    move_to(req, S.APPROVED, by, "request.approved", {"reason": reason} if reason else None)
    device = first_available(req.lend_type, unclaimed=True)
    if device is None:
        req.waitlisted_at = utcnow()
        move_to(req, S.WAITLISTED, by, "request.waitlisted", {"device_type": req.lend_type.code})
    else:
        _propose(req, device, by)
    return req


def _propose(req: LendingRequest, device: Device, by: User | None) -> None:
    req.proposed_device_id = device.id
    db.session.flush()
    audit.record(by, "request.device_proposed", "request", req.id, {"device": device.tag})


def waitlist_query(device_type: DeviceType | None = None):
    """Waitlisted requests: most urgent first, then the most dependent, then the oldest."""
    urgency = case(*((LendingRequest.urgency == u, rank) for u, rank in URGENCY_RANK.items()), else_=9)
    group = case(*((LendingRequest.dependency_group == g, rank) for g, rank in GROUP_RANK.items()), else_=9)
    query = (select(LendingRequest).where(LendingRequest.status == S.WAITLISTED)
             .order_by(urgency, group, LendingRequest.waitlisted_at, LendingRequest.id))
    if device_type is not None:
        query = query.where(case((LendingRequest.recommended_type_id.is_(None), LendingRequest.device_type_id),
                                 else_=LendingRequest.recommended_type_id) == device_type.id)
    return query


def propose_to_waitlist(device: Device, by: User | None = None) -> LendingRequest | None:
    """Offer a device that became available to the head of its type's waitlist."""
    already = db.session.scalar(select(LendingRequest.id).where(LendingRequest.proposed_device_id == device.id,
                                                                LendingRequest.status.in_(RESERVABLE)))
    if already is not None or holds.blocking_for([device]).get(device.id):
        return None
    for req in db.session.scalars(waitlist_query(device.type)):
        proposed = req.proposed_device
        if proposed is None or proposed.status != DeviceStatus.AVAILABLE:
            _propose(req, device, by)
            return req
    return None


def _queue_key(req: LendingRequest) -> tuple:
    waiting_since = req.waitlisted_at or req.decided_at or req.created_at
    return (URGENCY_RANK.get(req.urgency, 9), GROUP_RANK.get(req.dependency_group, 9), waiting_since, req.id)


def ahead_in_queue(req: LendingRequest) -> list[LendingRequest]:
    """Approved or waitlisted requests for the same type that come before this one (the
    waitlist's order: urgency, dependency, then who has waited longest)."""
    lend_type = req.lend_type.id
    others = db.session.scalars(select(LendingRequest).where(
        LendingRequest.status.in_(RESERVABLE), LendingRequest.id != req.id,
        case((LendingRequest.recommended_type_id.is_(None), LendingRequest.device_type_id),
             else_=LendingRequest.recommended_type_id) == lend_type))
    mine = _queue_key(req)
    return sorted((other for other in others if _queue_key(other) < mine), key=_queue_key)


def reserve(req: LendingRequest, device: Device | None = None, *, by: User, reason: str = "") -> LendingRequest:
    """Hold a device for an approved or waitlisted request.

    Without ``device`` the proposed one is taken (or the first lendable one). Taking a
    device that was not proposed to this request while others wait ahead of it needs a
    ``reason`` (audited). Raises ValidationError for a device of another type or a missing
    reason, InvalidTransition when the device is not available, Conflict when no device of
    the type is lendable or the device is held back (devices.holds).
    """
    require_roles(by, Role.STAFF, Role.SUPERVISOR)
    expect_status(req, *RESERVABLE)
    if device is None:
        proposed = req.proposed_device
        device = proposed if (proposed is not None and proposed.status == DeviceStatus.AVAILABLE
                              and not holds.blocking_for([proposed]).get(proposed.id)) else None
        device = device or first_available(req.lend_type)
        if device is None:
            raise Conflict(f"no {req.lend_type.code} device is available; the request stays {req.status.value}",
                           {"device_tag": ["no device of this type is available"]})
    if device.type_id != req.lend_type.id:
        raise ValidationError("the device is of another type than the one to lend",
                              {"device_tag": [f"must be a {req.lend_type.code} device"]})
    if device.status == DeviceStatus.AVAILABLE:
        holds.check_lendable(device)
    # The device first (of two reserving it at once, one gets it and the other a 409), then the turn.
    devices.set_status(device, DeviceStatus.RESERVED, expect=(DeviceStatus.AVAILABLE,), by=by,
                       action="device.reserved", changes={"request": req.id})
    skipped = [] if device.id == req.proposed_device_id else ahead_in_queue(req)
    reason = (reason or "").strip()
    if skipped and not reason:
        raise ValidationError(
            lazy_ngettext("%(num)d request for this type waits ahead of this one; say why this one goes first.",
                          "%(num)d requests for this type wait ahead of this one; say why this one goes first.",
                          len(skipped)), {"reason": [_l("A reason is required to go ahead of the waitlist.")]})
    if skipped:
        audit.record(by, "request.reserved_out_of_turn", "request", req.id,
                     {"reason": reason, "ahead": [other.id for other in skipped]})
    req.device_id = device.id
    req.proposed_device_id = None
    req.reserved_at = utcnow()
    move_to(req, S.RESERVED, by, "request.reserved", {"device": device.tag})
    return req


def cancel(req: LendingRequest, reason: str, *, by: User) -> LendingRequest:
    """Cancel an open request; a reserved device goes back on the shelf (and to the waitlist)."""
    require_roles(by, Role.STAFF, Role.SUPERVISOR)
    expect_status(req, *OPEN_REQUEST_STATES)
    if not (reason or "").strip():
        raise ValidationError("a cancellation needs a reason", {"reason": ["required"]})
    if req.status == S.RESERVED and req.device is not None:
        devices.set_status(req.device, DeviceStatus.AVAILABLE, expect=(DeviceStatus.RESERVED,), by=by,
                           action="device.reservation_released", changes={"request": req.id})
    req.cancel_reason = reason.strip()
    req.closed_at = utcnow()
    req.proposed_device_id = None
    move_to(req, S.CANCELLED, by, "request.cancelled", {"reason": reason.strip()})
    return req


def board_counts() -> dict[RequestStatus, int]:
    rows = db.session.execute(select(LendingRequest.status, db.func.count()).group_by(LendingRequest.status))
    return {status: count for status, count in rows}


def requests_query(status: RequestStatus | None = None, type_code: str = "", person_id: int | None = None):
    query = select(LendingRequest).order_by(LendingRequest.created_at.desc(), LendingRequest.id.desc())
    if status is not None:
        query = query.where(LendingRequest.status == status)
    if type_code:
        query = query.join(LendingRequest.device_type).where(DeviceType.code == type_code.upper())
    if person_id is not None:
        query = query.where(LendingRequest.person_id == person_id)
    return query
