"""The waitlist and reservations: who is next for a device of each type, and holding one.

Approved items with no device wait in order of urgency, then dependency (bed-bound first),
then how long they have waited. When a device becomes lendable, the head of its type's
queue is proposed it. Reserving a device for anyone else ahead of the queue needs a reason.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import case, select

from core import audit
from core.db import db, utcnow
from core.errors import Conflict, InvalidTransition, ValidationError
from core.users import User
from devices import holds
from devices import services as devices
from devices.labels import TypeName
from devices.models import Device, DeviceStatus, DeviceType
from lending.labels import REQUEST_STATUS_LABELS
from lending.models import (GROUP_RANK, RESERVABLE_ITEM_STATES, URGENCY_RANK, ItemStatus, LendingRequest,
                            RequestItem)
from lending.services.pipeline import expect_item, first_available, get_item, item_step
from lending.steps import STEPS

I = ItemStatus  # noqa: E741


def _lend_type_id():
    return case((RequestItem.recommended_type_id.is_(None), RequestItem.device_type_id),
                else_=RequestItem.recommended_type_id)


def waitlist_query(device_type: DeviceType | None = None):
    """Waitlisted items: most urgent first, then the most dependent, then the oldest."""
    urgency = case(*((LendingRequest.urgency == u, rank) for u, rank in URGENCY_RANK.items()), else_=9)
    group = case(*((LendingRequest.dependency_group == g, rank) for g, rank in GROUP_RANK.items()), else_=9)
    query = (select(RequestItem).join(RequestItem.request).where(RequestItem.status == I.WAITLISTED)
             .order_by(urgency, group, RequestItem.waitlisted_at, RequestItem.id))
    if device_type is not None:
        query = query.where(_lend_type_id() == device_type.id)
    return query


def waitlisted_requests(device_type: DeviceType | None = None) -> list[LendingRequest]:
    """The requests of the waitlist, in the order their first waiting item will be served."""
    return list(dict.fromkeys(item.request for item in db.session.scalars(waitlist_query(device_type))))


def _queue_key(item: RequestItem) -> tuple:
    req = item.request
    waiting_since = item.waitlisted_at or item.decided_at or req.created_at
    return (URGENCY_RANK.get(req.urgency, 9), GROUP_RANK.get(req.dependency_group, 9), waiting_since, item.id)


def ahead_in_queue(item: RequestItem) -> list[RequestItem]:
    """Approved or waitlisted items of the same type that come before this one (the
    waitlist's order: urgency, dependency, then who has waited longest)."""
    others = db.session.scalars(select(RequestItem).where(
        RequestItem.status.in_(RESERVABLE_ITEM_STATES), RequestItem.id != item.id,
        _lend_type_id() == item.lend_type.id))
    mine = _queue_key(item)
    return sorted((other for other in others if _queue_key(other) < mine), key=_queue_key)


def propose_to_waitlist(device: Device, by: User | None = None) -> RequestItem | None:
    """Offer a device that became lendable to the head of its type's waitlist."""
    already = db.session.scalar(select(RequestItem.id).where(RequestItem.proposed_device_id == device.id,
                                                             RequestItem.status.in_(RESERVABLE_ITEM_STATES)))
    if already is not None or holds.blocking_for([device]).get(device.id):
        return None
    for item in db.session.scalars(waitlist_query(device.type)):
        proposed = item.proposed_device
        if proposed is None or proposed.status != DeviceStatus.AVAILABLE:
            item.proposed_device_id = device.id
            db.session.flush()
            audit.record(by, "request.device_proposed", "request", item.request_id,
                         {"item": item.id, "device": device.tag})
            return item
    return None


def item_for(req: LendingRequest, device: Device | None, item_id: int | None = None) -> RequestItem:
    """Which item of the request a step is about: the one named, else the one whose type the
    device is, else the only one waiting for a device."""
    if item_id is not None:
        return get_item(req, item_id)
    waiting = [item for item in req.items if item.is_reservable]
    if waiting and device is None:
        return waiting[0]
    if waiting:
        matching = [item for item in waiting if item.lend_type.id == device.type_id]
        if matching:
            return matching[0]
        if len(waiting) == 1:
            return waiting[0]   # reserve() names the type it must be
        raise ValidationError(_l("The device is of another type than the ones to lend."),
                              {"device_tag": [_l("Must be a device of a type this request waits for.")]})
    raise InvalidTransition(_l("Request %(id)d is %(state)s; no device of it waits to be reserved.", id=req.id,
                               state=REQUEST_STATUS_LABELS[req.status]), req.status.value)


def reserve(req: LendingRequest, device: Device | None = None, *, by: User, reason: str = "",
            item: RequestItem | None = None) -> RequestItem:
    """Hold a device for an approved or waitlisted item of a request; returns the item.

    The item is the one given, else the one of the device's type, else the only one
    waiting. Without ``device`` its proposed one is taken (or the first lendable one).
    Taking a device that was not proposed to this item while others wait ahead of it needs a
    ``reason`` (audited). Raises ValidationError for a device of another type or a missing
    reason, InvalidTransition when the device is not available, Conflict when no device of
    the type is lendable or the device is held back (devices.holds).
    """
    STEPS.check(by, "reserve")
    item = item or item_for(req, device)
    expect_item(item, *RESERVABLE_ITEM_STATES)
    if device is None:
        proposed = item.proposed_device
        device = proposed if (proposed is not None and proposed.status == DeviceStatus.AVAILABLE
                              and not holds.blocking_for([proposed]).get(proposed.id)) else None
        device = device or first_available(item.lend_type)
        if device is None:
            raise Conflict(_l("No %(type)s is available to lend; the request keeps waiting.",
                              type=TypeName(item.lend_type)),
                           {"device_tag": [_l("No device of this type is available.")]})
    if device.type_id != item.lend_type.id:
        raise ValidationError(_l("The device is of another type than the one to lend."),
                              {"device_tag": [_l("Must be a %(type)s.", type=TypeName(item.lend_type))]})
    if device.status == DeviceStatus.AVAILABLE:
        holds.check_lendable(device)
    # The device first (of two reserving it at once, one gets it and the other a 409), then the turn.
    devices.set_status(device, DeviceStatus.RESERVED, expect=(DeviceStatus.AVAILABLE,), by=by,
                       action="device.reserved", changes={"request": req.id})
    skipped = [] if device.id == item.proposed_device_id else ahead_in_queue(item)
    reason = (reason or "").strip()
    if skipped and not reason:
        raise ValidationError(
            lazy_ngettext("%(num)d request for this type waits ahead of this one; say why this one goes first.",
                          "%(num)d requests for this type wait ahead of this one; say why this one goes first.",
                          len(skipped)), {"reason": [_l("A reason is required to go ahead of the waitlist.")]})
    if skipped:
        audit.record(by, "request.reserved_out_of_turn", "request", req.id,
                     {"item": item.id, "reason": reason, "ahead": [other.request_id for other in skipped]})
    item.device_id = device.id
    item.proposed_device_id = None
    item.reserved_at = utcnow()
    item_step(item, I.RESERVED, by, "request.reserved", {"device": device.tag})
    _repropose(device, by)
    return item


def _repropose(taken: Device, by: User | None) -> None:
    """Whoever else was proposed the device just reserved is offered another lendable one, if any."""
    for other in db.session.scalars(select(RequestItem).where(RequestItem.proposed_device_id == taken.id,
                                                              RequestItem.status.in_(RESERVABLE_ITEM_STATES))):
        replacement = first_available(other.lend_type, unclaimed=True)
        other.proposed_device_id = replacement.id if replacement is not None else None
        db.session.flush()
        audit.record(by, "request.device_proposed", "request", other.request_id,
                     {"item": other.id, "device": replacement.tag if replacement else None, "instead_of": taken.tag})
