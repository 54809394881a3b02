"""The figures of the program reports, computed from the records (never entered by hand)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from core.db import db
from core.users import User
from devices import services as devices
from fund.services import impact, ledger
from fund.steps import STEPS as FUND_STEPS
from lending.services import loans, pipeline


def summary(*, by: User) -> dict[str, Any]:
    """Program totals, ready for JSON: devices and requests by status, loans (all and open),
    people served, device-days in use, savings to families; and each fund's balance (satang)
    only for those who may see the balances (the fund's ``keep_books``), as at ``/api/v1/funds``."""
    program = impact.for_program()
    found = {
        "devices_by_status": {status.value: count for status, count in devices.count_by_status().items()},
        "requests_by_status": {status.value: count for status, count in pipeline.board_counts().items()},
        "loans": program.loans,
        "open_loans": db.session.scalar(select(func.count()).select_from(
            loans.loans_query(open_only=True).subquery())),
        "people_served": program.people_served,
        "device_days": program.device_days,
        "savings_to_families_satang": program.savings_satang,
    }
    if FUND_STEPS.allows(by, "keep_books"):
        found["fund_balances_satang"] = {fund.code: balance for fund, balance in ledger.balances()}
    return found
