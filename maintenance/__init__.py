"""Work orders, checklists and costs: the cleaning gate between users, repairs, retirement,
preventive service and reissue."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.db import db
from core.users import Role
from devices import services as devices
from devices.models import DeviceStatus
from devices.holds import collect_holds
from maintenance.services import figures, orders, preventive, retirement
from maintenance.services import holds as maintenance_holds
from maintenance.models import WorkOrder


def scan_panel(device, user) -> dict | None:
    """On the staff scan page: out of service (since when, why), a request waiting, a service due."""
    retired = retirement.approved_for(device) if device.is_out_of_service else None
    pending = None if retired else retirement.pending_for(device)
    due = preventive.service_due_for(device)
    if not (retired or pending or due):
        return None
    may_inspect = user.has_role(*orders.WORKERS, *(orders.HOME_VISITORS
                                                   if device.status == DeviceStatus.ON_LOAN else ()))
    return {"template": "maintenance/_scan_panel.html", "retired": retired, "pending": pending, "due": due,
            "may_inspect": may_inspect}


def device_panel(device, user) -> dict | None:
    """On the device page: lifetime repair cost, downtime and the work orders."""
    if not user.has_role(*orders.WORKERS, Role.STAFF, Role.SUPERVISOR, Role.TREASURER):
        return None
    listed = list(db.session.scalars(select(WorkOrder).where(WorkOrder.device_id == device.id)
                                     .order_by(WorkOrder.id.desc()).limit(50)))
    return {"template": "maintenance/_device_panel.html", "figures": figures.device_figures(device),
            "orders": listed, "may_open": user.has_role(*orders.WORKERS),
            "retired": retirement.approved_for(device) if device.is_out_of_service else None}


def due_flags(listed) -> dict[int, str]:
    """On lists of devices (the follow-up visits): the ones due an inspection."""
    if not listed:
        return {}
    return {due.device_id: _l("Inspection due: inspect at this visit")
            for due in preventive.service_due(devices=listed).items}


def init_app(_app) -> None:
    """Open cleaning orders on every return, and offer the maintenance steps on the device pages."""
    orders.connect_signals()
    collect_holds.connect(maintenance_holds.holds)
    devices.ACTION_ENDPOINTS.update({
        "start_cleaning": ("maintenance.device_work", "get"),
        "mark_ready": ("maintenance.device_work", "get"),
        "inspect": ("maintenance.device_work", "post"),  # opens an order: never on a GET
        "retire": ("maintenance.retire", "get"),
    })
    for registry, hook in ((devices.SCAN_PANELS, scan_panel), (devices.DEVICE_PANELS, device_panel),
                           (devices.DEVICE_FLAGS, due_flags)):
        if hook not in registry:
            registry.append(hook)
