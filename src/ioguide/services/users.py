"""Verbs on users: add one (argon2-hashed password), authenticate, and slow down repeated failed logins."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from ioguide.errors import InputError, Problem
from ioguide.records.db import Database, read_session, write_transaction
from ioguide.records.models import User
from ioguide.services.common import record
from ioguide.services.context import ROLES, Actor, Role, require
from ioguide.services.errors import ConflictError

MIN_PASSWORD_LENGTH = 8
#: argon2id with RFC 9106's low-memory profile (argon2-cffi's defaults: t=3, m=64 MiB, p=4).
DEFAULT_HASHER = PasswordHasher()
#: A hash of a random password, verified against when the user does not exist, so both cases take as long.
_DUMMY_HASH = DEFAULT_HASHER.hash("ioguide-no-such-user")


def check_new_user(username: str, password: str, role: str) -> None:
    problems: list[Problem] = []
    if not (1 <= len(username) <= 64) or not all(c.isalnum() or c in "._-@" for c in username):
        problems.append(Problem("username", "1-64 letters, digits or . _ - @"))
    if role not in ROLES:
        problems.append(Problem("role", f"{role!r} is not one of {', '.join(ROLES)}"))
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(Problem("password", f"at least {MIN_PASSWORD_LENGTH} characters"))
    if problems:
        raise InputError(problems)


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
        user = User(username=username, password_hash=password_hash, role=role, active=True, version=1)
        session.add(user)
        session.flush()
        out = {"id": user.id, "username": username, "role": role, "version": 1}
        record(session, actor, "user.create", "user", user.id, None, None, out)
        return out


def authenticate(db: Database, username: str, password: str, hasher: PasswordHasher = DEFAULT_HASHER) -> Actor | None:
    """The user's :class:`Actor` when the password matches, else None (the same work either way)."""
    with read_session(db) as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    return Actor(username=user.username, role=_role(user.role))


def _role(value: str) -> Role:
    for role in ROLES:
        if role == value:
            return role
    return "viewer"


def find_actor(db: Database, username: str) -> Actor | None:
    """The active user's current role (a token names the user; the role is read at each request)."""
    with read_session(db) as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        return None if user is None else Actor(username=user.username, role=_role(user.role))


@dataclass
class LoginThrottle:
    """Slows down guessing: after ``max_failures`` failed logins for a name, further attempts for that name are
    refused for ``base_delay_s``, doubling with each further failure up to ``max_delay_s``; a success resets."""

    max_failures: int = 5
    base_delay_s: float = 2.0
    max_delay_s: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, int] = field(default_factory=dict)
    _blocked_until: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, username: str) -> float:
        """Seconds until ``username`` may try again (0 when it may now)."""
        with self._lock:
            return max(0.0, self._blocked_until.get(username, 0.0) - self.clock())

    def failed(self, username: str) -> None:
        with self._lock:
            count = self._failures.get(username, 0) + 1
            self._failures[username] = count
            if count >= self.max_failures:
                delay = min(self.max_delay_s, self.base_delay_s * 2 ** (count - self.max_failures))
                self._blocked_until[username] = self.clock() + delay

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(username, None)
            self._blocked_until.pop(username, None)
