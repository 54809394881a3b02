"""The double-entry ledger: chart of accounts, funds, posting, balances and reversals."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, insert, select

from core import audit, clock
from core.db import db
from core.errors import Conflict, NotFound, ValidationError
from core.users import User
from fund import memos
from fund.memos import Memo
from fund.models import Account, AccountBalance, AccountKind, Fund, JournalEntry, Posting

CASH, DEVICES, INCOME_CASH, INCOME_KIND, PURCHASES, REPAIRS = (
    "CASH", "DEVICES", "INC_CASH", "INC_KIND", "EXP_PURCHASE", "EXP_REPAIR")
CHART = (
    (CASH, "เงินสดและเงินฝากธนาคาร", "Cash and bank", AccountKind.ASSET),
    (DEVICES, "กายอุปกรณ์ที่ได้รับบริจาค", "Donated device assets", AccountKind.ASSET),
    (INCOME_CASH, "รายได้เงินบริจาค", "Donation income, cash", AccountKind.INCOME),
    (INCOME_KIND, "รายได้บริจาคเป็นสิ่งของ", "Donation income, in kind", AccountKind.INCOME),
    (PURCHASES, "ค่าจัดซื้อกายอุปกรณ์", "Device purchases", AccountKind.EXPENSE),
    (REPAIRS, "ค่าซ่อมบำรุงกายอุปกรณ์", "Device repairs", AccountKind.EXPENSE),
)
GENERAL_FUND = "GENERAL"


def ensure_chart() -> None:
    """Create the chart of accounts and the unrestricted fund when missing."""
    have = set(db.session.scalars(select(Account.code)))
    for code, th, en, kind in CHART:
        if code not in have:
            db.session.add(Account(code=code, name_th=th, name_en=en, kind=kind))
    if db.session.scalar(select(Fund.id).where(Fund.code == GENERAL_FUND)) is None:
        db.session.add(Fund(code=GENERAL_FUND, name_th="กองทุนทั่วไป (ไม่จำกัดวัตถุประสงค์)",
                            name_en="General fund (unrestricted)", restricted=False))
    db.session.flush()


def account(code: str) -> Account:
    found = db.session.scalar(select(Account).where(Account.code == code))
    if found is None:
        ensure_chart()
        found = db.session.scalar(select(Account).where(Account.code == code))
    return found


def get_fund(code: str) -> Fund:
    """Raises NotFound naming ``fund``."""
    if code == GENERAL_FUND:
        ensure_chart()
    found = db.session.scalar(select(Fund).where(Fund.code == (code or "").upper()))
    if found is None:
        raise NotFound(_l("There is no fund with the code %(code)s.", code=code),
                       {"fund": [_l("Unknown fund.")]})
    return found


def list_funds() -> list[Fund]:
    ensure_chart()
    return list(db.session.scalars(select(Fund).order_by(Fund.restricted, Fund.code)))


def post(entry_date: dt.date, memo: str | Memo, kind: str, lines: Sequence[tuple[str, Fund, int]], *,
         by: User | None, reverses: JournalEntry | None = None) -> JournalEntry:
    """Write one balanced entry; ``memo`` is typed text, or a standard Memo (fund.memos).

    Raises ValidationError unless the lines sum to zero.
    """
    lines = [(code, fund, int(amount)) for code, fund, amount in lines if amount]
    if len(lines) < 2 or sum(amount for _, _, amount in lines) != 0:
        raise ValidationError(_l("An entry needs two or more lines that add up to zero."),
                              {"postings": [_l("The lines do not add up to zero.")]})
    standard = memo if isinstance(memo, Memo) else None
    entry = JournalEntry(entry_date=entry_date, memo=(standard.english if standard else memo)[:300],
                         memo_key=standard.key if standard else None, memo_params=standard.params if standard else None,
                         kind=kind, created_by_id=by.id if by else None, reverses_id=reverses.id if reverses else None)
    db.session.add(entry)
    db.session.flush()
    for code, fund, amount in lines:
        db.session.add(Posting(entry_id=entry.id, account_id=account(code).id, fund_id=fund.id, amount_satang=amount))
    db.session.flush()
    audit.record(by, "ledger.posted", "journal_entry", entry.id, {"kind": kind, "lines": len(lines)})
    return entry


def cash_balance(fund: Fund) -> int:
    """Money a fund holds: its postings on the cash account."""
    return db.session.scalar(select(func.coalesce(func.sum(Posting.amount_satang), 0))
                             .where(Posting.fund_id == fund.id, Posting.account_id == account(CASH).id))


def check_not_negative(funds: Sequence[Fund]) -> None:
    """Raises Conflict when a fund would hold less than nothing (nothing is then written)."""
    for fund in funds:
        if cash_balance(fund) < 0:
            raise Conflict(_l("Fund %(fund)s cannot go below zero.", fund=fund.code),
                           {"fund": [_l("Fund %(fund)s does not hold enough money.", fund=fund.code)]})


def fund_statement(fund: Fund) -> list[tuple[JournalEntry, int, int]]:
    """Each entry that moved the fund's money, with the movement and the balance after it."""
    cash = account(CASH).id
    rows = db.session.execute(
        select(JournalEntry, func.sum(Posting.amount_satang)).join(Posting, Posting.entry_id == JournalEntry.id)
        .where(Posting.fund_id == fund.id, Posting.account_id == cash)
        .group_by(JournalEntry.id).order_by(JournalEntry.entry_date, JournalEntry.id)).all()
    statement, balance = [], 0
    for entry, movement in rows:
        balance += movement
        statement.append((entry, movement, balance))
    return statement


def balances() -> list[tuple[Fund, int]]:
    """Each fund with the money it holds, read from the kept balances (one row per fund)."""
    ensure_chart()
    cash = account(CASH).id
    return [(fund, balance or 0) for fund, balance in db.session.execute(
        select(Fund, AccountBalance.balance_satang)
        .outerjoin(AccountBalance, and_(AccountBalance.fund_id == Fund.id, AccountBalance.account_id == cash))
        .order_by(Fund.restricted, Fund.code))]


def counted_balances() -> dict[tuple[int, int], int]:
    """(account id, fund id) -> the sum of its postings, counted from every line (to check the kept ones)."""
    return {(account_id, fund_id): total for account_id, fund_id, total in db.session.execute(
        select(Posting.account_id, Posting.fund_id, func.sum(Posting.amount_satang))
        .group_by(Posting.account_id, Posting.fund_id))}


def kept_balances() -> dict[tuple[int, int], int]:
    return {(row.account_id, row.fund_id): row.balance_satang for row in db.session.scalars(select(AccountBalance))}


def rebuild_balances() -> None:
    """Count the kept balances again from every posting (after a change made past the trigger)."""
    db.session.flush()
    db.session.execute(delete(AccountBalance))
    db.session.execute(insert(AccountBalance).from_select(
        ["account_id", "fund_id", "balance_satang"],
        select(Posting.account_id, Posting.fund_id, func.sum(Posting.amount_satang))
        .group_by(Posting.account_id, Posting.fund_id)))


def trial_balance() -> list[tuple[Account, int]]:
    ensure_chart()
    rows = dict(db.session.execute(select(Posting.account_id, func.sum(Posting.amount_satang))
                                   .group_by(Posting.account_id)).all())
    return [(acc, rows.get(acc.id, 0)) for acc in db.session.scalars(select(Account).order_by(Account.code))]


def get_entry(entry_id: int) -> JournalEntry:
    entry = db.session.get(JournalEntry, entry_id)
    if entry is None:
        raise NotFound(_l("There is no journal entry %(id)s.", id=entry_id), {"id": [_l("Unknown entry.")]})
    return entry


def reversal_of(entry: JournalEntry) -> JournalEntry | None:
    return db.session.scalar(select(JournalEntry).where(JournalEntry.reverses_id == entry.id))


def reverse(entry: JournalEntry, memo: str, *, by: User | None, entry_date: dt.date | None = None) -> JournalEntry:
    """A new entry with every line negated, pointing at the original; ``memo`` typed, or the standard one.

    Raises Conflict for an entry already reversed or itself a reversal.
    """
    if entry.reverses_id is not None:
        raise Conflict(_l("A reversal cannot be reversed; post a new entry instead."), {"state": ["reversal"]})
    if reversal_of(entry) is not None:
        raise Conflict(_l("Entry %(id)s was already reversed.", id=entry.id), {"state": ["reversed"]})
    return post(entry_date or clock.today(), (memo or "").strip() or memos.reversal(entry.id), "reversal",
                [(p.account.code, p.fund, -p.amount_satang) for p in entry.postings], by=by, reverses=entry)


def entries_query(kind: str = "", fund: Fund | None = None, since: dt.date | None = None,
                  until: dt.date | None = None):
    query = select(JournalEntry).order_by(JournalEntry.entry_date.desc(), JournalEntry.id.desc())
    if kind:
        query = query.where(JournalEntry.kind == kind)
    if fund is not None:
        query = query.where(JournalEntry.postings.any(Posting.fund_id == fund.id))
    if since:
        query = query.where(JournalEntry.entry_date >= since)
    if until:
        query = query.where(JournalEntry.entry_date <= until)
    return query
