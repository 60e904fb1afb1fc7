"""`POST /webhooks/retell/{workspace}`: raw body → verify → parse → record → 204.

The only durable work before the answer is the event's insert into the inbox, group-committed
with concurrent requests (`web.recorder`); the workflow starts afterwards. Starting a DBOS
workflow inside the request cuts the ack rate by four (research/reliability.md §1.6b). Nothing
is stored unless the signature is good and the payload readable.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from callstate.connectors.retell.webhook import (
    MAX_BODY_BYTES,
    MalformedPayloadError,
    UnhandledEventError,
    parse,
)
from callstate.execution.services import Services
from callstate.web.ingress import problem, read_body, refused, unsigned
from callstate.web.recorder import BatchRecorder

log = structlog.get_logger(__name__)


def retell_router(
    services: Services, recorder: BatchRecorder, on_recorded: Callable[[], None]
) -> APIRouter:
    router = APIRouter()

    @router.post("/webhooks/retell/{workspace}", status_code=204, response_class=Response)
    async def retell_webhook(workspace: str, request: Request) -> Response:
        config = services.workspaces.get(workspace)
        if config is None:
            return problem(404, f"unknown workspace {workspace!r}")
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return problem(413, f"body larger than {MAX_BODY_BYTES} bytes")
        now = services.clock()
        # A security event: logged without the body (ASVS 16.3.3).
        now_ms = int(now.timestamp() * 1000)
        failures = services.signature_failures
        if await refused(request, body, config, now_ms, "webhook.rejected", failures=failures):
            return unsigned()
        try:
            event = parse(body, workspace, now)
        except MalformedPayloadError as exc:
            return problem(400, f"malformed payload at {exc.field}: {exc.message}", field=exc.field)
        except UnhandledEventError as exc:
            log.debug("webhook.ignored", workspace=workspace, retell_event=exc.event)
            return Response(status_code=204)
        try:
            stored = await recorder.record(event)
        except SQLAlchemyError:
            log.error("webhook.storage_unavailable", workspace=workspace, exc_info=True)
            # Retell retries non-2xx answers: nothing is lost while the database is down.
            return JSONResponse(
                {"detail": "storage unavailable"}, status_code=503, headers={"retry-after": "5"}
            )
        if stored:
            on_recorded()
        log.info(
            "webhook.accepted" if stored else "webhook.duplicate",
            workspace=workspace,
            call_id=event.external_call_id,
            retell_event=event.type.value,
        )
        return Response(status_code=204)

    return router
