"""Rate limits on the doors that face the public: login, tokens and the report form.

Limits live in memory by default (per worker); set ``RATELIMIT_STORAGE_URI`` (for
example ``redis://127.0.0.1:6379``) to share them between workers and servers.
"""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], storage_uri="memory://")

LOGIN_LIMIT = "10 per minute"
PUBLIC_FORM_LIMIT = "5 per minute"
