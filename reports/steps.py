"""Who may read which report: the one table the pages, the API and the services read."""
from __future__ import annotations

from core.steps import Steps
from core.users import Role

STEPS = Steps({
    # The head of center's overview (their home page); the treasurer reads it for the fund's balances.
    "dashboard": (Role.SUPERVISOR, Role.TREASURER),
    "program_reports": (Role.SUPERVISOR, Role.STAFF),       # outcomes and service: figures, no one named
    "fund_report": (Role.SUPERVISOR, Role.TREASURER),       # the money by fund and month, the largest donors
})
