"""Who may take each step on the fund: the one table the pages and the API read."""
from __future__ import annotations

from core.steps import Steps
from core.users import Role

STEPS = Steps({
    "keep_books": (Role.TREASURER,),                   # donors, donations, purchases, the journal, the balances
    "see_donor_impact": (Role.TREASURER, Role.DONOR),  # a donor sees only their own
    # the yearly statement and the receipts list through the API: a donor reads only their own
    "read_donor_statement": (Role.TREASURER, Role.DONOR),
    "send_impact_summary": (Role.TREASURER,),         # e-mail (or print) a donor's yearly impact summary
})
