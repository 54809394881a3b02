"""Domain errors and the one place that turns errors into responses.

Services raise the errors below; views never build error payloads by hand. JSON clients
(anything under ``/api/`` or asking for JSON) get the DESIGN.md section 7 shape
``{"code", "status", "message", "errors"}``; browsers get an HTML page.

Messages are for people, in their language: a service raises with lazy translations
(``_l("Device %(tag)s is %(state)s.", tag=..., state=STATUS_LABELS[...])``), which turn into
text in the reader's language only when the response is made (``_readable``). The same goes
for the per-field messages in ``errors``, except the machine-readable codes kept for API
clients: ``errors["state"]`` (the current state's value) and ``errors["holds"]`` (why a
device is held back). Every message, the per-field ones too, is a sentence that reads on its
own: an HTML page lists them without the field names and the machine codes. The API's input
errors from marshmallow and webargs are read in the reader's language too (core.input_messages).
"""
from __future__ import annotations

from http import HTTPStatus

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from core import input_messages
from core.db import db

# Per-field entries that hold codes for API clients, not messages for people.
MACHINE_CODES = ("state", "holds")


class DomainError(Exception):
    """Base of the errors services raise; ``code`` is the HTTP status it maps to."""

    code = 400

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def __str__(self) -> str:
        return str(self.message)  # a lazy translation becomes text in the current language


class NotFound(DomainError):
    code = 404


class PermissionDenied(DomainError):
    code = 403


class Conflict(DomainError):
    code = 409


class InvalidTransition(Conflict):
    """A lifecycle step not allowed from the object's current state."""

    def __init__(self, message: str, current_state: str):
        super().__init__(message, {"state": [current_state]})
        self.current_state = current_state


class ValidationError(DomainError):
    """Input that is well-formed but breaks a rule; ``errors`` maps field -> messages."""

    code = 422


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _readable(value):
    """Messages (lazy translations included) as text in the reader's language, at any depth."""
    if isinstance(value, dict):
        return {str(k): _readable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_readable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def readable_messages(errors: dict) -> list[str]:
    """The per-field messages a person reads (machine codes left out), in the reader's language."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif value is not None:
            found.append(str(value))

    for key, value in (errors or {}).items():
        if key not in MACHINE_CODES:
            walk(value)
    return list(dict.fromkeys(found))


def error_response(code: int, message: str, errors: dict | None = None, headers=None):
    status = HTTPStatus(code)
    message, errors = _readable(message), _readable(errors or {})
    if wants_json():
        body = {"code": code, "status": status.phrase, "message": message}
        if errors:
            body["errors"] = errors
        response = jsonify(body)
    else:
        response = make_response(render_template("errors/error.html", code=code, **_page(code, message, errors)))
    response.status_code = code
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _page(code: int, message: str, errors: dict) -> dict:
    """What an error page says, all of it in the reader's language.

    The heading (also the page's title) and a sentence for the kind of error; the error's own
    message under it unless it would say the same. Below, the per-field messages the message
    does not already say, each a sentence of its own: without the field names and the machine
    codes, which are for API clients. A page that was not found or is not allowed shows no
    per-field details.
    """
    headings = {404: _("Page not found"), 403: _("Not allowed"), 409: _("Conflict"),
                422: _("Please check the information"), 429: _("Too many requests")}
    sentences = {404: _("We could not find what you asked for."),
                 403: _("You do not have permission to do this.")}
    sentence = sentences.get(code, "")
    if message == sentence:
        message = ""
    details = [] if code in (403, 404) else [m for m in readable_messages(errors) if m not in message]
    return {"heading": headings.get(code, _("Something went wrong")), "sentence": sentence or message,
            "detail": message if sentence else "", "errors": details}


def _http_message(exc: HTTPException) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in first."),
        403: _("You do not have permission to do this."),
        404: _("We could not find what you asked for."),
        405: _("This action is not allowed here."),
        409: _("This conflicts with the current state."),
        413: _("The upload is too large."),
        422: _("Some of the information given is not valid."),
        429: _("Too many requests; please wait a moment."),
        500: _("Something went wrong on our side."),
    }
    return messages.get(exc.code or 500, exc.description or "")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        db.session.rollback()
        return error_response(exc.code, exc.message, exc.errors)

    @app.errorhandler(StaleDataError)
    def _stale(_exc):
        db.session.rollback()
        return error_response(409, _("Someone else changed this record meanwhile; reload it and try again."),
                              {"version": [_("stale version")]})

    @app.errorhandler(IntegrityError)
    def _integrity(exc: IntegrityError):
        # The database is the last guard; the service normally gives a friendlier message.
        db.session.rollback()
        app.logger.info("integrity error turned into 409: %s", exc.orig.__class__.__name__)
        return error_response(409, _("This would break a rule of the records (a duplicate or a missing link)."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code and exc.code >= 500:
            db.session.rollback()
        errors = None
        data = getattr(exc, "data", None)
        if isinstance(data, dict) and "messages" in data:
            # webargs/flask-smorest validation errors: {"json": {"field": [...]}, ...}, whose
            # messages marshmallow gives in English: read them in the reader's language.
            errors = input_messages.translated(data["messages"])
        message = _http_message(exc)
        if errors is not None and exc.code == 400:
            message = _("The request body is not valid JSON.")
        headers = dict(data.get("headers") or {}) if isinstance(data, dict) else {}
        if exc.code == 401 and wants_json():
            headers.setdefault("WWW-Authenticate", "Bearer")
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        return error_response(exc.code or 500, message, errors, headers)

    if app.testing:
        return  # let tests see the traceback of anything unexpected

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return error_response(500, _("Something went wrong on our side."))
