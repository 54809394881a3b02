"""Loans: delivery at the home, follow-up visits, pickups and returns."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import audit, clock, images
from core.db import db, utcnow
from core.errors import InvalidTransition, NotFound, ValidationError
from core.users import User
from devices import holds
from devices import services as devices
from devices.models import Condition, Device, DeviceStatus, ReportKind, ReportSource
from lending import adl
from devices.labels import TypeName
from lending.labels import REQUEST_STATUS_LABELS
from lending.models import (PICKUP_OUTCOMES, FollowUp, ItemStatus, LendingRequest, LifeStatus, Loan, Outcome,
                            RequestItem)
from lending.services import life
from lending.services.life import ask_pickup
from lending.services.pipeline import _Joined, item_step, visit_date_errors
from lending.steps import STEPS

LIFE_OUTCOMES = {Outcome.DIED: LifeStatus.DECEASED, Outcome.MOVED: LifeStatus.MOVED}

MAX_PHOTO_BYTES = 5 * 1024 * 1024


def get_loan(loan_id: int) -> Loan:
    loan = db.session.get(Loan, loan_id)
    if loan is None:
        raise NotFound(_l("There is no loan %(id)d.", id=loan_id), {"id": [_l("Unknown loan.")]})
    return loan


def open_loan_for(device: Device) -> Loan | None:
    return db.session.scalar(select(Loan).where(Loan.device_id == device.id, Loan.returned_at.is_(None)))


def reservation_for(device: Device) -> RequestItem | None:
    """The request item holding this reserved device."""
    return db.session.scalar(select(RequestItem).where(RequestItem.device_id == device.id,
                                                       RequestItem.status == ItemStatus.RESERVED))


def checklist(device: Device) -> list[str]:
    return list(device.type.instructions or [])


def _item_to_deliver(req: LendingRequest, device: Device) -> RequestItem:
    """The reserved item this device fulfils: the one holding it, else one of its type."""
    reserved = [item for item in req.items if item.status == ItemStatus.RESERVED]
    for item in reserved:
        if item.device_id == device.id:
            return item
    for item in reserved:
        if item.lend_type.id == device.type_id:
            return item
    if reserved:
        raise ValidationError(_l("The delivery cannot be recorded."), {"device_tag": [
            _l("Must be a %(type)s.", type=_Joined([TypeName(item.lend_type) for item in reserved]))]})
    raise InvalidTransition(_l("Request %(id)d is %(state)s; it has no device reserved to deliver.", id=req.id,
                               state=REQUEST_STATUS_LABELS[req.status]), req.status.value)


def deliver(req: LendingRequest, device: Device, *, instructions: Sequence[str], acknowledged_by: str,
            acknowledged_relation: str = "", by: User, expected_return_on: dt.date | None = None,
            latitude: float | None = None, longitude: float | None = None, photo: bytes | None = None,
            delivered_at: dt.datetime | None = None) -> Loan:
    """Hand a reserved device over at the home and open its loan.

    The device scanned may be the one reserved for an item of the request, or another
    available device of the same type (the reserved one then goes back on the shelf). Every
    point of the type's checklist must be acknowledged. Of two people delivering the same
    device at once, one succeeds and the other gets InvalidTransition; nothing is
    half-written. ``delivered_at`` is when it happened, if not now (a delivery recorded
    afterwards); the first follow-up is due that many days after the center's day of delivery.
    ``photo`` is the uploaded file as sent; what is kept is the server's JPEG of it
    (core.images); a file that is not an image is a ValidationError on ``photo``.
    """
    STEPS.check(by, "deliver")
    item = _item_to_deliver(req, device)
    errors: dict[str, list] = {}
    missing = [point for point in checklist(device) if point not in set(instructions)]
    if missing:
        errors["instructions"] = [_l("Not acknowledged: %(point)s", point=point) for point in missing]
    if not (acknowledged_by or "").strip():
        errors["acknowledged_by"] = [_l("The name of who received the instructions is required.")]
    if (latitude is None) != (longitude is None) or (latitude is not None and not (
            -90 <= latitude <= 90 and -180 <= longitude <= 180)):
        errors["location"] = [_l("Latitude and longitude go together and must be valid.")]
    if photo is not None and len(photo) > MAX_PHOTO_BYTES:
        errors["photo"] = [_l("At most 5 MB.")]
    elif photo is not None:
        try:
            photo = images.normalize(photo, "photo")
        except images.NotAnImage as exc:
            errors.update(exc.errors)
    delivered_at = delivered_at or clock.now()
    if delivered_at > clock.now():
        errors["delivered_at"] = [_l("A delivery cannot be recorded ahead of time.")]
    if errors:
        raise ValidationError(_l("The delivery cannot be recorded."), errors)
    holds.check_lendable(device)
    if device.id != item.device_id:
        # Staff took another chair of the same type from the shelf: swap the reservation.
        devices.set_status(device, DeviceStatus.ON_LOAN, expect=(DeviceStatus.AVAILABLE,), by=by,
                           action="device.delivered", changes={"request": req.id})
        devices.set_status(item.device, DeviceStatus.AVAILABLE, expect=(DeviceStatus.RESERVED,), by=by,
                           action="device.reservation_released", changes={"request": req.id})
        item.device_id = device.id
    else:
        devices.set_status(device, DeviceStatus.ON_LOAN, expect=(DeviceStatus.RESERVED,), by=by,
                           action="device.delivered", changes={"request": req.id})
    loan = Loan(device_id=device.id, person_id=req.person_id, request_id=req.id, item_id=item.id,
                delivered_by_id=by.id, instructions=list(dict.fromkeys(instructions)),
                acknowledged_by=acknowledged_by.strip(), acknowledged_relation=(acknowledged_relation or "").strip(),
                expected_return_on=expected_return_on, latitude=latitude, longitude=longitude, photo=photo,
                photo_type=images.MEDIA_TYPE if photo else "", delivered_at=delivered_at,
                next_follow_up_on=clock.local_date(delivered_at) + dt.timedelta(days=device.type.first_follow_up_days))
    db.session.add(loan)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the partial unique index: another open loan holds this device
        raise InvalidTransition(_l("%(tag)s is already on loan.", tag=device.tag), DeviceStatus.ON_LOAN.value) from exc
    holds.use_overrides(device)
    item.delivered_at = delivered_at
    item_step(item, ItemStatus.DELIVERED, by, "request.delivered", {"device": device.tag, "loan": loan.id})
    audit.record(by, "loan.opened", "loan", loan.id, {"device": device.tag, "request": req.id})
    return loan


def record_follow_up(loan: Loan, data: Mapping[str, Any], *, by: User) -> FollowUp:
    """A visit to the home: device in use, condition, ADL re-score, outcome, problems.

    A problem can raise a report on the device (maintenance opens a repair for it); died,
    moved and no longer needed schedule a pickup, and died or moved set the person's life
    status (life.set_life_status). ``visited_on`` (default: the center's today) may not be
    before the delivery nor in the future (ValidationError naming it).
    """
    STEPS.check(by, "follow_up")
    if not loan.is_open:
        raise InvalidTransition(_l("Loan %(number)s is closed.", number=loan.number), "closed")
    errors: dict[str, list] = {}
    items = data.get("adl_items")
    total = group = None
    if items:
        item_errors = adl.item_errors(list(items))
        if item_errors:
            errors["adl_items"] = item_errors
        else:
            total = adl.total(list(items))
            group = adl.dependency_group(total)
    for field, kind in (("outcome", Outcome), ("condition", Condition)):
        try:
            kind(data.get(field))
        except ValueError:
            errors[field] = [_l("Choose one of the options.")]
    if data.get("in_use") is None:
        errors["in_use"] = [_l("This field is required.")]
    visited_on = data.get("visited_on") or clock.today()
    wrong_date = visit_date_errors(visited_on, clock.local_date(loan.delivered_at),
                                   lambda date: _l("The visit cannot be dated before the delivery, on %(date)s.",
                                                   date=date))
    if wrong_date:
        errors["visited_on"] = wrong_date
    if errors:
        raise ValidationError(_l("The visit cannot be recorded."), errors)
    outcome = Outcome(data["outcome"])
    visit = FollowUp(loan=loan, visited_on=visited_on, visitor_id=by.id,
                     in_use=bool(data["in_use"]), condition=Condition(data["condition"]),
                     adl_items=list(items) if items else None, adl_total=total, dependency_group=group,
                     outcome=outcome, problems=(data.get("problems") or "").strip(),
                     notes=(data.get("notes") or "").strip())
    db.session.add(visit)
    if outcome in PICKUP_OUTCOMES:
        ask_pickup(loan, outcome, visited_on)
    else:
        loan.next_follow_up_on = visit.visited_on + dt.timedelta(days=loan.device.type.follow_up_interval_days)
    db.session.flush()
    if visit.problems and data.get("raise_problem"):
        devices.report_problem(loan.device, ReportKind.PROBLEM, visit.problems, source=ReportSource.FOLLOW_UP, by=by)
    audit.record(by, "loan.followed_up", "loan", loan.id,
                 {"outcome": outcome, "in_use": visit.in_use, "condition": visit.condition,
                  "adl_total": total, "pickup": outcome in PICKUP_OUTCOMES})
    if outcome in LIFE_OUTCOMES:
        life.set_life_status(loan.person, LIFE_OUTCOMES[outcome], visited_on, by=by)
    return visit


def receive_return(loan: Loan, condition: Condition, notes: str = "", *, by: User) -> Loan:
    """The device comes back: the loan closes (and the request, when nothing else of it is
    out), the device awaits cleaning."""
    STEPS.check(by, "deliver")
    if not loan.is_open:
        raise InvalidTransition(_l("Loan %(number)s was already returned.", number=loan.number), "closed")
    devices.set_status(loan.device, DeviceStatus.RETURNED, expect=(DeviceStatus.ON_LOAN,), by=by,
                       action="device.returned", changes={"loan": loan.id, "condition": [loan.device.condition,
                                                                                           condition]})
    loan.device.condition = condition
    loan.returned_at = utcnow()
    loan.returned_by_id = by.id
    loan.return_condition = condition
    loan.return_notes = (notes or "").strip()
    loan.next_follow_up_on = None
    item_step(loan.item, ItemStatus.RETURNED, by, "request.closed" if len(loan.request.open_items) == 1
              else "request.item_returned", {"loan": loan.id})
    audit.record(by, "loan.returned", "loan", loan.id, {"condition": condition})
    return loan


def release_without_cleaning(device: Device, *, by: User) -> Device:
    """Admin override: put a returned device back in stock before cleaning is recorded.

    Until the maintenance work orders exist this is the only way out of ``returned``;
    it is audited as an override.
    """
    STEPS.check(by, "release")
    return devices.set_status(device, DeviceStatus.AVAILABLE, expect=(DeviceStatus.RETURNED,), by=by,
                              action="device.released_without_cleaning")


# --- lists ----------------------------------------------------------------------------------

def due_follow_ups(today: dt.date, horizon_days: int = 7) -> list[tuple[tuple[str, str], list[Loan]]]:
    """Open loans with a visit due within ``horizon_days``, grouped by (tambon, moo)."""
    loans = sorted(db.session.scalars(
        select(Loan).join(Loan.person)
        .where(Loan.returned_at.is_(None), Loan.pickup_requested_on.is_(None),
               Loan.next_follow_up_on <= today + dt.timedelta(days=horizon_days))),
        key=lambda x: (x.person.tambon, _moo_order(x.person.moo), x.next_follow_up_on, x.id))
    return [(area, list(group)) for area, group in groupby(loans, key=lambda x: (x.person.tambon, x.person.moo))]


def _moo_order(moo: str) -> tuple[int, str]:
    # หมู่ 2 comes before หมู่ 10.
    return (int(moo), "") if moo.isdigit() else (10**6, moo)


def pickups() -> list[Loan]:
    return list(db.session.scalars(select(Loan).where(Loan.returned_at.is_(None),
                                                      Loan.pickup_requested_on.is_not(None))
                                   .order_by(Loan.pickup_requested_on, Loan.id)))


def loans_query(open_only: bool | None = None, person_id: int | None = None, device_id: int | None = None):
    query = select(Loan).order_by(Loan.delivered_at.desc(), Loan.id.desc())
    if open_only is True:
        query = query.where(Loan.returned_at.is_(None))
    elif open_only is False:
        query = query.where(Loan.returned_at.is_not(None))
    if person_id is not None:
        query = query.where(Loan.person_id == person_id)
    if device_id is not None:
        query = query.where(Loan.device_id == device_id)
    return query


def loan_times(device_ids) -> dict[int, tuple[list[dt.datetime], dt.date | None]]:
    """Each of these devices' deliveries and the next visit of its open loan, in one read by device
    (for preventive service on a scan page or a visit list)."""
    found: dict[int, tuple[list[dt.datetime], dt.date | None]] = {}
    for device_id, delivered_at, returned_at, next_visit in db.session.execute(
            select(Loan.device_id, Loan.delivered_at, Loan.returned_at, Loan.next_follow_up_on)
            .where(Loan.device_id.in_(list(device_ids)))):
        deliveries, visit = found.get(device_id, ([], None))
        deliveries.append(delivered_at)
        found[device_id] = (deliveries, next_visit if returned_at is None else visit)
    return found


def next_visits(device_ids=None) -> dict[int, dt.date | None]:
    """The next follow-up visit of each device's open loan."""
    query = select(Loan.device_id, Loan.next_follow_up_on).where(Loan.returned_at.is_(None))
    if device_ids is not None:
        query = query.where(Loan.device_id.in_(list(device_ids)))
    return dict(db.session.execute(query).all())


def loans_of_devices(device_ids) -> list[Loan]:
    """Every loan of the given devices (for the fund's impact figures)."""
    ids = list(device_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Loan).where(Loan.device_id.in_(ids))))
