"""Users, their roles and API tokens, and the services that manage them."""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from core.db import UTCDateTime, db, enum_column, utcnow
from core.errors import Conflict, ValidationError
from core.passwords import password_problems

_hasher = PasswordHasher()


def use_fast_hashing() -> None:
    """Cheap argon2 parameters, for the test suite only (it creates hundreds of users)."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


# How long a bearer token lasts unless the app's API_TOKEN_DAYS says otherwise.
DEFAULT_TOKEN_DAYS = 30
LOCALES = ("th", "en")


class Role(enum.StrEnum):
    ADMIN = "admin"
    STAFF = "staff"
    ASSESSOR = "assessor"
    SUPERVISOR = "supervisor"
    MAINTENANCE = "maintenance"
    TREASURER = "treasurer"
    DONOR = "donor"
    DPO = "dpo"  # data-protection officer (PDPA): the access log, record exports, data-subject requests


# Everyone who works for the center (every role but donor).
INTERNAL_ROLES = (Role.ADMIN, Role.STAFF, Role.ASSESSOR, Role.SUPERVISOR, Role.MAINTENANCE, Role.TREASURER)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the id kept in the session cookie: raising it ends every session of the user.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: Role | str) -> bool:
        return bool(self.roles & {Role(r) for r in roles})

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session cookie (core.auth loads it)
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher.hash(password)

    def check_password(self, password: str) -> bool:
        try:
            ok = _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and _hasher.check_needs_rehash(self.password_hash):
            self.set_password(password)
        return ok


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_user_roles_user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = enum_column(Role)

    user: Mapped[User] = relationship(back_populates="role_rows")


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def create_user(username: str, password: str, roles, *, display_name: str = "",
                enforce_policy: bool = True) -> User:
    """Create a user with roles.

    Raises ValidationError for an empty name, a password the policy refuses (core.passwords)
    or an unknown role, and Conflict when the username is taken. Only the demo loader passes
    ``enforce_policy=False``, to give its users the published demo password.
    """
    username = (username or "").strip()
    errors: dict[str, list] = {}
    if not username or len(username) > 64:
        errors["username"] = [_l("A username has 1 to 64 characters.")]
    problems = password_problems(password, username=username) if enforce_policy else []
    if problems:
        errors["password"] = problems
    try:
        role_set = {Role(r) for r in roles}
    except ValueError:
        errors["role"] = [_l("Choose roles among: %(roles)s.", roles=", ".join(r.value for r in Role))]
        role_set = set()
    if not role_set and "role" not in errors:
        errors["role"] = [_l("Choose at least one role.")]
    if errors:
        raise ValidationError(_l("The user cannot be created."), errors)
    if find_user(username):
        raise Conflict(_l("The username %(username)s is taken already.", username=username),
                       {"username": [_l("This username is taken already.")]})
    user = User(username=username, display_name=display_name or username)
    user.set_password(password)
    user.role_rows = [UserRole(role=r) for r in sorted(role_set)]
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    user = find_user(username or "")
    if user is None:
        _hasher.hash(password or "")  # spend the same time whether or not the name exists
        return None
    if not user.active or not user.check_password(password or ""):
        return None
    return user


def issue_token(user: User, lifetime: dt.timedelta | None = None) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    lifetime = lifetime or dt.timedelta(days=DEFAULT_TOKEN_DAYS)
    row = ApiToken(user=user, token_hash=_token_digest(token), expires_at=utcnow() + lifetime)
    db.session.add(row)
    db.session.flush()
    return token, row


def token_row(token: str, lifetime: dt.timedelta | None = None) -> ApiToken | None:
    """The live token row of ``token``: None when unknown, expired, older than ``lifetime``
    (the lifetime configured now, should it be shorter than when the token was made) or its
    user deactivated."""
    row = db.session.scalars(select(ApiToken).options(joinedload(ApiToken.user).joinedload(User.role_rows))
                             .where(ApiToken.token_hash == _token_digest(token))).unique().one_or_none()
    now = utcnow()
    if row is None or row.expires_at <= now or not row.user.active:
        return None
    if lifetime is not None and row.created_at + lifetime <= now:
        return None
    return row


def user_for_token(token: str, lifetime: dt.timedelta | None = None) -> User | None:
    row = token_row(token, lifetime)
    return row.user if row is not None else None


def end_sessions(user: User) -> None:
    """End every session and delete every token of ``user`` at once (logout, a new password,
    deactivation): a session cookie carries the version it was made with (``User.get_id``)."""
    user.session_version = (user.session_version or 0) + 1
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.flush()
