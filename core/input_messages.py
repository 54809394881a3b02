"""The JSON API's input errors (marshmallow's and webargs' own messages) in the reader's language.

marshmallow and webargs ship their messages in English only, already filled in
("Length must be between 1 and 64."). The error handler (core.errors) passes every message of
a 422 or 400 answer through :func:`translated`: a message that is one of theirs is read back
into its template and its values, and given again through the app's catalog, so a Thai client
reads Thai and an English one reads marshmallow's own words. The app's own messages in schemas
are lazy translations already and pass through as they are.
"""
from __future__ import annotations

import re

from flask_babel import gettext


def N_(text: str) -> str:  # noqa: N802 - pybabel's default keyword: marks a message for `make messages`
    return text


# Each of marshmallow's (and webargs') messages, with its values as %(name)s; the English is
# theirs, word for word, so an English client reads what marshmallow says.
MESSAGES = (
    N_("Missing data for required field."), N_("Field may not be null."), N_("Invalid value."),
    N_("Invalid type."), N_("Invalid input type."), N_("Unknown field."), N_("Invalid input."),
    N_("Invalid JSON body."), N_("Not a valid list."), N_("Not a valid tuple."), N_("Not a valid string."),
    N_("Not a valid utf-8 string."), N_("Not a valid UUID."), N_("Not a valid number."), N_("Number too large."),
    N_("Not a valid integer."), N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."), N_("Not a valid date."), N_("Not a valid datetime."), N_("Not a valid time."),
    N_("Not a valid naive datetime."), N_("Not a valid aware datetime."),
    N_('"%(input)s" cannot be formatted as a date.'), N_('"%(input)s" cannot be formatted as a datetime.'),
    N_('"%(input)s" cannot be formatted as a time.'), N_("Not a valid period of time."),
    N_("Not a valid mapping type."), N_("Not a valid URL."), N_("Not a valid email address."),
    N_("Not a valid IP address."), N_("Not a valid IPv4 address."), N_("Not a valid IPv6 address."),
    N_("Not a valid IP interface."), N_("Not a valid IPv4 interface."), N_("Not a valid IPv6 interface."),
    N_("Must be one of: %(choices)s."), N_("One or more of the choices you made was not in: %(choices)s."),
    N_("One or more of the choices you made was in: %(values)s."),
    N_("Must be greater than or equal to %(min)s."), N_("Must be greater than %(min)s."),
    N_("Must be less than or equal to %(max)s."), N_("Must be less than %(max)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than %(min)s and less than %(max)s."),
    N_("Shorter than minimum length %(min)s."), N_("Longer than maximum length %(max)s."),
    N_("Length must be between %(min)s and %(max)s."), N_("Length must be %(equal)s."),
    N_("Must be equal to %(other)s."), N_("String does not match expected pattern."),
)


def _pattern(message: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", message)  # text, name, text, name, ..., text
    return re.compile("".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*)"
                              for i, part in enumerate(parts)), re.S)


# The most specific first: "Must be greater than or equal to 1 and less than or equal to 9." is
# also "Must be greater than or equal to %(min)s." with min "1 and less than or equal to 9".
_KNOWN = {message: _pattern(message) for message in
          sorted(MESSAGES, key=lambda m: len(re.sub(r"%\(\w+\)s", "", m)), reverse=True)}


def translate(text: str) -> str:
    """One message: marshmallow's own in the reader's language; any other as it is."""
    for message, pattern in _KNOWN.items():
        found = pattern.fullmatch(text)
        if found:
            return gettext(message, **found.groupdict())
    return text


def translated(messages):
    """Every message of webargs' error body (``{"json": {"field": [...]}}``, nested at any depth)."""
    if isinstance(messages, dict):
        return {key: translated(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [translated(value) for value in messages]
    if isinstance(messages, str):
        return translate(messages)
    return messages
