"""The first steps of every webhook-like endpoint: read the raw body within a size limit, verify
the sender, answer a refusal the same way everywhere. `refused` is Retell's check (call
webhooks, in-call tools, inbound calls); the calendars verify with their own connectors. Every
refusal is counted with `record_refusal`, which the signature-failure alert reads."""

from __future__ import annotations

from datetime import datetime

import structlog
from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from callstate.config.model import Workspace
from callstate.connectors.retell import signature
from callstate.domain.values import from_epoch_ms
from callstate.storage.signature_failures import SignatureFailures, SignatureSource

log = structlog.get_logger(__name__)


def problem(status: int, detail: str, **extra: object) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


async def read_body(request: Request, limit: int) -> bytes | None:
    """The raw body, or None when it is larger than `limit` (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def refused(
    request: Request,
    body: bytes,
    workspace: Workspace,
    now_ms: int,
    event: str,
    *,
    failures: SignatureFailures,
) -> bool:
    """True (logged as a security event, without the body, and counted for the ops check)
    unless the workspace's Retell key signed `body` within the window."""
    try:
        signature.verify(
            body,
            request.headers.get("x-retell-signature"),
            (workspace.retell.api_key.get_secret_value(),),
            now_ms,
        )
    except signature.SignatureError as exc:
        log.warning(event, workspace=workspace.id, reason=exc.reason.value)
        await record_refusal(failures, workspace.id, SignatureSource.RETELL, from_epoch_ms(now_ms))
        return True
    return False


async def record_refusal(
    failures: SignatureFailures, workspace: str, source: SignatureSource, now: datetime
) -> None:
    """Count one refused signed request of `source` (retell, calcom, calendly, slack) for the
    signature-failure alert (`execution.ops_checks`). Best effort: a database error while
    counting is logged and swallowed, so a refusal stays a 401 and never becomes a 500. Call it
    only for a workspace that exists (unknown ones are 404s and count nowhere)."""
    try:  # off the event loop: a forged storm must not stall the in-call answers beside it
        await run_in_threadpool(failures.count, workspace, source, now)
    except SQLAlchemyError:
        log.warning("signature_failure.not_counted", workspace=workspace, source=source.value)


def unsigned() -> JSONResponse:
    return problem(401, "invalid or missing x-retell-signature")
