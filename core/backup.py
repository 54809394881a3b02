"""Backups: ``flask backup PATH`` and ``flask restore PATH``, for SQLite and PostgreSQL.

SQLite is copied with its online backup API: one read transaction gives a consistent copy
while the app keeps writing (WAL lets writers go on beside a reader). The copy is made
beside PATH, checked (``integrity_check``), turned into one self-contained file and only
then moved onto PATH, so a failed backup never leaves a half file under the expected name.
PostgreSQL goes through ``pg_dump`` in its custom format (a client at least as new as the
server, see :func:`pg_tool`).

A restore first reads the backup through (SQLite's integrity check, or the dump's table of
contents), refuses a backup made by a newer version of the app than this one, and refuses
to replace a database holding data unless told to; it keeps a copy of the database it
replaces in the instance folder, restores in one transaction, and brings the result to the
current migration head. Backups and copies hold personal data: files are 0600, folders 0700.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import click
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import inspect, literal_column, select, table, text

from core import clock
from core.audit import audit_commands, verify_chain
from core.db import SQLITE_BUSY_TIMEOUT_MS, db, private_file, sqlite_file

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(click.ClickException):
    """A backup or restore that cannot go ahead; the message says why (exit code 1)."""


@dataclass
class BackupInfo:
    path: Path
    size: int
    revision: str | None
    seconds: float


# --- the database at hand ------------------------------------------------------------------------

def _kind() -> str:
    return db.engine.dialect.name


def _sqlite_file() -> Path:
    path = sqlite_file(db.engine)
    if path is None:
        raise BackupError("only a SQLite database in a file can be backed up")
    return path


def migration_head() -> str:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def known_revision(revision: str | None) -> bool:
    """Whether ``revision`` is one of this app's migrations, named in full."""
    if not revision:
        return False
    config = current_app.extensions["migrate"].migrate.get_config()
    try:
        script = ScriptDirectory.from_config(config).get_revision(revision)
    except CommandError:
        return False
    return script is not None and script.revision == revision


def holds_data() -> bool:
    """Whether any table but alembic's own has a row."""
    if _kind() == "sqlite" and not _sqlite_file().exists():
        return False
    names = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
    with db.engine.connect() as conn:
        return any(conn.execute(select(literal_column("1")).select_from(table(n)).limit(1)).first() is not None
                   for n in names)


def _stamp() -> str:
    return clock.now().strftime("%Y%m%dT%H%M%SZ")


def private_folder(path: Path) -> None:
    """Make ``path`` and any missing parents, each the owner's alone (0700); existing ones stay."""
    if not path.exists():
        private_folder(path.parent)
        path.mkdir(mode=0o700)
        path.chmod(0o700)  # whatever the umask


def _partial(path: Path) -> Path:
    private_folder(path.parent)
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    private_file(partial)
    return partial


# --- SQLite -------------------------------------------------------------------------------------

def _sqlite_copy(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.backup(dst)  # all pages in one step: one read transaction, one consistent copy
        dst.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"the copy of {source} failed its integrity check")


def sqlite_revision(path: Path) -> str | None:
    """The migration a SQLite backup stands at; BackupError when the file is not a sound database."""
    with open(path, "rb") as handle:
        if handle.read(16) != SQLITE_MAGIC:
            raise BackupError(f"{path} is not a SQLite database")
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise BackupError(f"{path} is damaged: {result}")
            migrated = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone() if migrated else None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from exc
    return row[0] if row else None


def _sqlite_restore(path: Path) -> None:
    target = _sqlite_file()
    db.engine.dispose()
    private_file(target)
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as src, \
            closing(sqlite3.connect(target, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as dst:
        src.backup(dst)  # one write transaction: the app's connections see the old or the new data


# --- PostgreSQL ---------------------------------------------------------------------------------

def _tool_major(path: str) -> int | None:
    try:
        result = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    except OSError:  # missing, or not a program
        return None
    found = re.search(r"\)\s*(\d+)", result.stdout)
    return int(found.group(1)) if result.returncode == 0 and found else None


def server_major() -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SHOW server_version_num")).scalar()) // 10000


def pg_tool(name: str, server: int) -> str:
    """A PostgreSQL client program that can work with the server: the same major version
    (Debian keeps each under /usr/lib/postgresql/N/bin), else the newest on PATH if it is newer."""
    candidates = [f"/usr/lib/postgresql/{server}/bin/{name}", shutil.which(name)]
    found = {}
    for candidate in filter(None, candidates):
        if (major := _tool_major(candidate)) is not None:
            if major >= server:
                return candidate
            found[candidate] = major
    if found:
        old = ", ".join(f"{path} is version {major}" for path, major in found.items())
        raise BackupError(f"{name} is older than the server (PostgreSQL {server}): {old}; "
                          f"install postgresql-client-{server}")
    raise BackupError(f"{name} is not installed; install postgresql-client (make system-deps)")


def _pg_target() -> tuple[str, dict[str, str]]:
    """The database as a libpq URI, and the environment carrying its password (never in argv)."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("stdout", subprocess.PIPE)
    result = subprocess.run(args, env=env, stderr=subprocess.PIPE, check=False, **kwargs)
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise BackupError(f"{what} failed: {detail[-1] if detail else 'exit code ' + str(result.returncode)}")
    return result


def _pg_dump(target: Path) -> None:
    uri, env = _pg_target()
    with open(target, "wb") as out:
        _run([pg_tool("pg_dump", server_major()), "--format=custom", f"--dbname={uri}"], env, "pg_dump", stdout=out)


def pg_revision(path: Path) -> str | None:
    """The migration a dump stands at; BackupError when it is not a whole, readable custom-format dump."""
    with open(path, "rb") as handle:
        if handle.read(5) != PG_DUMP_MAGIC:
            raise BackupError(f"{path} is not a PostgreSQL dump in the custom format")
    restore = pg_tool("pg_restore", server_major())
    _run([restore, "--file=/dev/null", str(path)], dict(os.environ), f"reading {path}")  # every byte of it
    data = _run([restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
                dict(os.environ), f"reading {path}").stdout.decode()
    rows = data.split("FROM stdin;\n", 1)[1].split("\n\\.", 1)[0].split() if "FROM stdin;" in data else []
    return rows[0] if rows else None


def _pg_restore(path: Path) -> None:
    uri, env = _pg_target()
    server = server_major()
    db.engine.dispose()
    # The whole script first (a private file, not memory), so that psql never runs a cut-off one;
    # then the old schema goes and the backup comes in one transaction: a failure leaves the old data.
    with tempfile.NamedTemporaryFile(dir=current_app.instance_path, prefix=".restore-", suffix=".sql") as script:
        _run([pg_tool("pg_restore", server), "--no-owner", "--no-privileges", f"--file={script.name}", str(path)],
             env, f"reading {path}")
        _run([pg_tool("psql", server), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
              "--command=DROP SCHEMA public CASCADE", "--command=CREATE SCHEMA public", f"--file={script.name}",
              f"--dbname={uri}"], env, "restoring")


# --- the two operations -------------------------------------------------------------------------

def backup(path: Path, overwrite: bool = False) -> BackupInfo:
    """Back the database up to ``path`` (a file; its folders are made, 0700). Raises BackupError."""
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists already; choose another name or pass --overwrite")
    started = time.perf_counter()
    partial = _partial(path)
    try:
        if _kind() == "sqlite":
            _sqlite_copy(_sqlite_file(), partial)
            revision = sqlite_revision(partial)
        elif _kind() == "postgresql":
            _pg_dump(partial)
            revision = pg_revision(partial)
        else:
            raise BackupError(f"no backup for a {_kind()} database")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(path, path.stat().st_size, revision, time.perf_counter() - started)


def check_backup(path: Path) -> str:
    """The migration revision of a readable backup this app can restore; BackupError otherwise."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    revision = sqlite_revision(path) if _kind() == "sqlite" else pg_revision(path)
    if revision is None:
        raise BackupError(f"{path} holds no migration revision; it is not a backup of this app")
    if not known_revision(revision):
        raise BackupError(f"{path} was made by a newer version of the app (revision {revision}); "
                          "update the app, then restore")
    return revision


def restore(path: Path, replace: bool = False) -> tuple[str, Path | None]:
    """Replace the database by the backup at ``path`` and upgrade it to the migration head.

    Returns the backup's revision and where the replaced database was kept (None if it held
    no data). Raises BackupError: an unreadable or foreign backup, or data in the way
    without ``replace``.
    """
    revision = check_backup(path)
    kept = None
    if holds_data():
        if not replace:
            raise BackupError("the database holds data; pass --yes to replace it by the backup")
        suffix = "db" if _kind() == "sqlite" else "dump"
        kept = backup(Path(current_app.instance_path) / f"before-restore-{_stamp()}.{suffix}").path
    db.session.remove()
    if _kind() == "sqlite":
        _sqlite_restore(path)
    else:
        _pg_restore(path)
    db.engine.dispose()
    upgrade()
    if current_revision() != migration_head():
        raise BackupError(f"the restored database stands at {current_revision()}, not at {migration_head()}")
    return revision, kept


# --- commands -----------------------------------------------------------------------------------

def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} kB"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace PATH if it exists.")
@with_appcontext
def backup_command(path: Path, overwrite: bool):
    """Back the database up to PATH while the app runs (SQLite online backup, or pg_dump)."""
    info = backup(path, overwrite)
    click.echo(f"backed up to {info.path} ({_size(info.size)}, revision {info.revision}) in {info.seconds:.2f} s")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that holds data.")
@with_appcontext
def restore_command(path: Path, yes: bool):
    """Restore the database from a backup made by ``flask backup``, then upgrade it to the current schema."""
    revision, kept = restore(path, replace=yes)
    if kept is not None:
        click.echo(f"the database replaced is kept at {kept}")
    head = migration_head()
    click.echo(f"restored {path} (revision {revision}" + (f", upgraded to {head})" if revision != head else ")"))
    check = verify_chain(db.session)
    click.echo(f"audit trail: {'intact' if check.intact else 'BROKEN, see flask audit verify'} "
               f"({check.events} events)")


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(audit_commands)
