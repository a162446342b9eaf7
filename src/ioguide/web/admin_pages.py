"""Admin and export pages (filled in below)."""

from __future__ import annotations

from fastapi import APIRouter

from ioguide.web.routes import PageRoute

router = APIRouter(include_in_schema=False, route_class=PageRoute)
