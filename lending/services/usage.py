"""How much the devices were used, summed up by the database: loans, people, days at home.

For the fund's impact figures. Each function is one statement over a set of devices given as
a query (``select(...device ids...)``) or over every loan, whatever the number of loans: the
days are computed in SQL, not by loading the loans.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.sql.elements import ColumnElement

from core.db import UTCDateTime, db
from devices.models import Device, DeviceType
from lending.models import Loan

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
    home until ``now`` and the savings to families."""
    by_type = (select(Device.type_id.label("type_id"), func.count(Loan.id).label("loans"))
               .join(Device, Device.id == Loan.device_id).group_by(Device.type_id).subquery())
    savings = (select(func.coalesce(func.sum(by_type.c.loans * DeviceType.reference_price_satang), 0))
               .select_from(by_type).join(DeviceType, DeviceType.id == by_type.c.type_id).scalar_subquery())
    loans, people, devices, days, saved = db.session.execute(select(
        func.count(Loan.id), func.count(func.distinct(Loan.person_id)), func.count(func.distinct(Loan.device_id)),
        func.coalesce(func.sum(_days_at_home(now)), 0), savings)).one()
    return Totals(loans, people, devices, float(days), int(saved))
