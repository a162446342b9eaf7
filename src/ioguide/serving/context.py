"""What every request needs, API or page: the database, the settings, the account cache and the password threads,
kept on ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from ioguide.records.db import Database
from ioguide.services.users import Account
from ioguide.serving.passwords import PasswordGate
from ioguide.serving.settings import ApiSettings


@dataclass(frozen=True)
class ApiContext:
    db: Database
    settings: ApiSettings
    #: user id -> (account or None, monotonic expiry): roles and token versions read at most every few seconds
    accounts: dict[int, tuple[Account | None, float]] = field(default_factory=dict)
    passwords: PasswordGate = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "passwords", PasswordGate(self.settings.password_threads, self.settings.password_queue)
        )

    def forget(self, user_id: int) -> None:
        """Drop the cached account after a change made by this process (sign-out, disable, role, password)."""
        self.accounts.pop(user_id, None)


def get_context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ioguide
    return ctx
