"""The workspace web application: ``create_app(database, geography)`` returns the FastAPI app.

The JSON API lives under ``/api`` (OpenAPI at ``/openapi.json``, interactive docs at ``/docs``, Swagger UI served
from the package's vendor folder, never a CDN);
the browser app (``devoplan/web/``) is served by ``devoplan.web.mount`` at ``/`` and ``/static/``, with
its Content-Security-Policy. ``devoplan serve`` builds this app over a migrated database and runs it
with Uvicorn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from devoplan import __version__, web
from devoplan.api import errors
from devoplan.api.context import Workspace
from devoplan.api.jobs import JobRunner
from devoplan.api.routes import accounts, inbox, jobs, markets, outputs, proposals, scenarios
from devoplan.api.whatif import WhatIf
from devoplan.geography.model import Geography
from devoplan.store.db import Database


def create_app(database: Database, geography: Geography, *, serve_web: bool = True) -> FastAPI:
    """The app over an open (migrated) database and a loaded geography (``serve_web``: with the browser app)."""
    runner = JobRunner(database, geography)
    workspace = Workspace(database, geography, WhatIf(geography), runner)
    runner.on_done = jobs.finished(workspace)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runner.recover()
        yield
        runner.shutdown()

    app = FastAPI(title="devoplan workspace", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Scenarios, live what-ifs, proposals and roles for drawing commissioning areas.")
    app.state.workspace = workspace
    errors.install(app)
    for module in (accounts, scenarios, proposals, inbox, jobs, outputs, markets):
        app.include_router(module.router)

    @app.get("/api/health", tags=["meta"])
    def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "geography": geography.name,
                "database": database.engine.dialect.name}

    web.mount_docs(app)
    if serve_web:
        web.mount(app)
    return app
