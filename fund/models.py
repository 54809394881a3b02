"""The donor fund: donors, donations, funds, the double-entry ledger and allocations.

Amounts are integer satang. Journal entries and their postings are append-only (the
database refuses UPDATE and DELETE); a mistake is corrected by a reversing entry.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, event)
from sqlalchemy.orm import Mapped, foreign, mapped_column, relationship

from core.db import UTCDateTime, db, enum_column, make_append_only, utcnow
from core.users import User
from devices.models import Device, DeviceType


class AccountKind(enum.StrEnum):
    ASSET = "asset"
    INCOME = "income"
    EXPENSE = "expense"


class DonorKind(enum.StrEnum):
    PERSON = "person"
    COMPANY = "company"
    SHOP = "shop"
    CIVIL_SOCIETY = "civil_society"


class DonationKind(enum.StrEnum):
    CASH = "cash"
    IN_KIND = "in_kind"


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    TRANSFER = "transfer"
    PROMPTPAY = "promptpay"
    CHEQUE = "cheque"


class Purpose(enum.StrEnum):
    PURCHASE = "purchase"
    REPAIR = "repair"


class ValueSource(enum.StrEnum):
    """Where the value of a device given in kind comes from."""

    DONOR = "donor"            # the value the donor stated
    REFERENCE = "reference"    # the type's reference new price on the day it came


class Account(db.Model):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    kind: Mapped[AccountKind] = enum_column(AccountKind)


class Fund(db.Model):
    """Money kept apart by its purpose: unrestricted, or restricted to a device type or to repairs."""

    __tablename__ = "funds"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_th: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    # A restricted fund pays only for this device type, or only for this purpose; None = any.
    device_type_id: Mapped[int | None] = mapped_column(ForeignKey("device_types.id"))
    purpose: Mapped[Purpose | None] = enum_column(Purpose)

    device_type: Mapped[DeviceType | None] = relationship()

    def allows(self, purpose: Purpose, device_type: DeviceType | None) -> bool:
        if not self.restricted:
            return True
        if self.purpose is not None and self.purpose != purpose:
            return False
        return self.device_type_id is None or (device_type is not None and device_type.id == self.device_type_id)


class Donor(db.Model):
    __tablename__ = "donors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DonorKind] = enum_column(DonorKind)
    tax_id: Mapped[str | None] = mapped_column(String(13))
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    may_be_named: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    share_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()


class JournalEntry(db.Model):
    """One balanced movement of the books.

    ``memo`` is what a person typed (a supplier and invoice, a reason for a reversal), kept as
    typed. A standard memo ("donation from ...") has a ``memo_key`` of fund.memos.MEMOS and its
    ``memo_params``, and is read in the reader's language; ``memo`` then holds its English text
    for anyone reading the table itself.
    """

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_date: Mapped[dt.date] = mapped_column(Date, index=True)
    memo: Mapped[str] = mapped_column(String(300))
    memo_key: Mapped[str | None] = mapped_column(String(40))
    memo_params: Mapped[dict | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(20))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    postings: Mapped[list[Posting]] = relationship(back_populates="entry", order_by="Posting.id")
    reverses: Mapped[JournalEntry | None] = relationship(remote_side=[id])


class Posting(db.Model):
    """One line of an entry: positive is a debit, negative a credit; an entry's lines sum to zero."""

    __tablename__ = "postings"
    __table_args__ = (CheckConstraint("amount_satang <> 0", name="amount_not_zero"),
                      Index("ix_postings_account_fund", "account_id", "fund_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    amount_satang: Mapped[int] = mapped_column(Integer)

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")
    account: Mapped[Account] = relationship(lazy="joined")
    fund: Mapped[Fund] = relationship(lazy="joined")


class Donation(db.Model):
    """Money or devices given. Append-only: written once, whole (receipt number, value and
    journal entry included); a mistake is undone by reversing its journal entry."""

    __tablename__ = "donations"
    __table_args__ = (
        CheckConstraint("amount_satang >= 0", name="amount_not_negative"),
        UniqueConstraint("fiscal_year", "receipt_number", name="uq_donations_receipt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donors.id"), index=True)
    kind: Mapped[DonationKind] = enum_column(DonationKind)
    amount_satang: Mapped[int] = mapped_column(Integer, default=0)
    fund_id: Mapped[int | None] = mapped_column(ForeignKey("funds.id"))
    method: Mapped[PaymentMethod | None] = enum_column(PaymentMethod)
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    fiscal_year: Mapped[int] = mapped_column(Integer)          # Buddhist Era, October to September
    receipt_number: Mapped[int | None] = mapped_column(Integer)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    donor: Mapped[Donor] = relationship(lazy="joined")
    fund: Mapped[Fund | None] = relationship()
    devices: Mapped[list[DonatedDevice]] = relationship(back_populates="donation", order_by="DonatedDevice.id")

    @property
    def receipt_label(self) -> str:
        return f"{self.fiscal_year}/{self.receipt_number:05d}" if self.receipt_number else ""


class DonatedDevice(db.Model):
    """A device that came in kind with a donation (attributed wholly to its donor), and its value.

    The value is the donor's stated value, else the type's reference new price, and
    ``value_source`` says which; the gift is booked at the sum. Both are empty only for gifts
    recorded before gifts in kind were valued (they were booked at the values donors stated).
    """

    __tablename__ = "donated_devices"
    __table_args__ = (CheckConstraint("value_satang IS NULL OR value_satang >= 0", name="value_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), unique=True)
    value_satang: Mapped[int | None] = mapped_column(Integer)
    value_source: Mapped[ValueSource | None] = enum_column(ValueSource)

    donation: Mapped[Donation] = relationship(back_populates="devices")
    device: Mapped[Device] = relationship()


class Spending(db.Model):
    """A cash outflow: devices bought, or a repair paid.

    Append-only like donations: a spending undone is its journal entry reversed (the reversal
    points to the entry), never a change to this row.
    """

    __tablename__ = "spendings"
    __table_args__ = (CheckConstraint("amount_satang > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[Purpose] = enum_column(Purpose)
    amount_satang: Mapped[int] = mapped_column(Integer)
    device_type_id: Mapped[int | None] = mapped_column(ForeignKey("device_types.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    spent_on: Mapped[dt.date] = mapped_column(Date)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    device_type: Mapped[DeviceType | None] = relationship()
    reversal: Mapped[JournalEntry | None] = relationship(
        primaryjoin=lambda: foreign(JournalEntry.reverses_id) == Spending.entry_id, viewonly=True, uselist=False)
    allocations: Mapped[list[Allocation]] = relationship(back_populates="spending")
    devices: Mapped[list[PurchasedDevice]] = relationship(back_populates="spending", order_by="PurchasedDevice.id")

    @property
    def reversed_by_id(self) -> int | None:
        return self.reversal.id if self.reversal is not None else None


class PurchasedDevice(db.Model):
    __tablename__ = "purchased_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    spending_id: Mapped[int] = mapped_column(ForeignKey("spendings.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"))

    spending: Mapped[Spending] = relationship(back_populates="devices")
    device: Mapped[Device] = relationship()


class Allocation(db.Model):
    """Which donation's money paid how much of a spending."""

    __tablename__ = "allocations"
    __table_args__ = (CheckConstraint("amount_satang <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spending_id: Mapped[int] = mapped_column(ForeignKey("spendings.id"), index=True)
    donation_id: Mapped[int] = mapped_column(ForeignKey("donations.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    amount_satang: Mapped[int] = mapped_column(Integer)   # negative when a reversal gives it back

    spending: Mapped[Spending] = relationship(back_populates="allocations")
    donation: Mapped[Donation] = relationship()


class AccountBalance(db.Model):
    """The sum of every posting on an account for a fund, kept by the database.

    A trigger on ``postings`` adds each new line in the statement that writes it, so the balance
    is exact in every transaction, bulk loads included (postings are append-only: nothing else
    can change it). The dashboard and the books read a fund's money from here instead of summing
    hundreds of thousands of lines. ``ledger.rebuild_balances`` counts them again from scratch.
    """

    __tablename__ = "account_balances"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), primary_key=True)
    balance_satang: Mapped[int] = mapped_column(BigInteger, default=0)


def balance_trigger_statements(dialect: str) -> list[str]:
    """DDL of the trigger that keeps ``account_balances`` (used by the models and the migration)."""
    upsert = ("INSERT INTO account_balances (account_id, fund_id, balance_satang) "
              "VALUES (NEW.account_id, NEW.fund_id, NEW.amount_satang) ON CONFLICT (account_id, fund_id) "
              "DO UPDATE SET balance_satang = account_balances.balance_satang + excluded.balance_satang")
    if dialect == "sqlite":
        return [f"CREATE TRIGGER IF NOT EXISTS postings_keep_balance AFTER INSERT ON postings BEGIN {upsert}; END"]
    if dialect == "postgresql":
        return [f"CREATE OR REPLACE FUNCTION keep_account_balance() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {upsert}; RETURN NULL; END $$",
                "CREATE TRIGGER postings_keep_balance AFTER INSERT ON postings "
                "FOR EACH ROW EXECUTE FUNCTION keep_account_balance()"]
    return []


@event.listens_for(Posting.__table__, "after_create")
def _keep_balances(target, connection, **_kw):
    for statement in balance_trigger_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


for _table in (JournalEntry.__table__, Posting.__table__, Allocation.__table__, Donation.__table__,
               Spending.__table__):
    make_append_only(_table)
