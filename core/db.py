"""The database handle, the declarative base and storage tuning for SQLite.

SQLite is the default store. Several server workers may write to one file, so each
connection runs in WAL mode with foreign keys and a busy timeout, and write
transactions start with ``BEGIN IMMEDIATE``: a deferred transaction that reads and then
writes can fail at once with SQLITE_BUSY whatever the timeout, while an immediate one
waits its turn for the write lock.

The database holds health and personal data: the instance folder is the owner's alone
(0700) and a SQLite file 0600, made so before SQLite first opens it, since SQLite gives its
-wal and -shm files the database file's mode.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Enum, MetaData, event, types
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column

from core import clock

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_MS = 15_000
JULIAN_DAY_OF_ORDINAL_ZERO = 1_721_425   # date(1, 1, 1).toordinal() is 1; its Julian day number 1,721,426


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay loaded after the request's one commit, so a page rendered afterwards reads them
# without going back to the database (core.unit_of_work).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def utcnow() -> dt.datetime:
    """Aware UTC now; every stored time is UTC (the center's clock, core.clock)."""
    return clock.now()


APPENDS_ATTR = "_db_appends"


def appends(view):
    """Mark a safe-method view that writes only new rows which none of its own reads depend on
    (the scan page logs the scan, and who looked at whose data).

    On SQLite its transaction starts without the write lock, and takes the lock at its first
    flush (core.db.take_write_lock_to_flush): the reads before are not made under the lock, so
    two workers wait on each other only for the inserts and the commit. (A deferred transaction
    that has read cannot take the lock later under a second writer: SQLite refuses it at once,
    whatever the busy timeout; hence a fresh, immediate one.)
    """
    setattr(view, APPENDS_ATTR, True)
    return view


def holds_write_lock() -> bool:
    """Whether the session's transaction takes SQLite's write lock (so another connection could
    not write until it ends): outside a request, and in a request that writes."""
    return _wants_write_lock()


def _wants_write_lock() -> bool:
    # Outside a request (CLI, tests calling services, background work) assume writes.
    if not has_request_context():
        return True
    if g.get("db_committed"):  # the request's unit of work is done: what follows only reads
        return False
    return request.method not in SAFE_METHODS or bool(g.get("db_appending"))


def _appends() -> bool:
    return getattr(current_app.view_functions.get(request.endpoint), APPENDS_ATTR, False)


@event.listens_for(Session, "before_flush")
def take_write_lock_to_flush(session, _context, _instances) -> None:
    """In a view marked :func:`appends`, on SQLite: before the first flush, trade the read
    transaction for one holding the write lock. Nothing was written in it, so ending it loses
    nothing; the objects read stay loaded (the rows appended depend on none of them)."""
    if not has_request_context() or g.get("db_appending") or g.get("db_committed") or not _appends():
        return
    if session.get_bind().dialect.name != "sqlite":
        return
    g.db_appending = True
    began = session.in_transaction() and session.connection()
    if began:
        driver = began.connection.dbapi_connection
        if driver.in_transaction:
            driver.execute("ROLLBACK")
        driver.execute("BEGIN IMMEDIATE")


def center_day(stored: str | None, zone_name: str) -> int | None:
    """SQLite's ``center_day(at, zone)``: the Julian day number of the calendar day in ``zone`` of a
    stored UTC time (reports/days.py uses it in zones with summer time)."""
    if stored is None:
        return None
    moment = dt.datetime.fromisoformat(stored).replace(tzinfo=dt.UTC)
    return moment.astimezone(ZoneInfo(zone_name)).date().toordinal() + JULIAN_DAY_OF_ORDINAL_ZERO


def configure_sqlite(engine: Engine) -> None:
    """Install the pragmas and the BEGIN IMMEDIATE recipe on a SQLite engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Hand transaction control to SQLAlchemy (the documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.create_function("center_day", 2, center_day, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


def private_file(path: Path) -> None:
    """Make ``path`` readable and writable by its owner only, creating it empty if missing."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite engine (None for an in-memory or URI-named database)."""
    name = engine.url.database if engine.dialect.name == "sqlite" else None
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return Path(name)


def _private_storage(app, engine: Engine) -> None:
    instance = Path(app.instance_path)
    try:
        if instance.is_dir():
            instance.chmod(0o700)
        path = sqlite_file(engine)
        if path is not None and path.parent.is_dir():
            private_file(path)
            for extra in ("-wal", "-shm", "-journal"):
                if (companion := Path(f"{path}{extra}")).exists():
                    companion.chmod(0o600)
    except OSError as exc:  # a folder owned by someone else: say so, and start anyway
        app.logger.warning("could not make the storage private: %s", exc)


def init_storage(app) -> None:
    """Bind the database to the app, keep its files private and tune SQLite engines."""
    db.init_app(app)
    with app.app_context():
        engine = db.engine
        _private_storage(app, engine)
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)


def enum_column(enum_cls, length: int = 20, **kwargs):
    """A portable enum column: VARCHAR plus a CHECK constraint, stored by value."""
    return mapped_column(
        Enum(enum_cls, native_enum=False, length=length, create_constraint=True,
             values_callable=lambda e: [m.value for m in e], validate_strings=True),
        **kwargs,
    )


class UTCDateTime(types.TypeDecorator):
    """A timestamp stored as UTC and always read back as an aware UTC datetime.

    SQLite keeps no time zone, PostgreSQL does; this type makes both behave the same.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC times")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def append_only_statements(table: str, dialect: str) -> list[str]:
    """DDL that makes the database refuse UPDATE and DELETE on ``table``.

    Used both by the models (so ``create_all`` has it) and by the migrations.
    """
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
        ]
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION forbid_change() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION forbid_change()",
        ]
    return []


def make_append_only(table) -> None:
    """Attach the append-only triggers to a Table's creation."""

    @event.listens_for(table, "after_create")
    def _after_create(target, connection, **_kw):
        for statement in append_only_statements(target.name, connection.dialect.name):
            connection.exec_driver_sql(statement)


def contains_text(column, text: str):
    """``column`` holds ``text``, whatever its case. SQLite's LIKE folds case as far as its lower()
    does (ASCII), so there the plain LIKE is the same match and reads the column straight from an
    index, with no lower() called on every row; PostgreSQL has ILIKE."""
    needle = f"%{text}%"
    return column.like(needle) if db.session.get_bind().dialect.name == "sqlite" else column.ilike(needle)

