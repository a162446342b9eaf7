"""The one settings object of an ioguide instance, read once from the environment (or built by a test).

An *instance* is one deployment: its database and the secrets that must live outside the database (the token
signing secret, the audit-trail key, audit anchors, backups). The instance directory holds them, created 0700;
secret files in it are created 0600 on first use (docs/operations.md).

| setting | environment | default |
|---|---|---|
| ``instance_dir`` | ``IOGUIDE_INSTANCE_DIR`` | ``$XDG_DATA_HOME/ioguide`` (else ``~/.local/share/ioguide``) |
| ``database_url`` | ``IOGUIDE_DATABASE_URL`` | ``sqlite:///<instance_dir>/ioguide.db`` |
| ``secret_key_file`` | ``IOGUIDE_SECRET_KEY_FILE`` | ``<instance_dir>/secret.key`` |
| ``secret_key`` | ``IOGUIDE_SECRET_KEY`` | none: the server signs tokens with the key in ``secret_key_file`` |
| ``audit_key_file`` | ``IOGUIDE_AUDIT_KEY_FILE`` | ``<instance_dir>/audit.key`` |
| ``jobs_dir`` | ``IOGUIDE_JOBS_DIR`` | ``<instance_dir>/jobs`` (background export files) |
| ``token_minutes`` | ``IOGUIDE_TOKEN_MINUTES`` | 60 |
| ``threads`` | ``IOGUIDE_THREADS`` | 8 |
| ``allowed_hosts`` | ``IOGUIDE_ALLOWED_HOSTS`` (comma-separated) | ``*`` |
| ``max_body_bytes`` | ``IOGUIDE_MAX_BODY_BYTES`` | 1 MiB |
| ``sqlite_synchronous`` | ``IOGUIDE_SQLITE_SYNCHRONOUS`` (NORMAL, FULL or EXTRA) | NORMAL |

A malformed value is an error naming the variable, raised when the settings are read (at start-up), never a
silent fallback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

INSTANCE_DIR_ENV = "IOGUIDE_INSTANCE_DIR"
DATABASE_URL_ENV = "IOGUIDE_DATABASE_URL"
#: SQLite's ``synchronous`` setting: NORMAL keeps every committed transaction through a crash or kill of the
#: process (WAL), FULL also through a power cut or an operating-system crash, at about a fifth of the write rate on
#: an ordinary disk (docs/records.md).
SQLITE_SYNCHRONOUS_ENV = "IOGUIDE_SQLITE_SYNCHRONOUS"
SQLITE_SYNCHRONOUS = ("NORMAL", "FULL", "EXTRA")


class SettingsError(ValueError):
    """An environment variable holds a value ioguide cannot use; the message names the variable and the rule."""


def default_instance_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$IOGUIDE_INSTANCE_DIR``, else the user's data directory (``$XDG_DATA_HOME/ioguide``)."""
    env = os.environ if env is None else env
    explicit = env.get(INSTANCE_DIR_ENV)
    if explicit:
        return Path(explicit)
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ioguide"


def _positive_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: a number is needed") from None
    if not value > 0:
        raise SettingsError(f"{name}={raw!r}: the value must be greater than 0")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything an instance is configured by; see the module docstring for each field's variable."""

    instance_dir: Path = field(default_factory=default_instance_dir)
    database_url: str = ""
    secret_key_file: Path | None = None
    audit_key_file: Path | None = None
    jobs_dir: Path | None = None
    token_minutes: float = 60.0
    threads: int = 8
    allowed_hosts: tuple[str, ...] = ("*",)
    max_body_bytes: int = 1024 * 1024
    secret_key: str | None = None
    sqlite_synchronous: str = "NORMAL"

    def __post_init__(self) -> None:
        # Derived paths default into the instance directory (one place to back up and protect).
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.instance_dir / 'ioguide.db'}")
        if self.secret_key_file is None:
            object.__setattr__(self, "secret_key_file", self.instance_dir / "secret.key")
        if self.audit_key_file is None:
            object.__setattr__(self, "audit_key_file", self.instance_dir / "audit.key")
        if self.jobs_dir is None:
            object.__setattr__(self, "jobs_dir", self.instance_dir / "jobs")


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read the settings once from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    hosts = tuple(h.strip() for h in env.get("IOGUIDE_ALLOWED_HOSTS", "*").split(",") if h.strip()) or ("*",)
    secret = env.get("IOGUIDE_SECRET_KEY_FILE")
    audit = env.get("IOGUIDE_AUDIT_KEY_FILE")
    return Settings(
        instance_dir=default_instance_dir(env),
        database_url=env.get(DATABASE_URL_ENV, ""),
        secret_key_file=Path(secret) if secret else None,
        audit_key_file=Path(audit) if audit else None,
        jobs_dir=Path(env["IOGUIDE_JOBS_DIR"]) if env.get("IOGUIDE_JOBS_DIR") else None,
        token_minutes=_positive_number(env, "IOGUIDE_TOKEN_MINUTES", 60.0),
        threads=int(_positive_number(env, "IOGUIDE_THREADS", 8)),
        allowed_hosts=hosts,
        max_body_bytes=int(_positive_number(env, "IOGUIDE_MAX_BODY_BYTES", 1024 * 1024)),
        secret_key=env.get("IOGUIDE_SECRET_KEY") or None,
        sqlite_synchronous=_sqlite_synchronous(env),
    )


def _sqlite_synchronous(env: Mapping[str, str]) -> str:
    value = env.get(SQLITE_SYNCHRONOUS_ENV, "NORMAL").upper()
    if value not in SQLITE_SYNCHRONOUS:
        raise SettingsError(f"{SQLITE_SYNCHRONOUS_ENV}={value!r}: use {', '.join(SQLITE_SYNCHRONOUS)}")
    return value


def ensure_instance_dir(path: Path) -> Path:
    """Create the instance directory (0700) when missing; return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def read_or_create_secret(path: Path, nbytes: int = 32) -> bytes:
    """The secret in ``path``, created 0600 with ``nbytes`` random bytes (hex) on first use.

    Created with O_EXCL so two processes starting at once agree on one secret; a file readable by others is
    refused (a secret anyone on the machine can read protects nothing).
    """
    import secrets

    ensure_instance_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(nbytes) + "\n")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise SettingsError(f"{path}: mode {mode:o} lets other users read a secret; chmod 600 it")
    value = path.read_text().strip()
    if not value:
        raise SettingsError(f"{path}: the file is empty; delete it to create a new secret")
    return value.encode()
