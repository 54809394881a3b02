"""Rate limits on the doors that face the public: login, tokens, the report form, and the
pages anyone (or any donor) can open.

Limits live in memory by default (per worker); set ``RATELIMIT_STORAGE_URI`` (for
example ``redis://127.0.0.1:6379``) to share them between workers and servers. A refused
request is answered 429 with a page in the reader's language and ``Retry-After``.
"""
from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user

from core.users import INTERNAL_ROLES

limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")

LOGIN_LIMIT = "10 per minute"
PUBLIC_FORM_LIMIT = "5 per minute"
# Per network address, shared by every public and donor page (``PUBLIC_PAGE_LIMIT``).
PUBLIC_PAGE_DEFAULT = "120 per minute"


def _public_page_limit() -> str:
    return current_app.config["PUBLIC_PAGE_LIMIT"]


def _is_staff() -> bool:
    """The center's own people are not limited on the pages they share with the public (the
    label's page): a storeroom scanning labels behind one address is not a flood."""
    return bool(current_user.is_authenticated and current_user.has_role(*INTERNAL_ROLES))


# One budget per address across the public and donor pages, so a flood spread over them counts once.
public_page = limiter.shared_limit(_public_page_limit, scope="public-pages", exempt_when=_is_staff)
