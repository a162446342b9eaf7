"""The server's settings: the instance's (``ioguide.settings``, read once from the environment) plus what only a
running server holds (the password hasher, the sign-in throttle, the password threads)."""

from __future__ import annotations

from dataclasses import dataclass, field

from argon2 import PasswordHasher

from ioguide.services.users import DEFAULT_HASHER, LoginThrottle
from ioguide.settings import Settings, load_settings, read_or_create_secret


@dataclass(frozen=True)
class ApiSettings:
    """``instance``: the instance's settings (default: read from the environment once, here). ``database_url``
    (default: the instance's); ``secret_key`` signs tokens (default: ``$IOGUIDE_SECRET_KEY``, else the instance's
    ``secret.key``, created 0600 on first use, so a restart keeps everyone signed in and every worker of one
    instance accepts the same tokens); ``token_minutes``, ``allowed_hosts`` (``Host`` names served) and
    ``max_body_bytes`` (larger bodies: 413) default to the instance's."""

    database_url: str = ""
    secret_key: str = ""
    token_minutes: float = 0.0
    hasher: PasswordHasher = DEFAULT_HASHER
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    instance: Settings = field(default_factory=load_settings)
    allowed_hosts: tuple[str, ...] = ()
    max_body_bytes: int = 0
    #: Threads that check passwords (argon2 is slow on purpose): apart from the route handlers' threads, so a
    #: storm of sign-ins waits for these and never for the rest of the app.
    password_threads: int = 1
    #: Sign-ins allowed to wait for a password thread; more are refused with 503 and Retry-After.
    password_queue: int = 256

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", self.instance.database_url)
        if not self.secret_key:
            secret = self.instance.secret_key
            if not secret:
                assert self.instance.secret_key_file is not None  # Settings fills it in
                secret = read_or_create_secret(self.instance.secret_key_file).decode("ascii")
            object.__setattr__(self, "secret_key", secret)
        if not self.token_minutes:
            object.__setattr__(self, "token_minutes", self.instance.token_minutes)
        if not self.allowed_hosts:
            object.__setattr__(self, "allowed_hosts", self.instance.allowed_hosts)
        if not self.max_body_bytes:
            object.__setattr__(self, "max_body_bytes", self.instance.max_body_bytes)
