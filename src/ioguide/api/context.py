"""What every request needs: the database and the settings, kept on ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from ioguide.api.settings import ApiSettings
from ioguide.records.db import Database


@dataclass(frozen=True)
class ApiContext:
    db: Database
    settings: ApiSettings


def get_context(request: Request) -> ApiContext:
    ctx: ApiContext = request.app.state.ioguide
    return ctx
