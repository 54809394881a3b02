"""What people read for the devices' states and kinds, in their language (lazy translations).

Services use these in their messages, pages and forms in their choices and badges.
"""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from devices.models import Acquisition, Condition, DeviceStatus, DeviceType, ReportKind, ReportSource

CONDITION_LABELS = {Condition.NEW: _l("New"), Condition.GOOD: _l("Good"), Condition.FAIR: _l("Fair"),
                    Condition.POOR: _l("Poor"), Condition.UNUSABLE: _l("Unusable")}
STATUS_LABELS = {DeviceStatus.AVAILABLE: _l("Available"), DeviceStatus.RESERVED: _l("Reserved"),
                 DeviceStatus.ON_LOAN: _l("On loan"), DeviceStatus.RETURNED: _l("Returned, awaiting cleaning"),
                 DeviceStatus.IN_MAINTENANCE: _l("In maintenance"), DeviceStatus.RETIRED: _l("Retired"),
                 DeviceStatus.LOST: _l("Lost")}
ACQUISITION_LABELS = {Acquisition.PURCHASE: _l("Bought by the fund"), Acquisition.DONATION: _l("Donated in kind"),
                      Acquisition.TRANSFER: _l("Transferred from another agency")}
REPORT_LABELS = {ReportKind.PROBLEM: _l("There is a problem with this device"),
                 ReportKind.NOT_NEEDED: _l("This device is no longer needed; please collect it")}
REPORT_SOURCE_LABELS = {ReportSource.PUBLIC: _l("from the public"),
                        ReportSource.FOLLOW_UP: _l("found at a follow-up visit")}


class TypeName:
    """A device type's name in the reader's language, chosen when the message is shown."""

    def __init__(self, device_type: DeviceType):
        self.device_type = device_type

    def __str__(self) -> str:
        return self.device_type.name(str(get_locale() or "th"))
