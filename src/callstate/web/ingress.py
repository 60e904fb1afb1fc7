"""The first steps of every webhook-like endpoint: read the raw body within a size limit, verify
the sender, answer a refusal the same way everywhere. `refused` is Retell's check (call
webhooks, in-call tools, inbound calls); the calendars verify with their own connectors."""

from __future__ import annotations

import structlog
from fastapi import Request
from fastapi.responses import JSONResponse

from callstate.config.model import Workspace
from callstate.connectors.retell import signature

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


def refused(request: Request, body: bytes, workspace: Workspace, now_ms: int, event: str) -> bool:
    """True (and logged as a security event, without the body) unless the workspace's Retell
    key signed `body` within the window."""
    try:
        signature.verify(
            body,
            request.headers.get("x-retell-signature"),
            (workspace.retell.api_key.get_secret_value(),),
            now_ms,
        )
    except signature.SignatureError as exc:
        log.warning(event, workspace=workspace.id, reason=exc.reason.value)
        return True
    return False


def unsigned() -> JSONResponse:
    return problem(401, "invalid or missing x-retell-signature")
