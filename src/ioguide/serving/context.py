"""What every request needs, API or page: the database and the settings, kept on ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import Request

from ioguide.records.db import Database
from ioguide.services.context import Actor
from ioguide.serving.settings import ApiSettings


@dataclass(frozen=True)
class ApiContext:
    db: Database
    settings: ApiSettings
    #: user name -> (actor or None, monotonic expiry): roles read at most every few seconds per user
    actors: dict[str, tuple[Actor | None, float]] = field(default_factory=dict)


def get_context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ioguide
    return ctx
