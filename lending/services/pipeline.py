"""The request pipeline: intake, the home assessment, the decision and cancellation.

A request may ask for several devices (items). The person is assessed once; the supervisor
decides each item; from then on the request's status follows its items (``sync_status``).
Reservation and the waitlist are in ``lending.services.waitlist``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import audit, clock, dates
from core.db import db, utcnow
from core.errors import Conflict, InvalidTransition, NotFound, ValidationError
from core.users import Role, User
from devices import holds
from devices import services as devices
from devices.labels import TypeName
from devices.models import Device, DeviceStatus, DeviceType
from lending import adl
from lending.labels import ITEM_STATUS_LABELS, REQUEST_STATUS_LABELS
from lending.models import (OPEN_REQUEST_STATES, RESERVABLE_ITEM_STATES, Assessment, Channel, ItemStatus,
                            LendingRequest, Person, RequestItem, RequestStatus, Urgency)
from lending.steps import STEPS

S = RequestStatus
I = ItemStatus  # noqa: E741 - the item states read best short
ASSESSABLE = (S.SUBMITTED, S.ASSESSMENT_SCHEDULED, S.ASSESSED)
ASSESSMENT_FIELDS = ("weight_kg", "height_cm", "seat_width_cm", "doorway_width_cm", "steps_at_entrance", "floor",
                     "bedside_space_cm", "notes")
MAX_ITEMS = 6
BEFORE_DELIVERY = (I.REQUESTED, I.APPROVED, I.WAITLISTED, I.RESERVED)
# An open request shows at the step of its least advanced open item.
ITEM_STEP = {I.APPROVED: S.APPROVED, I.WAITLISTED: S.WAITLISTED, I.RESERVED: S.RESERVED, I.DELIVERED: S.DELIVERED}
STEP_ORDER = (I.APPROVED, I.WAITLISTED, I.RESERVED, I.DELIVERED)


def _either(labels, states) -> str:
    return _Joined([labels[s] for s in states])


class _Joined:
    """Labels joined when the message is shown, in the reader's language."""

    def __init__(self, parts):
        self.parts = parts

    def __str__(self) -> str:
        return " / ".join(str(p) for p in self.parts)


def expect_status(req: LendingRequest, *states: RequestStatus) -> None:
    if req.status not in states:
        raise InvalidTransition(
            _l("Request %(id)d is %(state)s; this step needs it to be %(needed)s.", id=req.id,
               state=REQUEST_STATUS_LABELS[req.status], needed=_either(REQUEST_STATUS_LABELS, states)),
            req.status.value)


def expect_item(item: RequestItem, *states: ItemStatus) -> None:
    if item.status not in states:
        raise InvalidTransition(
            _l("The %(type)s of request %(id)d is %(state)s; this step needs it to be %(needed)s.",
               type=TypeName(item.device_type), id=item.request_id, state=ITEM_STATUS_LABELS[item.status],
               needed=_either(ITEM_STATUS_LABELS, states)), item.status.value)


def move_to(req: LendingRequest, new: RequestStatus, by: User | None, action: str,
            changes: Mapping[str, Any] | None = None) -> None:
    """A step of the whole request (intake to assessment), audited."""
    old = req.status
    req.status = new
    req.status_changed_at = utcnow()
    db.session.flush()
    audit.record(by, action, "request", req.id, {"status": [old, new], **(changes or {})})


BEFORE_ASSESSMENT = (S.SUBMITTED, S.ASSESSMENT_SCHEDULED)


def derived_status(req: LendingRequest) -> RequestStatus:
    """The request's status after the decision, from its items."""
    states = [item.status for item in req.items]
    if I.REQUESTED in states:
        return S.ASSESSED   # some items still wait for the supervisor
    for step in STEP_ORDER:
        if step in states:
            return ITEM_STEP[step]
    if I.RETURNED in states:
        return S.CLOSED
    if states and all(state == I.REJECTED for state in states):
        return S.REJECTED
    return S.CANCELLED


def item_step(item: RequestItem, new: ItemStatus, by: User | None, action: str,
              changes: Mapping[str, Any] | None = None) -> None:
    """Move one item, keep the request's status in step with its items; one audit event."""
    req = item.request
    old_item, old_request = item.status, req.status
    item.status = new
    if new in (I.RETURNED, I.REJECTED, I.CANCELLED):
        item.closed_at = utcnow()
    new_request = derived_status(req)
    if old_request in BEFORE_ASSESSMENT and new_request != S.CANCELLED:
        new_request = old_request   # items still wait for their assessment: the request has not moved
    details = {"item": item.id, "device_type": item.device_type.code, "item_status": [old_item, new],
               **(changes or {})}
    if new_request != old_request:
        req.status = new_request
        req.status_changed_at = utcnow()
        details["status"] = [old_request, new_request]
        if new_request not in OPEN_REQUEST_STATES:
            req.closed_at = utcnow()
    db.session.flush()
    audit.record(by, action, "request", req.id, details)


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
        raise NotFound(_l("There is no request %(id)d.", id=request_id), {"id": [_l("Unknown request.")]})
    return req


def get_item(req: LendingRequest, item_id: int) -> RequestItem:
    for item in req.items:
        if item.id == item_id:
            return item
    raise NotFound(_l("Request %(id)d has no item %(item)d.", id=req.id, item=item_id),
                   {"item_id": [_l("Not an item of this request.")]})


# --- intake ---------------------------------------------------------------------------

def submit(person: Person, device_types: DeviceType | Sequence[DeviceType], data: Mapping[str, Any], *,
           by: User) -> LendingRequest:
    """A new request from any channel, for one device or several (a bed and an air mattress).

    Raises ValidationError for an unknown channel or urgency, no device or the same type
    twice; Conflict when the person has died, withdrew consent or was anonymised.
    """
    STEPS.check(by, "submit")
    types = [device_types] if isinstance(device_types, DeviceType) else list(device_types)
    errors: dict[str, list] = {}
    try:
        channel = Channel(data.get("channel"))
    except ValueError:
        errors["channel"] = [_l("Choose one of the channels.")]
    try:
        urgency = Urgency(data.get("urgency") or Urgency.NORMAL)
    except ValueError:
        errors["urgency"] = [_l("Choose one of the urgency levels.")]
    if not types:
        errors["device_type"] = [_l("Ask for at least one device.")]
    elif len(types) > MAX_ITEMS or len({t.id for t in types}) != len(types):
        errors["device_types"] = [_l("Each device type once, and no more than %(most)s types.", most=MAX_ITEMS)]
    if errors:
        raise ValidationError(_l("The request cannot be recorded."), errors)
    if person.is_deceased:
        raise Conflict(_l("%(name)s has died; no new request can be taken.", name=person.full_name),
                       {"life_status": [person.life_status.value]})
    if person.erased_at is not None:
        raise Conflict(_l("This person's data was anonymised; no new request can be taken."),
                       {"state": ["erased"]})
    if not person.has_consent:
        raise Conflict(_l("%(name)s has withdrawn consent (PDPA); record consent again before a new request.",
                          name=person.full_name), {"state": ["consent_withdrawn"]})
    req = LendingRequest(person=person, channel=channel, urgency=urgency,
                         requested_by_name=(data.get("requested_by_name") or "").strip(),
                         requested_by_relation=(data.get("requested_by_relation") or "").strip(),
                         requested_by_phone=(data.get("requested_by_phone") or "").strip(),
                         reason=(data.get("reason") or "").strip(), created_by_id=by.id,
                         items=[RequestItem(device_type=t) for t in types])
    db.session.add(req)
    db.session.flush()
    audit.record(by, "request.submitted", "request", req.id,
                 {"status": [None, S.SUBMITTED], "device_types": [None, [t.code for t in types]],
                  "channel": [None, channel], "urgency": [None, urgency]})
    return req


def schedule_assessment(req: LendingRequest, due_on: dt.date, assessor: User | None, *, by: User) -> LendingRequest:
    STEPS.check(by, "submit")
    expect_status(req, S.SUBMITTED, S.ASSESSMENT_SCHEDULED)
    if assessor is not None and not assessor.has_role(Role.ASSESSOR):
        raise ValidationError(_l("The chosen user is not an assessor."),
                              {"assessor": [_l("Must hold the assessor role.")]})
    req.assessment_due_on = due_on
    req.assessor_id = assessor.id if assessor else None
    move_to(req, S.ASSESSMENT_SCHEDULED, by, "request.assessment_scheduled",
            {"due_on": due_on, "assessor": assessor.username if assessor else None})
    return req


# --- assessment -------------------------------------------------------------------------

def record_assessment(req: LendingRequest, data: Mapping[str, Any], *, by: User) -> Assessment:
    """The home visit: Barthel ADL, body and home fit, suitability, recommended types.

    ``adl_total`` and ``dependency_group`` are computed; when the caller sends them too
    they must agree (ValidationError otherwise). ``recommended_type`` is for the first item;
    ``recommendations`` maps other items' ids to the type the assessor recommends.
    """
    STEPS.check(by, "assess")
    expect_status(req, *ASSESSABLE)
    if any(item.status != I.REQUESTED for item in req.items):
        raise InvalidTransition(_l("Request %(id)d is partly decided; it can no longer be assessed again.",
                                   id=req.id), req.status.value)
    items = list(data.get("adl_items") or [])
    errors = adl.item_errors(items)
    if errors:
        raise ValidationError(_l("The ADL scores are not valid."), {"adl_items": errors})
    total = adl.total(items)
    group = adl.dependency_group(total)
    if data.get("adl_total") is not None and data["adl_total"] != total:
        raise ValidationError(_l("The ADL total does not match the items."),
                              {"adl_total": [_l("The items add up to %(total)d.", total=total)]})
    if data.get("dependency_group") is not None and data["dependency_group"] != group:
        raise ValidationError(_l("The dependency group does not match the total."),
                              {"dependency_group": [_l("An ADL total of %(total)d is %(group)s.", total=total,
                                                       group=adl.GROUP_LABELS[group])]})
    if data.get("suitable") is None:
        raise ValidationError(_l("Say whether the device suits the person and the home."),
                              {"suitable": [_l("This field is required.")]})
    assessed_on = data.get("assessed_on") or clock.today()
    wrong_date = visit_date_errors(assessed_on, clock.local_date(req.created_at),
                                   lambda date: _l("The visit cannot be dated before the request came in, "
                                                   "on %(date)s.", date=date))
    if wrong_date:
        raise ValidationError(_l("The assessment cannot be recorded."), {"assessed_on": wrong_date})
    recommended = {req.items[0].id: data.get("recommended_type") or req.items[0].device_type}
    for item_id, device_type in (data.get("recommendations") or {}).items():
        recommended[get_item(req, int(item_id)).id] = device_type
    assessment = Assessment(request=req, assessor_id=by.id, assessed_on=assessed_on, adl_items=items,
                            adl_total=total, dependency_group=group, suitable=bool(data["suitable"]),
                            recommended_type=recommended[req.items[0].id],
                            **{f: data[f] for f in ASSESSMENT_FIELDS if data.get(f) is not None})
    db.session.add(assessment)
    for item in req.items:
        if item.id in recommended:
            chosen = recommended[item.id]
            item.recommended_type = chosen if chosen.id != item.device_type_id else None
    req.dependency_group = group
    move_to(req, S.ASSESSED, by, "request.assessed",
            {"adl_total": total, "dependency_group": group, "suitable": bool(data["suitable"]),
             "recommended_types": [item.lend_type.code for item in req.items]})
    return assessment


# --- decision and cancellation ------------------------------------------------------------

def first_available(device_type: DeviceType, *, unclaimed: bool = False) -> Device | None:
    """The first lendable device of a type (available, nothing holding it back);
    ``unclaimed`` skips those proposed to another request."""
    query = select(Device).where(Device.type_id == device_type.id, Device.status == DeviceStatus.AVAILABLE)
    if unclaimed:
        claimed = select(RequestItem.proposed_device_id).where(
            RequestItem.status.in_(RESERVABLE_ITEM_STATES), RequestItem.proposed_device_id.is_not(None))
        query = query.where(Device.id.not_in(claimed))
    return holds.first_lendable(db.session.scalars(query.order_by(Device.tag)))


def decide(req: LendingRequest, approved: bool, reason: str, *, by: User,
           items: Iterable[RequestItem] | None = None) -> LendingRequest:
    """A supervisor approves or rejects an assessed request: every item still undecided, or
    the ``items`` given (each decided on its own).

    Approved: a lendable device of the type is proposed; with none the item joins the
    waitlist. A rejection needs a reason (ValidationError).
    """
    STEPS.check(by, "decide")
    expect_status(req, S.ASSESSED)
    reason = (reason or "").strip()
    if not approved and not reason:
        raise ValidationError(_l("A rejection needs a reason."), {"reason": [_l("Required when rejecting.")]})
    chosen = list(items) if items is not None else [item for item in req.items if item.status == I.REQUESTED]
    for item in chosen:
        expect_item(item, I.REQUESTED)
    if not chosen:
        raise Conflict(_l("Every item of request %(id)d is decided already.", id=req.id), {"state": [req.status]})
    for item in chosen:
        item.decided_at, item.decided_by_id, item.decision_reason = utcnow(), by.id, reason
        if not approved:
            item_step(item, I.REJECTED, by, "request.rejected", {"reason": reason})
            continue
        device = first_available(item.lend_type, unclaimed=True)
        if device is None:
            item.waitlisted_at = utcnow()
            item_step(item, I.WAITLISTED, by, "request.waitlisted", {"reason": reason} if reason else None)
        else:
            item.proposed_device_id = device.id
            item_step(item, I.APPROVED, by, "request.approved",
                      {"device": device.tag, **({"reason": reason} if reason else {})})
    return req


def cancel(req: LendingRequest, reason: str, *, by: User,
           items: Iterable[RequestItem] | None = None) -> LendingRequest:
    """Cancel what is still open of a request before delivery (or the ``items`` given): a
    reserved device goes back on the shelf (and to the waitlist). Devices already at the home
    stay on loan until they come back."""
    STEPS.check(by, "cancel")
    expect_status(req, *OPEN_REQUEST_STATES, S.DELIVERED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("A cancellation needs a reason."), {"reason": [_l("A reason is required.")]})
    chosen = list(items) if items is not None else [item for item in req.items if item.status in BEFORE_DELIVERY]
    if not chosen:
        raise InvalidTransition(_l("Request %(id)d is %(state)s; nothing of it can be cancelled, its devices are on "
                                   "loan.", id=req.id, state=REQUEST_STATUS_LABELS[req.status]), req.status.value)
    return cancel_items(req, chosen, reason, by=by)


def cancel_items(req: LendingRequest, chosen: list[RequestItem], reason: str, *, by: User | None) -> LendingRequest:
    """Cancel these items (not yet delivered) for ``reason``; the caller checked who may."""
    for item in chosen:
        expect_item(item, *BEFORE_DELIVERY)
    req.cancel_reason = reason
    for item in chosen:
        if item.status == I.RESERVED and item.device is not None:
            devices.set_status(item.device, DeviceStatus.AVAILABLE, expect=(DeviceStatus.RESERVED,), by=by,
                               action="device.reservation_released", changes={"request": req.id})
        item.proposed_device_id = None
        item.cancel_reason = reason
        item_step(item, I.CANCELLED, by, "request.cancelled", {"reason": reason})
    if req.status in (S.SUBMITTED, S.ASSESSMENT_SCHEDULED, S.ASSESSED) and derived_status(req) == S.CANCELLED:
        move_to(req, S.CANCELLED, by, "request.cancelled", {"reason": reason})
        req.closed_at = utcnow()
    return req


# --- lists ---------------------------------------------------------------------------------

def board_counts() -> dict[RequestStatus, int]:
    rows = db.session.execute(select(LendingRequest.status, db.func.count()).group_by(LendingRequest.status))
    return dict(rows.all())


def requests_query(status: RequestStatus | None = None, type_code: str = "", person_id: int | None = None):
    query = select(LendingRequest).order_by(LendingRequest.created_at.desc(), LendingRequest.id.desc())
    if status is not None:
        query = query.where(LendingRequest.status == status)
    if type_code:
        query = query.where(LendingRequest.items.any(RequestItem.device_type.has(DeviceType.code == type_code.upper())))
    if person_id is not None:
        query = query.where(LendingRequest.person_id == person_id)
    return query

