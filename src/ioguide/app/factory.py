"""``create_app(settings, db)``: read the settings once (or take a test's), open the database, and mount the REST
API (``ioguide.api``) and the pages (``ioguide.web``) on one application sharing one context
(``ioguide.serving``). The faces never import each other; only this module sees both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI

from ioguide.api import security
from ioguide.api.app import fastapi_options, mount_api
from ioguide.records.db import Database, open_database
from ioguide.serving.context import ApiContext
from ioguide.serving.settings import ApiSettings
from ioguide.web.admin_pages import router as admin_pages_router
from ioguide.web.plan_pages import router as plan_pages_router
from ioguide.web.records_pages import router as records_pages_router
from ioguide.web.review_pages import router as review_pages_router
from ioguide.web.routes import router as web_router
from ioguide.web.toxicity_pages import router as toxicity_pages_router


def _lifespan(threads: int) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Worker threads for the (synchronous) route handlers: ``IOGUIDE_THREADS`` (default 8), fewer than the
    default 40, because on a small machine many threads contending for the interpreter lock stretch the slowest
    requests (benchmarks/api_load.py: p99 of the mixed load about 3x lower with 6-8 threads than with 40, at the
    same throughput)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = max(1, threads)
        yield
        app.state.ioguide.passwords.close()

    return lifespan


def create_app(settings: ApiSettings | None = None, db: Database | None = None) -> FastAPI:
    """The app for ``settings`` (default: from the environment, read once). The schema must already be migrated."""
    settings = settings or ApiSettings()
    app = FastAPI(**fastapi_options(), lifespan=_lifespan(settings.instance.threads))
    database = db or open_database(settings.database_url, settings.instance)
    app.state.ioguide = ApiContext(db=database, settings=settings)
    mount_api(app)
    security.install(app, settings.allowed_hosts, settings.max_body_bytes)
    app.include_router(records_pages_router)  # before the patient page: /patients/new is not a patient id
    app.include_router(toxicity_pages_router)  # before the CRS/ICANS form: /toxicity/ctcae is not a CRS/ICANS kind
    app.include_router(plan_pages_router)  # the plan recorded as done (what was given)
    app.include_router(admin_pages_router)  # users, exports and downloads
    app.include_router(review_pages_router)  # lesion reclassification, timepoint review and signing, corrections
    app.include_router(web_router)  # the pages for the care team (web/), on the same services
    return app
