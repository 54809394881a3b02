"""Who may take each maintenance step: the one table the pages, the API and the services read."""
from __future__ import annotations

from core.steps import Steps
from core.users import Role

MAINTENANCE, STAFF, ASSESSOR, SUPERVISOR, TREASURER = (Role.MAINTENANCE, Role.STAFF, Role.ASSESSOR, Role.SUPERVISOR,
                                                       Role.TREASURER)

STEPS = Steps({
    "work": (MAINTENANCE,),                            # start, parts, estimate and finish an order in the workshop
    "work_at_home": (MAINTENANCE, STAFF, ASSESSOR),    # an inspection of a device on loan, done at the home
    "open_order": (MAINTENANCE, STAFF),                # open an order, triage a reported problem, see the orders
    "cancel_order": (MAINTENANCE, SUPERVISOR),
    "see_due": (MAINTENANCE, STAFF, SUPERVISOR),       # the preventive service due list
    "see_costs": (MAINTENANCE, STAFF, SUPERVISOR, TREASURER),  # a device's repair costs, the figures
    "request_retirement": (STAFF, MAINTENANCE, SUPERVISOR),
    "decide_retirement": (SUPERVISOR,),
    "approve_costs": (SUPERVISOR,),                    # costs past the limit or the estimate, before money moves
})
