"""The loans summed up per device type, kept in step with the loans in the same transaction.

The public impact page shows every loan of the program: how many, to how many people, of how
many devices, the days at home and the savings to families. Counting that from the loans takes
most of a second at province scale (a date computation per loan); these rows hold the sums, so
the page reads one row per type. The mapper events below change them in the flush that writes
the loan, so they can never disagree with the loans a transaction sees. A person and a device
are counted once, on the row of their first loan's type (the lowest loan id). Times are whole
milliseconds since 1970 (UTC); the days of the open loans follow from ``open_since_ms`` and the
day asked for (lending.services.usage).

Rows written by other means than the ORM (a bulk load) are not seen: ``flask lending
rebuild-totals`` (lending.services.usage.rebuild) counts everything again.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Integer, event, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, attributes, mapped_column

from core.db import db
from devices.models import Device
from lending.models.loans import Loan

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MS = dt.timedelta(milliseconds=1)


class LoanTotal(db.Model):
    __tablename__ = "loan_totals"

    type_id: Mapped[int] = mapped_column(ForeignKey("device_types.id"), primary_key=True)
    loans: Mapped[int] = mapped_column(Integer, default=0)
    devices: Mapped[int] = mapped_column(Integer, default=0)     # devices whose first loan this is
    people: Mapped[int] = mapped_column(Integer, default=0)      # people whose first loan is of this type
    closed_ms: Mapped[int] = mapped_column(BigInteger, default=0)     # time at home of the returned loans
    open_loans: Mapped[int] = mapped_column(Integer, default=0)
    open_since_ms: Mapped[int] = mapped_column(BigInteger, default=0)  # the sum of their delivery times


def millis(moment: dt.datetime) -> int:
    return (moment - EPOCH) // MS


def share(delivered_at: dt.datetime, returned_at: dt.datetime | None) -> dict[str, int]:
    """What one loan adds to its type's row (apart from the first-loan counts)."""
    if returned_at is None:
        return {"loans": 1, "open_loans": 1, "open_since_ms": millis(delivered_at), "closed_ms": 0}
    return {"loans": 1, "open_loans": 0, "open_since_ms": 0,
            "closed_ms": max(millis(returned_at) - millis(delivered_at), 0)}


def add(connection, type_id: int, amounts: dict[str, int]) -> None:
    """Add ``amounts`` to the type's row, making it if it is the first."""
    table = LoanTotal.__table__
    values = {"type_id": type_id, "loans": 0, "devices": 0, "people": 0, "closed_ms": 0, "open_loans": 0,
              "open_since_ms": 0} | amounts
    insert = (sqlite if connection.dialect.name == "sqlite" else postgresql).insert(table).values(values)
    connection.execute(insert.on_conflict_do_update(
        index_elements=[table.c.type_id], set_={k: table.c[k] + v for k, v in amounts.items()}))


def _earlier(connection, column, value, loan_id: int) -> bool:
    return connection.scalar(select(exists().where(column == value, Loan.id < loan_id)))


@event.listens_for(Loan, "after_insert")
def _loan_added(_mapper, connection, loan: Loan) -> None:
    type_id = connection.scalar(select(Device.type_id).where(Device.id == loan.device_id))
    amounts = share(loan.delivered_at, loan.returned_at)
    amounts["devices"] = 0 if _earlier(connection, Loan.device_id, loan.device_id, loan.id) else 1
    amounts["people"] = 0 if _earlier(connection, Loan.person_id, loan.person_id, loan.id) else 1
    add(connection, type_id, amounts)


def _before(loan: Loan, name: str):
    history = attributes.get_history(loan, name)
    return history.deleted[0] if history.deleted else getattr(loan, name)


@event.listens_for(Loan, "after_update")
def _loan_changed(_mapper, connection, loan: Loan) -> None:
    if any(attributes.get_history(loan, name).deleted for name in ("device_id", "person_id")):
        rebuild_in(connection)   # who or what was lent changed: rare enough to count again
        return
    if not any(attributes.get_history(loan, name).has_changes() for name in ("delivered_at", "returned_at")):
        return
    old = share(_before(loan, "delivered_at"), _before(loan, "returned_at"))
    new = share(loan.delivered_at, loan.returned_at)
    type_id = connection.scalar(select(Device.type_id).where(Device.id == loan.device_id))
    add(connection, type_id, {k: new[k] - old[k] for k in new if k != "loans"})


@event.listens_for(Loan, "after_delete")
def _loan_removed(_mapper, connection, _loan: Loan) -> None:
    rebuild_in(connection)


def count_all(connection) -> dict[int, dict[str, int]]:
    """Type id -> its row, counted from every loan."""
    rows: dict[int, dict[str, int]] = {}
    seen_devices, seen_people = set(), set()
    query = (select(Loan.device_id, Loan.person_id, Loan.delivered_at, Loan.returned_at, Device.type_id)
             .join(Device, Device.id == Loan.device_id).order_by(Loan.id))
    for device_id, person_id, delivered_at, returned_at, type_id in connection.execute(query):
        row = rows.setdefault(type_id, {"loans": 0, "devices": 0, "people": 0, "closed_ms": 0, "open_loans": 0,
                                        "open_since_ms": 0})
        for key, value in share(delivered_at, returned_at).items():
            row[key] += value
        row["devices"] += device_id not in seen_devices
        row["people"] += person_id not in seen_people
        seen_devices.add(device_id)
        seen_people.add(person_id)
    return rows


def rebuild_in(connection) -> dict[int, dict[str, int]]:
    """Count every row again from the loans (in the caller's transaction); returns them."""
    rows = count_all(connection)
    connection.execute(LoanTotal.__table__.delete())
    if rows:
        connection.execute(LoanTotal.__table__.insert(), [{"type_id": type_id, **row} for type_id, row in rows.items()])
    return rows
