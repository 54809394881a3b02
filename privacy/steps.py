"""Who may read the access log, export a person's record and handle data-subject requests."""
from __future__ import annotations

from core.steps import Steps
from core.users import Role

STEPS = Steps({
    "read_access_log": (Role.DPO,),      # view, filter and export the log of who looked at whom
    "export_record": (Role.DPO,),        # a person's whole record as JSON (PDPA ss. 30, 31)
    "subject_requests": (Role.DPO,),     # record, list and close data-subject requests
})
