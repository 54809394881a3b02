"""Conditional GET for the pages anyone can open: an ETag, a short ``max-age``, and 304.

Such a page is the same for everyone who reads it in the same language on the same day until
the records change, except for what the layout adds for the reader: their login and the
language form's CSRF token. So the answer is ``private`` (a browser keeps its own copy;
a shared cache never keeps one, whose token would be someone else's), and its ETag is made
from the figures' version, the language, the reader and their token. A browser asking again
with ``If-None-Match`` gets 304 without the page being drawn.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Response, current_app, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from core.i18n import current_locale

MAX_AGE = 60


def etag_for(*version) -> str:
    reader = current_user.get_id() if current_user.is_authenticated else ""
    generate_csrf()  # the session's token, made now if the page would make it
    token = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), "")
    parts = (*version, current_locale(), reader, token)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def revalidated(version: tuple, render: Callable[[], object], max_age: int = MAX_AGE) -> Response:
    """The page ``render`` draws, or 304 when the browser already holds this ``version`` of it.

    A page with a message waiting to be shown (``flash``) is always drawn and not kept."""
    if session.get("_flashes"):
        return make_response(render())
    etag = etag_for(*version)
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = make_response(render())
    response.set_etag(etag)
    response.cache_control.private = True
    response.cache_control.max_age = max_age
    return response
