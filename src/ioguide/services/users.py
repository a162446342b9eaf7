"""Verbs on users: add, list, disable and enable, change the role, reset the password, sign out (revoke every
token), authenticate, and slow down repeated failed logins by address and by user name.

Every token names the user's id and ``token_version``; each verb that must end the user's sessions (sign-out,
disabling, a role change, a password reset) increments it, in the same audited transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ioguide.errors import InputError, Problem
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import User
from ioguide.services.common import record
from ioguide.services.context import ROLES, Actor, Role, require
from ioguide.services.errors import ConflictError, NotFoundError
from ioguide.services.passwords import MIN_PASSWORD_LENGTH, password_problems

__all__ = ["MIN_PASSWORD_LENGTH", "Account", "LoginThrottle"]

#: argon2id with RFC 9106's low-memory profile (argon2-cffi's defaults: t=3, m=64 MiB, p=4).
DEFAULT_HASHER = PasswordHasher()
#: A hash of a random password, verified against when the user does not exist, so both cases take as long.
_DUMMY_HASH = DEFAULT_HASHER.hash("ioguide-no-such-user")


@dataclass(frozen=True, slots=True)
class Account:
    """An active user as a token sees it: the id and token version a token must name, and the current role."""

    id: int
    username: str
    role: Role
    token_version: int

    def actor(self, reason: str | None = None) -> Actor:
        return Actor(self.username, self.role, reason, self.id)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _username_problems(username: str) -> list[Problem]:
    if not (1 <= len(username) <= 64) or not all(c.isalnum() or c in "._-@" for c in username):
        return [Problem("username", "1-64 letters, digits or . _ - @")]
    return []


def _role_problems(role: str, field: str = "role") -> list[Problem]:
    return [] if role in ROLES else [Problem(field, f"{role!r} is not one of {', '.join(ROLES)}")]


def check_new_user(username: str, password: str, role: str) -> None:
    problems = _username_problems(username) + _role_problems(role) + password_problems(password, username)
    if problems:
        raise InputError(problems)


def _role(value: str) -> Role:
    for role in ROLES:
        if role == value:
            return role
    return "viewer"


def _account(user: User) -> Account:
    return Account(user.id, user.username, _role(user.role), user.token_version)


def _view(user: User) -> dict[str, Any]:
    """The API's view of a user (never the hash)."""
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "active": user.active,
        "password_changed_at": user.password_changed_at,
        "version": user.version,
    }


def add_user(
    db: Database, actor: Actor, username: str, password: str, role: str, hasher: PasswordHasher = DEFAULT_HASHER
) -> dict[str, Any]:
    """Create a user; only an admin (or the server's own command line) may."""
    require(actor, "admin")
    check_new_user(username, password, role)
    password_hash = hasher.hash(password)
    with write_transaction(db) as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise ConflictError(f"a user {username!r} exists already", "username")
        user = User(
            username=username,
            password_hash=password_hash,
            role=role,
            active=True,
            version=1,
            token_version=1,
            password_changed_at=_now(),
        )
        session.add(user)
        session.flush()
        out = {"id": user.id, "username": username, "role": role, "version": 1}
        record(session, actor, "user.create", "user", user.id, None, None, out)
        return out


def list_users(db: Database, actor: Actor) -> list[dict[str, Any]]:
    """Every user, active or not, by name (admin)."""
    require(actor, "admin")
    with read_session(db) as session:
        return [_view(user) for user in session.scalars(select(User).order_by(User.username))]


def _load(session: Session, user: int | str) -> User:
    """The user with this id (int) or name (str); 404 when there is none."""
    if isinstance(user, int):
        row = session.get(User, user)
        what = f"id {user}"
    else:
        row = session.scalar(select(User).where(User.username == user))
        what = f"name {user!r}"
    if row is None:
        raise NotFoundError(f"no user with {what}", "id" if isinstance(user, int) else "username")
    return row


def _keep_an_admin(session: Session, user: User, action: str) -> None:
    """Refuse to disable or demote the last active admin: nobody could manage users afterwards."""
    if user.role != "admin" or not user.active:
        return
    admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True)))
    if (admins or 0) <= 1:
        raise ConflictError(
            f"{user.username!r} is the last active admin and cannot be {action}: make another admin first"
        )


def _change(
    db: Database,
    actor: Actor,
    user: int | str,
    action: str,
    apply: Callable[[Session, User], None],
    needed: Role = "admin",
) -> dict[str, Any]:
    """Load, apply, revoke every token of the user, bump its version, audit; one transaction."""
    require(actor, needed)
    with write_transaction(db) as session:
        row = _load(session, user)
        before = _view(row)
        apply(session, row)
        row.token_version += 1
        row.version += 1
        session.flush()
        after = _view(row)
        record(session, actor, action, "user", row.id, None, before, after)
        return after


def set_active(db: Database, actor: Actor, user: int | str, active: bool) -> dict[str, Any]:
    """Disable (``active=False``: every token is revoked, sign-in refused) or enable a user (admin)."""

    def apply(session: Session, row: User) -> None:
        if not active:
            _keep_an_admin(session, row, "disabled")
        row.active = active

    return _change(db, actor, user, "user.enable" if active else "user.disable", apply)


def set_role(db: Database, actor: Actor, user: int | str, role: str) -> dict[str, Any]:
    """Give the user another role; their tokens are revoked, so they sign in again under it (admin)."""
    problems = _role_problems(role)
    if problems:
        raise InputError(problems)

    def apply(session: Session, row: User) -> None:
        if role != "admin":
            _keep_an_admin(session, row, "demoted")
        row.role = role

    return _change(db, actor, user, "user.role", apply)


def reset_password(
    db: Database, actor: Actor, user: int | str, password: str, hasher: PasswordHasher = DEFAULT_HASHER
) -> dict[str, Any]:
    """Set a new password (admin); every token of the user is revoked. The audit row holds the time, never the
    password or its hash."""
    require(actor, "admin")
    with read_session(db) as session:
        username = _load(session, user).username
    problems = password_problems(password, username)
    if problems:
        raise InputError(problems)
    password_hash = hasher.hash(password)  # outside the write transaction: hashing is slow

    def apply(session: Session, row: User) -> None:
        row.password_hash = password_hash
        row.password_changed_at = _now()

    return _change(db, actor, user, "user.password", apply)


def sign_out(db: Database, actor: Actor, user_id: int) -> None:
    """Revoke every token of the signed-in user (``POST /api/v1/auth/logout``, the pages' sign-out)."""
    if actor.user_id != user_id:
        require(actor, "admin")
    _change(db, actor, user_id, "user.sign_out", lambda _s, _u: None, needed="viewer")


def authenticate(db: Database, username: str, password: str, hasher: PasswordHasher = DEFAULT_HASHER) -> Account | None:
    """The active user's :class:`Account` when the password matches, else None (the same work either way)."""
    with read_session(db) as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        account = None if user is None else _account(user)
        stored = _DUMMY_HASH if user is None else user.password_hash
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return account


def find_account(db: Database, user_id: int) -> Account | None:
    """The active user with this id (a token names the id; role and token version are read at each request)."""
    with read_session(db) as session:
        user = session.get(User, user_id)
        return None if user is None or not user.active else _account(user)


def find_actor(db: Database, username: str) -> Actor | None:
    """The active user named ``username`` as an :class:`Actor`, or None."""
    with read_session(db) as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        return None if user is None else _account(user).actor()


@dataclass
class _Failures:
    count: int = 0
    blocked_until: float = 0.0
    last: float = 0.0


@dataclass
class LoginThrottle:
    """Slows down password guessing, per client address and per user name from that address.

    OWASP Authentication Cheat Sheet, "Login Throttling": throttle by account and by source so that neither one
    account nor many accounts can be guessed at speed. Here:

    - after ``max_failures`` failed logins for one user name from one address, that pair waits ``base_delay_s``,
      doubling with each further failure up to ``max_delay_s``; a success resets the pair;
    - after ``max_address_failures`` failed logins from one address, whatever the user names (spraying), that
      address waits likewise; a success does not reset it (one known account must not unlock spraying);
    - a user name is never locked for every address: a victim signing in from elsewhere is not locked out by an
      attacker's failures;
    - counts are forgotten ``forget_after_s`` after a key's last failure.
    """

    max_failures: int = 5
    max_address_failures: int = 20
    base_delay_s: float = 2.0
    max_delay_s: float = 300.0
    forget_after_s: float = 900.0
    #: Keys kept before forgotten ones are pruned (bounds memory under a spray of random names).
    max_keys: int = 100_000
    clock: Callable[[], float] = time.monotonic
    _keys: dict[tuple[str, str], _Failures] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _get(self, key: tuple[str, str], now: float) -> _Failures | None:
        entry = self._keys.get(key)
        if entry is not None and now - entry.last > self.forget_after_s and entry.blocked_until <= now:
            del self._keys[key]
            return None
        return entry

    def retry_after(self, address: str, username: str) -> float:
        """Seconds until ``username`` may be tried again from ``address`` (0 when it may now)."""
        with self._lock:
            now = self.clock()
            waits = [0.0]
            for key in ((address, username), (address, "")):
                entry = self._get(key, now)
                if entry is not None:
                    waits.append(entry.blocked_until - now)
            return max(waits)

    def _fail(self, key: tuple[str, str], limit: int, now: float) -> None:
        entry = self._get(key, now) or self._keys.setdefault(key, _Failures())
        entry.count += 1
        entry.last = now
        if entry.count >= limit:
            entry.blocked_until = now + min(self.max_delay_s, self.base_delay_s * 2 ** (entry.count - limit))

    def failed(self, address: str, username: str) -> None:
        with self._lock:
            now = self.clock()
            if len(self._keys) >= self.max_keys:
                self._prune(now)
            self._fail((address, username), self.max_failures, now)
            self._fail((address, ""), self.max_address_failures, now)

    def succeeded(self, address: str, username: str) -> None:
        with self._lock:
            self._keys.pop((address, username), None)

    def _prune(self, now: float) -> None:
        for key in [k for k, e in self._keys.items() if e.blocked_until <= now and now - e.last > 60.0]:
            del self._keys[key]
