"""People, requests, assessments, loans and follow-ups: the lending lifecycle."""
from __future__ import annotations

from devices import services as devices
from lending.services.waitlist import propose_to_waitlist
from lending.views.loans import holder_panel


def _on_device_available(device, by=None, **_kwargs):
    propose_to_waitlist(device, by)


def init_app(_app) -> None:
    """Hook lending into the device pages and events.

    The head of the waitlist is proposed whenever a device becomes available, the scan
    page offers the lending steps, and shows who holds the device.
    """
    devices.device_available.connect(_on_device_available)
    devices.ACTION_ENDPOINTS.update({
        "reserve": ("requests.reserve_device", "get"),
        "deliver": ("loans.deliver", "get"),
        "follow_up": ("loans.device_follow_up", "get"),
        "receive_return": ("loans.receive_return", "get"),
        "release": ("loans.release", "post"),
    })
    if holder_panel not in devices.SCAN_PANELS:
        devices.SCAN_PANELS.append(holder_panel)
