"""``Idempotency-Key`` for API calls that create things (requests, loans, money movements).

A client that retries after a lost answer sends the same key: it gets the first result
back and nothing is written again. The same key with a different body is refused. The
stored answer is written in the same transaction as the work, and a unique index on
(user, key) makes two concurrent retries end with one result, never two.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json

from flask import make_response, request
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from core.auth import current_actor
from core.db import UTCDateTime, db, utcnow
from core.errors import ValidationError

MAX_KEY_LENGTH = 200


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    endpoint: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict | list | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


def _fingerprint() -> str:
    try:
        body = json.dumps(request.get_json(silent=True), sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        body = request.get_data(as_text=True)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(view):
    """Honour ``Idempotency-Key``: the stored answer is written in the request's one unit of work
    (core.unit_of_work), so the key and the work are committed together or not at all."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            response = make_response(view(*args, **kwargs))
            return response
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError(_l("The Idempotency-Key is too long."),
                                  {"Idempotency-Key": [lazy_ngettext("Use at most %(num)d character.",
                                                                     "Use at most %(num)d characters.",
                                                                     MAX_KEY_LENGTH)]})
        actor = current_actor()
        digest = _fingerprint()
        stored = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == actor.id,
                                                                IdempotencyKey.key == key))
        if stored is not None:
            if stored.request_hash != digest:
                raise ValidationError(_l("This Idempotency-Key was used with a different request."),
                                      {"Idempotency-Key": [_l("It was used already with another body or path.")]})
            replay = make_response(json.dumps(stored.body, ensure_ascii=False), stored.status_code)
            replay.mimetype = "application/json"
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = make_response(view(*args, **kwargs))
        db.session.add(IdempotencyKey(user_id=actor.id, key=key, endpoint=request.path, request_hash=digest,
                                      status_code=response.status_code, body=response.get_json(silent=True)))
        return response

    return wrapper
