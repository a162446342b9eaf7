"""The REST API's part of the application: its OpenAPI description, routes and error handlers, mounted by the
application factory (``ioguide.app.create_app``), which ``ioguide serve`` runs with uvicorn.

OpenAPI is at ``/api/v1/openapi.json`` and a self-contained reference page at ``/api/docs`` (no CDN: the page is
rendered here from the OpenAPI document).
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from ioguide import __version__
from ioguide.api import errors
from ioguide.api.routes import (
    access,
    corrections,
    events,
    exports,
    imaging,
    jobs,
    patients,
    signatures,
    system,
    users,
)


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


def fastapi_options() -> dict[str, Any]:
    """The application's OpenAPI description: title, version, where the document lives, the error responses."""
    return {
        "title": "ioguide",
        "version": __version__,
        "description": "Records, response and toxicity for image-guided locoregional immunotherapy (spec/api.md).",
        "openapi_url": "/api/v1/openapi.json",
        "docs_url": None,
        "redoc_url": None,
        "responses": errors.ERROR_RESPONSES,
    }


def mount_api(app: FastAPI) -> None:
    """The REST API's routes, error handlers and reference page on ``app`` (built by ``ioguide.app``)."""
    errors.install(app)
    for router in (
        system.router,
        patients.router,
        events.router,
        exports.router,
        jobs.router,
        imaging.router,
        access.router,
        signatures.router,
        corrections.router,
        users.router,
    ):
        app.include_router(router)

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(_docs_page(app.openapi()))
