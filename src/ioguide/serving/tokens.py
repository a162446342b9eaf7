"""Signed tokens: ``<payload>.<signature>``, the payload (base64url JSON) naming the user and the expiry time,
the signature HMAC-SHA256 over it with the server's secret key. The API sends one as a bearer token, the pages
keep the same one in a cookie."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(secret: str, username: str, minutes: float, now: float | None = None) -> str:
    issued = time.time() if now is None else now
    payload = _b64(json.dumps({"sub": username, "exp": int(issued + minutes * 60)}).encode("utf-8"))
    signature = _b64(hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def read_token(secret: str, token: str, now: float | None = None) -> str | None:
    """The user a valid, unexpired token names; None for anything else."""
    try:
        payload, signature = token.split(".")
        expected = _b64(hmac.new(secret.encode("utf-8"), payload.encode("ascii"), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature):
            return None
        claims: Any = json.loads(_unb64(payload))
        if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str):
            return None
        if float(claims.get("exp", 0)) <= (time.time() if now is None else now):
            return None
        return str(claims["sub"])
    except (ValueError, UnicodeError):
        return None
