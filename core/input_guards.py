"""Guards on input that the API's schemas and the pages share: nesting depth, ids and strings.

- A body nested deeper than ``MAX_DEPTH`` is refused with a 400 before any parser reads it:
  Python's parser (Flask's and webargs' alike) recurses once per level and fails with a
  RecursionError, not a ValueError, near a thousand levels, and so would any code walking
  a value just short of that. A JSON body is at most ``MAX_BYTES`` long (photos are sent as
  forms, not JSON).
- :func:`id_field`: an id is an integer within the database's integer column. A larger one
  (2^64, say) is a 422 naming the field, not an overflow in the database driver.
- :func:`code_field`: a code or tag read as a string and written from the object (a device's
  tag, a fund's code): a number, a list, an object or a boolean there is a 422 naming the field.
- :class:`OptionalEmail`: an email address that may be left out. None given is kept as "" (the
  pages' empty field) and written to JSON as null, so that the document's ``format: email``
  holds for every string the API returns.
"""
from __future__ import annotations

import re
from array import array
from itertools import accumulate

from flask import request
from flask_babel import lazy_ngettext
from marshmallow import fields, validate
from werkzeug.exceptions import RequestEntityTooLarge

from core.errors import DomainError

MAX_DEPTH = 32
MAX_BYTES = 1024 * 1024   # the largest request of the API (200 devices given at once) is a tenth of it
MAX_ID = 2**31 - 1
_ESCAPES = re.compile(rb"\\.", re.S)     # \" and \\ inside strings
_STRINGS = re.compile(rb'"[^"]*"')       # strings, once their escapes are gone
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes


def json_depth(body: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets inside strings do not count).

    Linear in the body's length whatever it holds: the strings are taken out, then the depth
    is the highest running sum of +1 for each opening and -1 for each closing bracket.
    """
    brackets = _STRINGS.sub(b"", _ESCAPES.sub(b"", body)).translate(None, _NOT_BRACKETS)
    return max(accumulate(array("b", brackets.translate(_STEPS))), default=0)


def guard_json_body() -> None:
    """Before every request: a JSON body over ``MAX_BYTES`` is a 413, one nested past
    ``MAX_DEPTH`` a 400, before any parser reads it."""
    if not request.is_json:
        return
    if (request.content_length or 0) > MAX_BYTES:
        raise RequestEntityTooLarge()
    body = request.get_data(cache=True)
    if len(body) > MAX_BYTES:
        raise RequestEntityTooLarge()
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and json_depth(body) > MAX_DEPTH:
        raise DomainError(lazy_ngettext("The request body nests more than %(num)d level deep.",
                                        "The request body nests more than %(num)d levels deep.", MAX_DEPTH),
                          {"json": [lazy_ngettext("Send a flatter body: at most %(num)d level of arrays and objects.",
                                                  "Send a flatter body: at most %(num)d levels of arrays and objects.",
                                                  MAX_DEPTH)]})


def id_or_none(value) -> int | None:
    """An id typed or posted in a form or a query string (text), or None when it is not one
    or is past the database's integer."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def id_field(*, strict: bool = True, **kwargs) -> fields.Integer:
    """An id given by the client: a whole number from 1 to the database's largest integer
    (``strict=False`` in a query string, where every value comes as text)."""
    return fields.Integer(strict=strict, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def code_field(serialize, **kwargs) -> fields.Function:
    """A string read from the client and written by ``serialize(obj)`` (a tag, a type or fund code).

    Read by marshmallow's own String field, so anything else gets its "Not a valid string."
    """
    return fields.Function(serialize, deserialize=fields.String().deserialize, **kwargs)


class OptionalEmail(fields.Email):
    """An email address, or none: "" and null are read as "" and "" is written as null."""

    def __init__(self, **kwargs):
        super().__init__(allow_none=True, **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None or value == "":
            return ""
        return super().deserialize(value, attr, data, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(value or None, attr, obj, **kwargs)
