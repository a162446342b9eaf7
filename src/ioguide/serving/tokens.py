"""Signed tokens: ``<payload>.<signature>``, the payload (base64url JSON) naming the user's id, the user's token
version and the expiry time, the signature HMAC-SHA256 over it with the instance's secret key (``secret.key`` in
the instance directory, so tokens survive a restart and every worker agrees). The API sends one as a bearer token,
the pages keep the same one in a cookie. A token is accepted only while its version is the user's current one:
signing out, disabling the user, changing the role or resetting the password increments it (revocation)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest())


@dataclass(frozen=True, slots=True)
class Claims:
    """What a valid token says: whose it is and which of the user's token versions it belongs to."""

    user_id: int
    token_version: int


def issue_token(secret: str, user_id: int, token_version: int, minutes: float, now: float | None = None) -> str:
    issued = time.time() if now is None else now
    claims = {"uid": user_id, "tv": token_version, "exp": int(issued + minutes * 60)}
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_sign(secret, payload)}"


def read_token(secret: str, token: str, now: float | None = None) -> Claims | None:
    """The claims of a validly signed, unexpired token; None for anything else."""
    try:
        payload, signature = token.split(".")
        if not hmac.compare_digest(_sign(secret, payload), signature):
            return None
        claims: Any = json.loads(_unb64(payload))
        if not isinstance(claims, dict):
            return None
        uid, tv, exp = claims.get("uid"), claims.get("tv"), claims.get("exp")
        if not (type(uid) is int and type(tv) is int and isinstance(exp, int | float)):
            return None
        if exp <= (time.time() if now is None else now):
            return None
        return Claims(uid, tv)
    except (ValueError, UnicodeError):
        return None
