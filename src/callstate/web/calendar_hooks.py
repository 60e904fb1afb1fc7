"""`POST /webhooks/calcom/{workspace}` and `/webhooks/calendly/{workspace}`: booking created,
cancelled or rescheduled in the calendar itself (by the invitee, the host, a booking page).

Raw body → verify → parse → record (deduplicated by the change's `dedupe_id`) → 204; the change
is turned into CRM stage moves and a team message by a durable workflow afterwards. Cal.com signs
the body without a timestamp (`X-Cal-Signature-256`), so replays are bounded only by dedupe;
Calendly signs `t.body` (`Calendly-Webhook-Signature`) and a stale `t` is refused
(research/calendar_slack.md §5.4). 404 when the workspace has no such calendar or no secret.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from callstate.config.model import CalcomConfig, CalendlyConfig, Workspace
from callstate.connectors.calcom.webhook import parse_calcom_webhook, verify_calcom_signature
from callstate.connectors.calendly.webhook import (
    parse_calendly_webhook,
    verify_calendly_signature,
)
from callstate.domain.calendar import BookingChange
from callstate.execution.services import Services
from callstate.storage.signature_failures import SignatureSource
from callstate.web.ingress import problem, record_refusal

log = structlog.get_logger(__name__)
MAX_BODY_BYTES = 512 * 1024


def _calcom_secret(workspace: Workspace) -> str | None:
    config = workspace.calendar
    if isinstance(config, CalcomConfig) and config.webhook_secret is not None:
        return config.webhook_secret.get_secret_value()
    return None


def _calendly_key(workspace: Workspace) -> str | None:
    config = workspace.calendar
    if isinstance(config, CalendlyConfig) and config.signing_key is not None:
        return config.signing_key.get_secret_value()
    return None


def calendar_router(services: Services, on_recorded: Callable[[], None]) -> APIRouter:
    router = APIRouter()

    async def receive(
        workspace: str,
        request: Request,
        vendor: str,
        source: SignatureSource,
        secret_of: Callable[[Workspace], str | None],
        verified: Callable[[str, bytes], bool],
        parse: Callable[[bytes], BookingChange],
    ) -> Response:
        config = services.workspaces.get(workspace)
        secret = secret_of(config) if config is not None else None
        if secret is None:
            return problem(404, f"workspace {workspace!r} takes no {vendor} webhooks")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return problem(413, f"body larger than {MAX_BODY_BYTES} bytes")
        if not verified(secret, body):
            log.warning("calendar_webhook.rejected", workspace=workspace, vendor=vendor)
            await record_refusal(services.signature_failures, workspace, source, services.clock())
            return problem(401, f"invalid or missing {vendor} signature")
        try:
            change = parse(body)
        except ValueError as exc:
            return problem(400, str(exc)[:500])
        try:
            _id, new = services.booking_changes.record(workspace, change, services.clock())
        except SQLAlchemyError:
            log.error("calendar_webhook.storage_unavailable", workspace=workspace, exc_info=True)
            return JSONResponse(
                {"detail": "storage unavailable"}, status_code=503, headers={"retry-after": "5"}
            )
        if new:
            on_recorded()
        log.info(
            "calendar_webhook.accepted" if new else "calendar_webhook.duplicate",
            workspace=workspace,
            vendor=vendor,
            change=change.kind.value,
        )
        return Response(status_code=204)

    @router.post("/webhooks/calcom/{workspace}", status_code=204, response_class=Response)
    async def calcom(workspace: str, request: Request) -> Response:
        return await receive(
            workspace,
            request,
            "Cal.com",
            SignatureSource.CALCOM,
            _calcom_secret,
            lambda secret, body: verify_calcom_signature(
                secret, body, request.headers.get("x-cal-signature-256")
            ),
            parse_calcom_webhook,
        )

    @router.post("/webhooks/calendly/{workspace}", status_code=204, response_class=Response)
    async def calendly(workspace: str, request: Request) -> Response:
        return await receive(
            workspace,
            request,
            "Calendly",
            SignatureSource.CALENDLY,
            _calendly_key,
            lambda secret, body: verify_calendly_signature(
                secret,
                body,
                request.headers.get("calendly-webhook-signature"),
                now=services.clock(),
            ),
            parse_calendly_webhook,
        )

    return router
