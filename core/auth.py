"""Authentication and coarse authorization for pages and the API.

Pages use a Flask-Login session cookie (forms carry CSRF tokens). The JSON API under
``/api/`` uses only ``Authorization: Bearer <token>``, never the cookie, so it needs no
CSRF token. A few page routes serve files that the API hands out by URL (a device's
``label_url``); marked :func:`accepts_bearer`, they also take a bearer token. Every view
states who may use it with :func:`require_role` or :func:`public`; a test walks the URL map
and fails on any view that says neither.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import LoginManager, current_user
from sqlalchemy.orm import joinedload

from core.db import db
from core.users import INTERNAL_ROLES, Role, User, user_for_token

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.session_protection = "basic"

ACCESS_ATTR = "_access"
BEARER_ATTR = "_accepts_bearer"
SESSION_ID = re.compile(r"[0-9]{1,10}:[0-9]{1,10}")


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    # "id:version" (User.get_id): a cookie made before the user's sessions were ended, by a
    # logout, a new password or a deactivation, names an older version and is refused.
    if not SESSION_ID.fullmatch(session_id or ""):
        return None
    user_id, version = session_id.split(":")
    user = db.session.get(User, int(user_id), options=[joinedload(User.role_rows)])  # one read, roles with it
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    if request.path.startswith("/api/"):
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def token_request() -> bool:
    """The request authenticates with a bearer token: every API request, and a request to a page
    route marked :func:`accepts_bearer` that sends ``Authorization: Bearer``."""
    if is_api_request():
        return True
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, BEARER_ATTR, False) and bearer_token() is not None


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def token_lifetime() -> dt.timedelta:
    return dt.timedelta(days=current_app.config["API_TOKEN_DAYS"])


def bearer_user() -> User | None:
    token = bearer_token()
    return user_for_token(token, token_lifetime()) if token else None


def current_actor() -> User | None:
    """The user acting in this request: the bearer token's for the API, else the session's."""
    if "actor" not in g:
        if token_request():
            g.actor = bearer_user()
        else:
            g.actor = current_user if current_user.is_authenticated else None
    return g.actor


def _doc_roles(func, roles: tuple[str, ...] | None) -> None:
    # Show in the OpenAPI document who may call each operation.
    apidoc = dict(getattr(func, "_apidoc", {}))
    manual = dict(apidoc.get("manual_doc", {}))
    if roles is None:
        manual["x-roles"] = ["public"]
        manual["security"] = []
    else:
        manual["x-roles"] = list(roles)
        manual["security"] = [{"bearerAuth": []}]
    apidoc["manual_doc"] = manual
    func._apidoc = apidoc


def require_role(*roles: Role | str) -> Callable:
    """Allow the view only to users holding at least one of ``roles``.

    Anonymous: pages redirect to the login page, the API (and a token that is not live) answers
    401. Wrong role: 403.
    """
    wanted = tuple(Role(r).value for r in roles)

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            actor = current_actor()
            if actor is None:
                if token_request():
                    abort(401)
                return login_manager.unauthorized()
            if not actor.has_role(*wanted):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, wanted)
        _doc_roles(wrapper, wanted)
        return wrapper

    return decorator


def require_internal(view):
    """Anyone who works for the center (every role but donor)."""
    return require_role(*INTERNAL_ROLES)(view)


def require_login(view):
    """Anyone logged in, whatever their role (donors too)."""
    return require_role(*Role)(view)


def accepts_bearer(view):
    """Let a page route answer API clients too: with ``Authorization: Bearer`` the request acts as
    the token's user (the roles the view requires still apply, and a token that is not live is a
    401), without it as the page session's user. Only for reading (a header, not a cookie, so no
    cross-site request can send it); put it above the role decorator."""
    setattr(view, BEARER_ATTR, True)
    return view


def public(view):
    """Mark a view as open to anyone, logged in or not."""
    setattr(view, ACCESS_ATTR, ("public",))
    _doc_roles(view, None)
    return view


def access_of(view) -> tuple[str, ...] | None:
    return getattr(view, ACCESS_ATTR, None)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after login (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
