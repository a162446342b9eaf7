"""The FastAPI application factory: ``create_app(settings)``; ``ioguide serve`` runs it with uvicorn.

OpenAPI is at ``/api/v1/openapi.json`` and a self-contained reference page at ``/api/docs`` (no CDN: the page is
rendered here from the OpenAPI document).
"""

from __future__ import annotations

import html
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from ioguide import __version__
from ioguide.api import errors, security
from ioguide.api.context import ApiContext
from ioguide.api.routes import events, exports, imaging, patients, system, users
from ioguide.api.settings import ApiSettings
from ioguide.records.db import Database, open_database
from ioguide.web.routes import router as web_router


def _docs_page(spec: dict[str, Any]) -> str:
    rows = []
    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            rows.append(
                f"<tr><td><code>{html.escape(method.upper())}</code></td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(str(op.get('summary', '')))}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>ioguide API</title>"
        "<link rel='stylesheet' href='/static/app.css'>"
        f"</head><body><h1>ioguide API {html.escape(str(spec.get('info', {}).get('version', '')))}</h1>"
        "<p>The machine-readable description: <a href='/api/v1/openapi.json'>/api/v1/openapi.json</a>. "
        "Sign in with <code>POST /api/v1/auth/token</code> and send <code>Authorization: Bearer TOKEN</code>.</p>"
        f"<table><tr><th>method</th><th>path</th><th>what (role)</th></tr>{''.join(rows)}</table></body></html>"
    )


#: Worker threads for the (synchronous) route handlers: fewer than the default 40, because on a small machine
#: many threads contending for the interpreter lock stretch the slowest requests (benchmarks/api_load.py:
#: p99 of the mixed load about 3x lower with 6-8 threads than with 40, at the same throughput).
THREADS_ENV = "IOGUIDE_THREADS"
DEFAULT_THREADS = 8


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    limiter = anyio.to_thread.current_default_thread_limiter()
    limiter.total_tokens = max(1, int(os.environ.get(THREADS_ENV, DEFAULT_THREADS)))
    yield
    app.state.ioguide.passwords.close()


def create_app(settings: ApiSettings | None = None, db: Database | None = None) -> FastAPI:
    """The app for ``settings`` (default: from the environment). The schema must already be migrated."""
    settings = settings or ApiSettings()
    app = FastAPI(
        title="ioguide",
        version=__version__,
        description="Records, response and toxicity for image-guided locoregional immunotherapy (spec/api.md).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=errors.ERROR_RESPONSES,
        lifespan=_lifespan,
    )
    app.state.ioguide = ApiContext(db=db or open_database(settings.database_url), settings=settings)
    errors.install(app)
    security.install(app, settings.allowed_hosts, settings.max_body_bytes)
    for router in (system.router, users.router, patients.router, events.router, exports.router, imaging.router):
        app.include_router(router)
    app.include_router(web_router)  # the pages for the care team (web/), on the same services

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page(app.openapi()))

    return app
