"""Standard journal memos: stored as a key and parameters, read in the reader's language.

The services write a standard memo ("Donation from ...") as a ``Memo``; the entry keeps its key
and parameters, and its English text in ``memo`` for anyone reading the table itself. The
journal, the fund statement, the CSV and the API show it through ``text()`` in the reader's
language, a device type by its name in that language. A memo a person typed has no key and
is shown as typed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g
from flask_babel import gettext
from sqlalchemy import select

from core.db import db
from core.i18n import current_locale
from devices.models import DeviceType


def N_(message: str) -> str:
    """Mark a message for the catalog; it is translated when shown."""
    return message


MEMOS = {
    "donation": N_("Donation from %(donor)s"),
    "in_kind": N_("Devices given by %(donor)s"),
    "purchase": N_("%(count)s × %(type)s bought"),
    "repair": N_("Repair of a %(type)s"),
    "work_order": N_("Work order %(order)s, device %(tag)s"),
    "reversal": N_("Reversal of entry %(entry)s"),
}


@dataclass(frozen=True)
class Memo:
    """A standard memo: a key of MEMOS and its parameters (``type`` is a device type code)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def english(self) -> str:
        return MEMOS[self.key] % self.params


def donation(donor_name: str) -> Memo:
    return Memo("donation", {"donor": donor_name})


def in_kind(donor_name: str) -> Memo:
    return Memo("in_kind", {"donor": donor_name})


def purchase(count: int, type_code: str) -> Memo:
    return Memo("purchase", {"count": count, "type": type_code})


def repair(type_code: str) -> Memo:
    return Memo("repair", {"type": type_code})


def work_order(order_id: int, tag: str) -> Memo:
    """The memo of a work order's cost (maintenance.services.orders.complete)."""
    return Memo("work_order", {"order": order_id, "tag": tag})


def reversal(entry_id: int) -> Memo:
    return Memo("reversal", {"entry": entry_id})


def text(entry) -> str:
    """The entry's memo in the reader's language; a typed memo as typed."""
    template = MEMOS.get(entry.memo_key or "")
    if template is None:
        return entry.memo
    params = dict(entry.memo_params or {})
    if "type" in params:
        params["type"] = _type_names().get(params["type"], params["type"])
    try:
        return gettext(template, **params) if params else gettext(template)
    except (KeyError, TypeError, ValueError):  # parameters that no longer fit the text
        return entry.memo


def _type_names() -> dict[str, str]:
    """Device type code -> name in the reader's language, looked up once per request."""
    locale = current_locale()
    cache = g.setdefault("fund_type_names", {})
    if locale not in cache:
        cache[locale] = {t.code: t.name(locale) for t in db.session.scalars(select(DeviceType))}
    return cache[locale]
