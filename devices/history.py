"""A device's history as lines a person reads, in the reader's language.

The audit trail stores each change as ``{key: value}`` or ``{key: [old, new]}`` with raw keys
and enum values (``status: in_maintenance -> available``, ``cost_satang: 66000``). Here each
key gets its label, each value its label, money in baht, dates as dates and the numbers of work
orders, requests and loans as links. Keys are described where their meaning lives: this module
for a device's own fields, the domains that write other keys (lending, maintenance) with
:func:`describe`. A key nobody described still shows, readably (``some_key`` as "Some key").
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup, escape

from core.dates import format_date, format_datetime
from core.i18n import current_locale, format_number
from core.money import format_baht
from devices.forms import ACQUISITION_LABELS, CONDITION_LABELS, REPORT_LABELS, STATUS_LABELS


@dataclasses.dataclass(frozen=True)
class Key:
    label: Any = None                                  # a (lazy) string
    values: Mapping | None = None                      # stored value (or enum) -> label
    link: Callable[[Any], tuple[str, str | None]] | None = None  # value -> (text, href or None)
    listed: bool = False                               # the value is a list, never an [old, new] pair


# (action prefix, key) -> Key; the longest prefix that the event's action starts with wins.
_KEYS: dict[tuple[str, str], Key] = {}


def describe(key: str, label=None, *, values: Mapping | None = None,
             link: Callable[[Any], tuple[str, str | None]] | None = None, listed: bool = False,
             actions: str = "") -> None:
    """Say how ``key`` reads in the history of events whose action starts with ``actions``.

    ``values`` maps stored values (or enums) to labels; ``link(value)`` gives the text of a
    number and the address it links to (None for no link); ``listed`` says the value is a list
    of things (two of them are not a change from one to the other).
    """
    _KEYS[(actions, key)] = Key(label, {_plain(k): v for k, v in values.items()} if values else None, link, listed)


def _key(action: str, key: str) -> Key:
    found = [(len(prefix), spec) for (prefix, name), spec in _KEYS.items()
             if name == key and action.startswith(prefix)]
    return max(found, key=lambda pair: pair[0])[1] if found else Key()


def _plain(value):
    return getattr(value, "value", value)


@dataclasses.dataclass
class Detail:
    """One change of an event, ready to show: "Status: from Returned to In maintenance"."""

    key: str
    label: str
    text: Markup


def details(event) -> list[Detail]:
    """The changes recorded with an audit event, each as a label and a readable value."""
    out = []
    for key, change in (event.changes or {}).items():
        spec = _key(event.action, key)
        label = str(spec.label) if spec.label is not None else _readable_key(key)
        if isinstance(change, (list, tuple)) and len(change) == 2 and not spec.listed:
            old, new = change
            if old is None or old == "":
                text = _shown(_value(key, new, spec))
            else:
                text = Markup(escape(gettext("from %(old)s to %(new)s"))) % {
                    "old": _shown(_value(key, old, spec)), "new": _shown(_value(key, new, spec))}
        else:
            text = _shown(_value(key, change, spec))
        out.append(Detail(key, label, text))
    return out


def _shown(value: Markup) -> Markup:
    return Markup('<span class="change-value">%s</span>') % value


def _value(key: str, value, spec: Key) -> Markup:
    if value is None or value == "" or value == []:
        return Markup("–")
    if spec.link is not None and not isinstance(value, (list, dict)):
        text, href = spec.link(value)
        return Markup('<a href="%s">%s</a>') % (href, text) if href else escape(text)
    if spec.values is not None and _plain(value) in spec.values:
        return escape(str(spec.values[_plain(value)]))
    if isinstance(value, bool):
        return escape(gettext("yes") if value else gettext("no"))
    if isinstance(value, list):
        return Markup(", ").join(_value(key, v, spec) for v in value)
    if isinstance(value, dict):
        return Markup(", ").join(Markup("%s: %s") % (_readable_key(k), _value(k, v, _key("", k)))
                                 for k, v in value.items())
    if key.endswith("_satang") and isinstance(value, int):
        return escape(format_baht(value, current_locale()))
    if isinstance(value, (int, float)):
        return escape(format_number(value, current_locale()))
    if isinstance(value, str):
        when = _as_date(value)
        if when is not None:
            return escape(when)
        if re.fullmatch(r"[a-z]+(_[a-z]+)+", value):  # an enum value nobody labelled
            return escape(value.replace("_", " "))
    return escape(str(value))


def _as_date(value: str) -> str | None:
    """An ISO date or time stored in the trail, as the pages show dates."""
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return format_date(dt.date.fromisoformat(value), current_locale())
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+([+-]\d{2}:\d{2}|Z)?", value):
            moment = dt.datetime.fromisoformat(value)
            return format_datetime(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC), current_locale())
    except ValueError:
        return None
    return None


def _readable_key(key: str) -> str:
    """A key nobody described: "retire_suggested" as "Retire suggested", money keys without "satang"."""
    words = re.sub(r"_satang$", "", key).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


# --- a device's own keys ---------------------------------------------------------------------

describe("status", _l("Status"), values=STATUS_LABELS)
describe("condition", _l("Condition"), values=CONDITION_LABELS)
describe("brand", _l("Brand"))
describe("model", _l("Model"))
describe("serial", _l("Serial number"))
describe("location", _l("Location"))
describe("acquisition", _l("Acquired by"), values=ACQUISITION_LABELS)
describe("acquired_on", _l("Received on"))
describe("acquisition_value_satang", _l("Value"))
describe("notes", _l("Notes"))
describe("kind", _l("Report"), values=REPORT_LABELS, actions="device.problem_reported")
describe("source", _l("Reported from"), values={"public": _l("the public scan page"),
                                                "follow_up": _l("a follow-up visit")})
describe("report", _l("Report"), link=lambda value: (f"#{value}", None))
describe("reason", _l("Reason"))
describe("note", _l("Note"))
