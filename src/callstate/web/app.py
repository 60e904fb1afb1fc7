"""`create_app`: the one HTTP composition root. Everything it serves is passed in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp

from callstate import __version__
from callstate.execution.lookup import CallerLookup
from callstate.execution.meetings import MeetingDesk
from callstate.execution.services import Services
from callstate.web.api import api_router
from callstate.web.calendar_hooks import calendar_router
from callstate.web.inbound import inbound_router
from callstate.web.outbound import outbound_router
from callstate.web.recorder import BatchRecorder
from callstate.web.slack import slack_router
from callstate.web.tools import tools_router
from callstate.web.webhooks import retell_router


def create_app(
    services: Services,
    *,
    on_start: Callable[[], None] = lambda: None,
    on_stop: Callable[[], None] = lambda: None,
    on_recorded: Callable[[], None] = lambda: None,
    mounts: Mapping[str, ASGIApp] | None = None,
    api_token: str | None = None,
    sandbox: bool = False,
) -> FastAPI:
    """`api_token` guards the endpoints that act (placing calls); without one they are open in
    sandbox mode only."""
    recorder = BatchRecorder(services.inbox.record_many)
    callers = CallerLookup(services)
    desk = MeetingDesk(services, callers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        recorder.start()
        # Off the event loop: DBOS refuses its synchronous launch API inside a running loop.
        await run_in_threadpool(on_start)
        try:
            yield
        finally:
            recorder.stop()
            callers.close()
            await run_in_threadpool(on_stop)

    app = FastAPI(title="callstate", version=__version__, lifespan=lifespan)
    app.include_router(retell_router(services, recorder, on_recorded))
    app.include_router(inbound_router(services, callers))
    app.include_router(tools_router(services, desk))
    app.include_router(calendar_router(services, on_recorded))
    app.include_router(slack_router(services, on_recorded))
    app.include_router(api_router(services))
    app.include_router(
        outbound_router(services, api_token=api_token, sandbox=sandbox, on_scheduled=on_recorded)
    )

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with services.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok", "version": __version__})

    for path, mounted in (mounts or {}).items():
        app.mount(path, mounted)
    return app
