"""Language choice: Thai first, English second.

The language is the user's saved choice, else the one chosen in this browser session,
else the best match for the browser's languages (Accept-Language), else Thai. Pages
therefore carry ``Vary: Accept-Language`` (app.py). The JSON API follows Accept-Language
alone (Thai when it says nothing), so a client reads messages in the language it asks for.
"""
from __future__ import annotations

from babel.numbers import format_decimal
from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_login import current_user

from core import clock, dates, money
from core.users import LOCALES

babel = Babel()


def select_locale() -> str:
    if not has_request_context():
        return "th"  # a command, or a service called outside a request
    if request.path.startswith("/api/"):
        # API clients say what they read: Accept-Language, Thai by default.
        return request.accept_languages.best_match(LOCALES) or "th"
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or "th"


def in_thai(text) -> str:
    """A (lazy) string in Thai whatever the reader's language: for Thai legal documents."""
    with force_locale("th"):
        return str(text)


class Joined:
    """Parts of a message (lazy translations, state labels) joined when it is shown, each in
    the reader's language: ``needed=Joined(STATUS_LABELS[s] for s in states)``."""

    def __init__(self, parts, separator: str = " / "):
        self.parts, self.separator = list(parts), separator

    def __str__(self) -> str:
        return self.separator.join(str(part) for part in self.parts)


def current_locale() -> str:
    return str(get_locale() or "th")


def format_number(value, locale: str = "th", decimals: int | None = None) -> str:
    """A count or figure with the locale's grouping: 12345 -> "12,345".

    ``decimals`` fixes the digits after the point (0 rounds to a whole number); by default
    up to three are shown, none for an integer.
    """
    if value is None:
        return ""
    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale)


def _translations():
    """The request's translations, as flask_babel's ``get_translations`` finds them, remembered
    for the locale in force: a page calls gettext dozens of times, and each of flask_babel's own
    lookups walks the request's state three times over. A new locale (``refresh``, ``force_locale``)
    is a new object, so the remembered translations never outlive it."""
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return get_translations()
    remembered = getattr(state, "translations_for", None)
    if remembered is None or remembered[0] is not locale:
        remembered = state.translations_for = (locale, get_translations())
    return remembered[1]


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_timezone=app.config["CENTER_TIMEZONE"])
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n))
    app.jinja_env.filters["date"] = lambda v: dates.format_date(v, current_locale())
    app.jinja_env.filters["datetime"] = lambda v: dates.format_datetime(v, current_locale())
    app.jinja_env.filters["date_input"] = lambda v: dates.format_date_input(v, current_locale())
    app.jinja_env.globals["date_hint"] = dates.date_hint
    app.jinja_env.filters["baht"] = lambda v: money.format_baht(v, current_locale())
    app.jinja_env.filters["number"] = lambda v, decimals=None: format_number(v, current_locale(), decimals)
    app.jinja_env.filters["days_ago"] = clock.days_since
    app.jinja_env.globals["current_locale"] = current_locale
