"""The server's settings: the instance's (``ioguide.settings``, read once from the environment) plus what only a
running server holds (the password hasher, the sign-in throttle)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher

from ioguide.services.users import DEFAULT_HASHER, LoginThrottle
from ioguide.settings import Settings, load_settings


@dataclass(frozen=True)
class ApiSettings:
    """``instance``: the instance's settings (default: read from the environment once, here). ``database_url``
    (default: the instance's, ``$IOGUIDE_DATABASE_URL`` or the SQLite file in the instance directory);
    ``secret_key`` signs tokens (default: ``$IOGUIDE_SECRET_KEY``, else a random key, so tokens end with the
    process); tokens expire after ``token_minutes`` (default: ``$IOGUIDE_TOKEN_MINUTES``, 60)."""

    database_url: str = ""
    secret_key: str = ""
    token_minutes: float = 0.0
    hasher: PasswordHasher = DEFAULT_HASHER
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    instance: Settings = field(default_factory=load_settings)

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", self.instance.database_url)
        if not self.secret_key:
            object.__setattr__(self, "secret_key", self.instance.secret_key or secrets.token_hex(32))
        if not self.token_minutes:
            object.__setattr__(self, "token_minutes", self.instance.token_minutes)
