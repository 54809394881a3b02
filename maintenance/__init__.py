"""Work orders, checklists and costs: the cleaning gate between users, repairs, reissue."""
from __future__ import annotations

from devices import services as devices
from maintenance.services import connect_signals


def init_app(_app) -> None:
    """Open cleaning orders on every return, and offer the maintenance steps on the scan page."""
    connect_signals()
    devices.ACTION_ENDPOINTS.update({
        "start_cleaning": ("maintenance.device_work", "get"),
        "mark_ready": ("maintenance.device_work", "get"),
        "inspect": ("maintenance.device_work", "get"),
    })
