"""People, requests, assessments, loans and follow-ups: the lending lifecycle."""
from __future__ import annotations

from devices.services import device_available
from lending.services.pipeline import propose_to_waitlist


def _on_device_available(device, by=None, **_kwargs):
    propose_to_waitlist(device, by)


def connect_signals() -> None:
    """Propose the head of the waitlist whenever a device becomes available."""
    device_available.connect(_on_device_available)
