"""Language choice: Thai first, English second.

The language is the user's saved choice, else the one chosen in this browser session,
else Thai.
"""
from __future__ import annotations

from flask import Flask, session
from flask_babel import Babel, force_locale, get_locale
from flask_login import current_user

from core import dates
from core.users import LOCALES

babel = Babel()


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("lang")
    return chosen if chosen in LOCALES else "th"


def in_thai(text) -> str:
    """A (lazy) string in Thai whatever the reader's language: for Thai legal documents."""
    with force_locale("th"):
        return str(text)


def current_locale() -> str:
    return str(get_locale() or "th")


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_timezone="Asia/Bangkok")
    app.jinja_env.filters["date"] = lambda v: dates.format_date(v, current_locale())
    app.jinja_env.filters["datetime"] = lambda v: dates.format_datetime(v, current_locale())
    app.jinja_env.filters["baht"] = lambda v: dates.format_baht(v, current_locale())
    app.jinja_env.globals["current_locale"] = current_locale
