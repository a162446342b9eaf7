"""The API's settings, read once from the environment (or given by a test).

The fields share their names with :class:`ioguide.settings.Settings`, which they are read from, so the two can
become one object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from argon2 import PasswordHasher

from ioguide.records.db import resolve_url
from ioguide.services.users import DEFAULT_HASHER, LoginThrottle
from ioguide.settings import load_settings, read_or_create_secret


def _instance_secret() -> str:
    """The token signing secret kept in the instance directory (``secret.key``, created 0600 on first use), so a
    restart keeps everyone signed in and every worker of one instance accepts the same tokens."""
    path = load_settings().secret_key_file
    assert path is not None  # Settings fills it in from the instance directory
    return read_or_create_secret(path).decode("ascii")


@dataclass(frozen=True)
class ApiSettings:
    """``database_url`` (default: ``$IOGUIDE_DATABASE_URL`` or the SQLite file in the user's data directory);
    ``secret_key`` signs tokens (default: the instance's ``secret.key``, ``$IOGUIDE_SECRET_KEY_FILE``); tokens
    expire after ``token_minutes`` (``$IOGUIDE_TOKEN_MINUTES``, default 60); ``allowed_hosts`` are the ``Host``
    names served (``$IOGUIDE_ALLOWED_HOSTS``, default ``*``); request bodies above ``max_body_bytes`` are refused
    with 413 (``$IOGUIDE_MAX_BODY_BYTES``, default 1 MiB)."""

    database_url: str = field(default_factory=lambda: resolve_url(None))
    secret_key: str = field(default_factory=_instance_secret)
    token_minutes: float = field(default_factory=lambda: load_settings().token_minutes)
    allowed_hosts: tuple[str, ...] = field(default_factory=lambda: load_settings().allowed_hosts)
    max_body_bytes: int = field(default_factory=lambda: load_settings().max_body_bytes)
    hasher: PasswordHasher = DEFAULT_HASHER
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    #: Threads that check passwords (argon2 is slow on purpose): apart from the route handlers' threads, so a
    #: storm of sign-ins waits for these and never for the rest of the app.
    password_threads: int = 1
    #: Sign-ins allowed to wait for a password thread; more are refused with 503 and Retry-After.
    password_queue: int = 256
