"""Amounts of money inside messages, printed in the reader's locale when shown."""
from __future__ import annotations

from flask_babel import get_locale

from core.dates import format_baht

# The most one amount of the books may be: what an INTEGER column holds on PostgreSQL
# (฿21,474,836.47). Larger ones are refused as input, not left to overflow the database.
MAX_SATANG = 2**31 - 1


class LazyBaht:
    """Satang that print as baht ("฿1,250.00") in the reader's locale when the message is shown.

    The money counterpart of core.dates.LazyDate, for lazily translated error messages.
    """

    def __init__(self, satang: int):
        self.satang = satang

    def __str__(self) -> str:
        return format_baht(self.satang, str(get_locale() or "th"))
