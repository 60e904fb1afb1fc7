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

from callstate.connectors.retell import signature
from callstate.connectors.retell.webhook import (
    MAX_BODY_BYTES,
    MalformedPayloadError,
    UnhandledEventError,
    parse,
)
from callstate.execution.services import Services
from callstate.web.recorder import BatchRecorder

log = structlog.get_logger(__name__)


def _problem(status: int, detail: str, **extra: object) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


async def _read_body(request: Request) -> bytes | None:
    """The raw body, or None when it is larger than any Retell call object should be."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def retell_router(
    services: Services, recorder: BatchRecorder, on_recorded: Callable[[], None]
) -> APIRouter:
    router = APIRouter()

    @router.post("/webhooks/retell/{workspace}", status_code=204, response_class=Response)
    async def retell_webhook(workspace: str, request: Request) -> Response:
        config = services.workspaces.get(workspace)
        if config is None:
            return _problem(404, f"unknown workspace {workspace!r}")
        body = await _read_body(request)
        if body is None:
            return _problem(413, f"body larger than {MAX_BODY_BYTES} bytes")
        now = services.clock()
        try:
            signature.verify(
                body,
                request.headers.get("x-retell-signature"),
                (config.retell.api_key.get_secret_value(),),
                int(now.timestamp() * 1000),
            )
        except signature.SignatureError as exc:
            # A security event: logged without the body (ASVS 16.3.3).
            log.warning("webhook.rejected", workspace=workspace, reason=exc.reason.value)
            return _problem(401, "invalid or missing x-retell-signature")
        try:
            event = parse(body, workspace, now)
        except MalformedPayloadError as exc:
            return _problem(
                400, f"malformed payload at {exc.field}: {exc.message}", field=exc.field
            )
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
