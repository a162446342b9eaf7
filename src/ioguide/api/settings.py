"""The API's settings, read once from the environment (or given by a test)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher

from ioguide.records.db import resolve_url
from ioguide.services.users import DEFAULT_HASHER, LoginThrottle


@dataclass(frozen=True)
class ApiSettings:
    """``database_url`` (default: ``$IOGUIDE_DATABASE_URL`` or the SQLite file in the user's data directory);
    ``secret_key`` signs tokens (``$IOGUIDE_SECRET_KEY``; else a random key, so tokens end with the process);
    tokens expire after ``token_minutes`` (``$IOGUIDE_TOKEN_MINUTES``, default 60)."""

    database_url: str = field(default_factory=lambda: resolve_url(None))
    secret_key: str = field(default_factory=lambda: os.environ.get("IOGUIDE_SECRET_KEY") or secrets.token_hex(32))
    token_minutes: float = field(default_factory=lambda: float(os.environ.get("IOGUIDE_TOKEN_MINUTES", "60")))
    hasher: PasswordHasher = DEFAULT_HASHER
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
