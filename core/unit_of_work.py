"""One unit of work per request: the request commits once, at the end, when it succeeded.

Handlers and the helpers they use never commit (a test reads the code for it). When the view
returns, the app commits; an error raised anywhere in the view rolls the whole unit back, so
nothing is ever half-written. A page that shows a refused step again (a form with its
errors, 422) has rolled that step back already (``core.forms.attempt``), and what it still
records, such as who looked at a person's data, is kept.
A commit that the database refuses (a unique index, say) is raised inside the request and
answered by the error handlers like any other error. This is Indico's shape
(``indico/web/rh.py``, ``RH.process``) for pages and the API alike. CLI commands commit
once each, themselves.

The session keeps its objects loaded after the commit (``expire_on_commit=False`` in
core.db), so a page rendered after the commit reads them without going back to the
database; ``AfterCommit`` asks for exactly that, to keep SQLite's write lock, taken at the
first write, no longer than the writing.

On SQLite a page that reads begins without the write lock, so that readers never wait on one
another; if it then writes and another connection has committed meanwhile, SQLite refuses the
write outright. Such a request is rolled back and run again once, with the lock from its start.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from sqlalchemy.exc import OperationalError

from core.db import SAFE_METHODS, db


class AfterCommit:
    """A response made only once the request's work is committed (e.g. a page rendered after
    the scan it records): ``return AfterCommit(render_template, "page.html", **context)``."""

    def __init__(self, make, *args: Any, **kwargs: Any):
        self.make, self.args, self.kwargs = make, args, kwargs

    def __call__(self):
        return self.make(*self.args, **self.kwargs)


def finish(rv):
    """Commit the request's work (the view returned), then make the response."""
    db.session.commit()
    g.db_committed = True  # what is left is reading: SQLite's next transaction needs no write lock
    if isinstance(rv, AfterCommit):
        return rv()
    if isinstance(rv, tuple) and rv and isinstance(rv[0], AfterCommit):
        return (rv[0](), *rv[1:])
    return rv


def _lost_the_upgrade(exc: OperationalError) -> bool:
    """A page that only reads began its SQLite transaction without the write lock; when it then
    writes (who looked at a person's data) after another connection committed, SQLite refuses
    at once ("database is locked"): the transaction can never take the lock."""
    return (db.engine.dialect.name == "sqlite" and request.method in SAFE_METHODS
            and not g.get("db_appending") and not g.get("db_committed") and "locked" in str(exc.orig))


class App(Flask):
    """The app: every request is one unit of work (see the module)."""

    def dispatch_request(self):
        # Inside full_dispatch_request's try: a refused commit goes to the error handlers.
        try:
            return finish(super().dispatch_request())
        except OperationalError as exc:
            if not _lost_the_upgrade(exc):
                raise
        # The whole unit is rolled back and run again, holding the write lock from its start (a
        # GET changes nothing but its own logs, so running it again is safe).
        db.session.rollback()
        g.db_appending = True   # core.db: this transaction begins with the write lock
        return finish(super().dispatch_request())
