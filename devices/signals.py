"""The named signals through which the other domains hook into devices.

Devices imports no other domain. It tells them what happens to a device (events, sent
inside the request's transaction) and asks them what to add to its pages (collected
answers). Each domain connects its receivers in its own ``hooks.py``, from ``create_app``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from blinker import Namespace

signals = Namespace()

# --- events -------------------------------------------------------------------------------
# A device became available (lending proposes it to the head of the waitlist).
device_available = signals.signal("device-available")
# Every lifecycle move, with old and new status (maintenance opens the cleaning order on a return).
device_status_changed = signals.signal("device-status-changed")
# A problem was reported (maintenance opens a repair for one found at a follow-up visit), and
# a report was handled (a device it held may go back).
problem_reported = signals.signal("problem-reported")
report_handled = signals.signal("report-handled")

# --- questions: each receiver answers, the device pages collect the answers -----------------
# ``send(device, user=...)`` -> [NextStep, ...]: the steps of the receiver's domain that the
# device's status allows and the user may take.
next_steps = signals.signal("next-steps")
# ``send(device, user=...)`` -> a panel for the staff scan page ({"template": ..., **context}) or None.
scan_panels = signals.signal("scan-panels")
# ``send(device, user=...)`` -> a section of the device's detail page, or None.
device_panels = signals.signal("device-panels")
# ``send(None, devices=[...])`` -> {device_id: label}: notes on lists of devices ("inspection due").
device_flags = signals.signal("device-flags")
# ``send(None, devices=[...])`` -> {device_id: [Hold, ...]}: what holds a device back (devices/holds.py).
collect_holds = signals.signal("collect-holds")
# Receivers return a SQL condition on Device, true when their domain holds the device back now:
# the same holds as their collect-holds answer, for counting lendable devices on a whole fleet.
held_devices = signals.signal("held-devices")


@dataclass(frozen=True)
class NextStep:
    """One step offered on the scan page: its page, and where it stands among the others."""

    key: str
    label: Any
    endpoint: str
    method: str = "get"
    rank: int = 50


def answers(signal, sender, **kwargs) -> list:
    """What every receiver answered, in the order they were connected, empty answers dropped."""
    return [value for _receiver, value in signal.send(sender, **kwargs) if value]
