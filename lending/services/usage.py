"""How much the devices were used, summed up by the database: loans, people, days at home.

For the fund's impact figures. For a set of devices given as a query (``select(...device
ids...)``) each function is one statement, whatever the number of loans: the days are computed
in SQL, not by loading the loans. For every loan of the program they are read from the sums
kept per device type (lending.models.totals).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from core.db import UTCDateTime, db
from devices.models import Device, DeviceType
from lending.models import Loan, LoanTotal
from lending.models.totals import count_all, millis, rebuild_in

DAY_SECONDS = 86400


@dataclass(frozen=True)
class DeviceUse:
    loans: int
    days: float              # days at home, each loan counted until its return or ``now``
    reference_price_satang: int


@dataclass(frozen=True)
class Totals:
    loans: int
    people: int
    devices: int
    days: float
    savings_satang: int      # the reference new price of each device placed, once per loan


def _days_at_home(now: dt.datetime) -> ColumnElement:
    """A loan's days at home until its return, or until ``now`` while it is out; none when it
    starts later (as ``max((end - delivered_at) / 1 day, 0)``)."""
    end = func.coalesce(Loan.returned_at, bindparam("now", now, type_=UTCDateTime))
    if db.session.get_bind().dialect.name == "sqlite":
        days = func.julianday(end) - func.julianday(Loan.delivered_at)
    else:
        days = func.extract("epoch", end - Loan.delivered_at) / DAY_SECONDS
    return case((days > 0, days), else_=0)


def by_device(devices: Select, now: dt.datetime) -> dict[int, DeviceUse]:
    """Device id -> its loans, days at home and its type's reference price, for the devices
    ``devices`` selects (those never lent are left out)."""
    rows = db.session.execute(
        select(Loan.device_id, func.count(Loan.id), func.sum(_days_at_home(now)), DeviceType.reference_price_satang)
        .join(Device, Device.id == Loan.device_id).join(DeviceType, DeviceType.id == Device.type_id)
        .where(Loan.device_id.in_(devices)).group_by(Loan.device_id, DeviceType.reference_price_satang))
    return {device_id: DeviceUse(count, float(days or 0), price or 0) for device_id, count, days, price in rows}


def people_served(devices: Select) -> int:
    """How many different people borrowed one of the devices ``devices`` selects."""
    return db.session.scalar(select(func.count(func.distinct(Loan.person_id))).where(Loan.device_id.in_(devices)))


def totals(now: dt.datetime) -> Totals:
    """Every loan of the program: how many, to how many people, of how many devices, the days at
    home until ``now`` and the savings to families. Read from the rows kept per type
    (lending.models.totals) in two statements, whatever the number of loans."""
    rows = db.session.execute(select(LoanTotal, DeviceType.reference_price_satang)
                              .join(DeviceType, DeviceType.id == LoanTotal.type_id)).all()
    if not rows and db.session.scalar(select(Loan.id).limit(1)) is not None:
        # Loaded in bulk, past the ORM, and not counted yet (flask lending rebuild-totals): count
        # now, slowly but rightly, and keep nothing (a page does not write).
        prices = dict(db.session.execute(select(DeviceType.id, DeviceType.reference_price_satang)).all())
        rows = [(LoanTotal(type_id=type_id, **row), prices.get(type_id))
                for type_id, row in count_all(db.session.connection()).items()]
    now_ms = millis(now)
    # An open loan delivered after ``now`` has no days yet (not negative ones): few, found by the index.
    # (Asked by the delivery time alone: the index on it finds the few; open loans are many.)
    later = sum(millis(delivered_at) - now_ms for delivered_at, returned_at in db.session.execute(
        select(Loan.delivered_at, Loan.returned_at).where(Loan.delivered_at > now)) if returned_at is None)
    ms = sum(row.closed_ms + row.open_loans * now_ms - row.open_since_ms for row, _ in rows) + later
    return Totals(loans=sum(row.loans for row, _ in rows), people=sum(row.people for row, _ in rows),
                  devices=sum(row.devices for row, _ in rows), days=ms / (DAY_SECONDS * 1000),
                  savings_satang=sum(row.loans * (price or 0) for row, price in rows))


def rebuild() -> dict[int, dict[str, int]]:
    """Count the rows kept per type again from every loan (after a bulk load); returns them."""
    db.session.flush()
    return rebuild_in(db.session.connection())


def recount() -> dict[int, dict[str, int]]:
    """The rows as counting from scratch gives them, changing nothing (to check the kept ones)."""
    db.session.flush()
    return count_all(db.session.connection())


def kept() -> dict[int, dict[str, int]]:
    """The rows as kept."""
    return {row.type_id: {key: getattr(row, key) for key in ("loans", "devices", "people", "closed_ms", "open_loans",
                                                             "open_since_ms")}
            for row in db.session.scalars(select(LoanTotal))}
