"""Who is acting, and the roles: ``viewer`` < ``coordinator`` < ``radiologist`` < ``admin`` (``spec/api.md``)."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Literal

from ioguide.services.errors import PermissionDeniedError

Role = Literal["viewer", "coordinator", "radiologist", "admin"]
#: Each role may do everything the roles before it may (spec/api.md, "Users and roles").
ROLES: tuple[Role, ...] = ("viewer", "coordinator", "radiologist", "admin")


@dataclass(frozen=True, slots=True)
class Actor:
    """The user a change is recorded against, with the reason they gave (``X-Reason``), if any; ``user_id`` is set
    for a signed-in user (None for the command line and the demo loader)."""

    username: str
    role: Role
    reason: str | None = None
    user_id: int | None = None


_RANK: dict[str, int] = {role: rank for rank, role in enumerate(ROLES)}


def may(role: str, needed: Role) -> bool:
    return _RANK.get(role, -1) >= _RANK[needed]


def require(actor: Actor, needed: Role) -> None:
    if not may(actor.role, needed):
        raise PermissionDeniedError(f"role {actor.role!r} may not do this (needs {needed!r} or above)")


def cli_actor(reason: str | None = None) -> Actor:
    """The actor for changes made from the command line on the server itself (``ioguide users add``)."""
    return Actor(username=f"cli:{getpass.getuser()}", role="admin", reason=reason)
