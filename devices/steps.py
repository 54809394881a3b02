"""Who may take each step on devices: the one table the pages, the API and the services read."""
from __future__ import annotations

from core.steps import Steps
from core.users import Role

STEPS = Steps({
    "manage_types": (),                                # device types and their prices: admins only
    "register": (Role.STAFF,),
    "edit": (Role.STAFF,),
    "set_status": (),                                  # a status set by hand, outside the lifecycle: admins only
    "override_hold": (Role.SUPERVISOR,),               # lend a device despite a hold, with a reason
    "handle_report": (Role.STAFF, Role.ASSESSOR, Role.SUPERVISOR, Role.MAINTENANCE, Role.TREASURER),
})
