"""Who may take each lending step: the one table the pages, the API and the services read."""
from __future__ import annotations

from core.steps import Steps
from core.users import Role

STAFF, ASSESSOR, SUPERVISOR, DPO = Role.STAFF, Role.ASSESSOR, Role.SUPERVISOR, Role.DPO

STEPS = Steps({
    # People and their care (personal and health data).
    "read_people": (STAFF, ASSESSOR, SUPERVISOR),
    "see_full_id": (STAFF, SUPERVISOR),
    "register_person": (STAFF,),
    "edit_person": (STAFF,),
    "care": (STAFF, ASSESSOR, SUPERVISOR),          # life status, care plan, referrals
    # PDPA: consent withdrawn or given again; anonymising a person (the data-protection officer).
    "withdraw_consent": (STAFF, SUPERVISOR),
    "give_consent": (STAFF,),
    "erase_person": (DPO,),
    # The request pipeline.
    "submit": (STAFF, SUPERVISOR, ASSESSOR),
    "schedule": (STAFF, SUPERVISOR, ASSESSOR),
    "assess": (ASSESSOR,),
    "decide": (SUPERVISOR,),
    "reserve": (STAFF, SUPERVISOR),
    "cancel": (STAFF, SUPERVISOR),
    # Loans.
    "deliver": (STAFF,),
    "agreement": (STAFF, SUPERVISOR),
    "follow_up": (ASSESSOR, STAFF),
    "receive_return": (STAFF,),
    "release": (),                                  # back in stock without cleaning: admins only
    # Home visits: each visitor's own work, and the zones a supervisor gives them.
    "visit": (ASSESSOR, STAFF),
    "set_zones": (SUPERVISOR,),
})
