"""The audit trail's key: HMAC-SHA256 keys kept outside the database, in a key file of the instance directory.

The key file (``IOGUIDE_AUDIT_KEY_FILE``, default ``<instance_dir>/audit.key``) is created 0600 on first use by
:func:`ioguide.settings.read_or_create_secret`. Its first line is the *current* key, that new rows are keyed with;
the lines after it are *retired* keys, kept so that rows written before a rotation still verify
(:func:`rotate_key`, docs/operations.md "Rotating the audit key"). Each row of the trail stores the *key id* of
the key that signed it: a short digest of the key, which names the key without revealing it.

Anyone who can write the database but cannot read this file cannot compute a row's MAC, so a row they change,
insert or re-chain does not verify (RFC 2104, HMAC; FIPS 198-1).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ioguide.settings import SettingsError, read_or_create_secret

#: Rows hashed with plain SHA-256 before the trail was keyed (migration 0003 marks them so).
LEGACY_KEY_ID = "legacy-sha256"


class AuditKeyError(Exception):
    """The key file is missing, unreadable, too widely readable, or does not hold a key a row or anchor names."""


def key_id(key: bytes) -> str:
    """The public name of a key: the first 16 hex digits of SHA-256 over a domain tag and the key."""
    return hashlib.sha256(b"ioguide-audit-key-id\x00" + key).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    """The current key and the retired ones, by key id."""

    current_id: str
    keys: dict[str, bytes]
    path: Path

    def mac(self, message: bytes, with_key: str | None = None) -> str:
        """HMAC-SHA256 (hex) of ``message`` with the current key, or with the key named ``with_key``."""
        name = self.current_id if with_key is None else with_key
        key = self.keys.get(name)
        if key is None:
            raise AuditKeyError(
                f"{self.path} holds no key with id {name} (it holds {', '.join(self.keys)}): "
                "the wrong audit key file, or a key id that was written by someone without the key"
            )
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def knows(self, name: str) -> bool:
        return name in self.keys


def _parse(path: Path, text: str) -> Keyring:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise AuditKeyError(f"{path}: the audit key file is empty")
    keys = {key_id(line.encode()): line.encode() for line in lines}
    return Keyring(current_id=key_id(lines[0].encode()), keys=keys, path=path)


def load_keyring(path: Path, *, create: bool) -> Keyring:
    """The keyring in ``path``; created (0600, one new key) when missing and ``create`` is true, which only
    writers do. A reader (``ioguide audit verify``) never makes a key: a missing file is an error."""
    if not create and not path.exists():
        raise AuditKeyError(
            f"no audit key file at {path}: verify needs the key the trail was written with "
            "(set IOGUIDE_AUDIT_KEY_FILE or IOGUIDE_INSTANCE_DIR)"
        )
    try:
        if not path.exists():
            _create(path)
        read_or_create_secret(path)  # refuses a file others can read
        return _parse(path, path.read_text())
    except (SettingsError, OSError) as err:
        raise AuditKeyError(str(err)) from None


def _create(path: Path) -> None:
    """Create the key file whole or not at all: written 0600 under a temporary name, then hard-linked into place
    (which fails if another process got there first; its key wins). No reader ever sees an empty key file."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process created it first: its key is the key
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def rotate_key(path: Path) -> tuple[str, str]:
    """Make a new current key; keep the old ones as retired lines. Returns (old id, new id).

    The file is replaced atomically (a 0600 temporary file renamed over it), so a crash leaves the old or the new
    keyring, never half of one."""
    old = load_keyring(path, create=False)
    new_key = secrets.token_hex(32)
    retained = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    temporary = path.with_name(path.name + ".new")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join([new_key, *retained]) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    return old.current_id, key_id(new_key.encode())
