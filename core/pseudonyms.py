"""Keyed hashes that let the access log say what was searched without holding a national ID.

A search's text is logged with every run of digits (an ID, a phone number, written with or
without dashes and spaces) replaced by ``#`` and the first 16 hex digits of an HMAC-SHA256
keyed with the app's secret key. The same ID always gives the same token, so "who searched
for this ID" is answered by hashing the ID again (:func:`digits_token`); without the key the
token cannot be turned back into the ID by trying the few billion valid IDs.
"""
from __future__ import annotations

import hashlib
import hmac
import re

from flask import current_app

# A digit, then digits, dashes and spaces, ending on a digit: "1-2990-69199-02-1" is one run.
DIGIT_RUN = re.compile(r"\d(?:[\d\s-]*\d)?")
MAX_DETAIL = 300


def digits_token(digits: str) -> str:
    """``#`` and the keyed hash of the digits in ``digits`` (separators ignored)."""
    plain = "".join(ch for ch in digits if ch.isdigit())
    key = str(current_app.config["SECRET_KEY"]).encode()
    return "#" + hmac.new(key, plain.encode(), hashlib.sha256).hexdigest()[:16]


def loggable_search(text: str) -> str:
    """The search text as the access log keeps it: every run of digits hashed."""
    return DIGIT_RUN.sub(lambda m: digits_token(m.group(0)), (text or "").strip())[:MAX_DETAIL]
