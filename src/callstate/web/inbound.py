"""`POST /webhooks/retell/{workspace}/inbound`: raw body → verify → parse → look up → decide → 200.

The caller hears ringing until we answer (research/voice.md §2), so the only slow part, the CRM
lookup, runs in its own small thread pool under a budget: a slow, saturated or failing CRM
means an answer without the caller's record, never a late one or a 5xx. Nothing is stored: the
decision travels in the call's metadata and comes back on every call webhook. An unsigned or
forged request gets 401 before anything is looked up.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from callstate.config.model import Workspace
from callstate.connectors.errors import ConnectorError
from callstate.connectors.ports import ContactSnapshot
from callstate.connectors.retell import signature
from callstate.connectors.retell.inbound import (
    MAX_INBOUND_BODY_BYTES,
    InboundCall,
    inbound_response,
    parse_inbound,
)
from callstate.connectors.retell.webhook import MalformedPayloadError
from callstate.domain.ids import deal_key
from callstate.domain.values import mask_phone
from callstate.execution.services import Services
from callstate.policy.inbound import LookupState, audience_for_number, decide

log = structlog.get_logger(__name__)
# Lookups that outlive their budget keep a worker until the CRM client's own timeout; a small
# pool caps how many can pile up, and a request that finds it full waits out its budget.
_LOOKUP_WORKERS = 8


def _problem(status: int, detail: str, **extra: object) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


async def _read_body(request: Request) -> bytes | None:
    """The raw body, or None when it is larger than any inbound request should be."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_INBOUND_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_INBOUND_BODY_BYTES:
            return None
    return bytes(body)


def inbound_router(services: Services, *, lookup_budget_seconds: float = 0.35) -> APIRouter:
    router = APIRouter()
    lookups = ThreadPoolExecutor(max_workers=_LOOKUP_WORKERS, thread_name_prefix="inbound-lookup")

    async def look_up(
        workspace: Workspace, call: InboundCall
    ) -> tuple[ContactSnapshot | None, LookupState]:
        if call.from_number is None:
            return None, LookupState.NO_CALLER_ID
        crm = services.connectors[workspace.id].crm
        pipeline = audience_for_number(workspace, call.to_number).audience.crm.pipeline
        find = partial(
            crm.find_contact,
            call.from_number,
            deal_key=deal_key(workspace.id, call.from_number, pipeline),
            pipeline=pipeline,
        )
        caller = mask_phone(call.from_number)
        try:
            snapshot = await asyncio.wait_for(
                asyncio.get_running_loop().run_in_executor(lookups, find), lookup_budget_seconds
            )
        except TimeoutError:
            log.warning("inbound.lookup_slow", workspace=workspace.id, caller=caller)
            return None, LookupState.TIMED_OUT
        except ConnectorError as exc:
            log.warning(
                "inbound.lookup_failed", workspace=workspace.id, caller=caller, error=str(exc)
            )
            return None, LookupState.FAILED
        if snapshot is None:
            return None, LookupState.NOT_FOUND
        return snapshot, LookupState.FOUND

    @router.post("/webhooks/retell/{workspace}/inbound")
    async def retell_inbound(workspace: str, request: Request) -> Response:
        config = services.workspaces.get(workspace)
        if config is None:
            return _problem(404, f"unknown workspace {workspace!r}")
        body = await _read_body(request)
        if body is None:
            return _problem(413, f"body larger than {MAX_INBOUND_BODY_BYTES} bytes")
        received = services.clock()
        try:
            signature.verify(
                body,
                request.headers.get("x-retell-signature"),
                (config.retell.api_key.get_secret_value(),),
                int(received.timestamp() * 1000),
            )
        except signature.SignatureError as exc:
            log.warning("inbound.rejected", workspace=workspace, reason=exc.reason.value)
            return _problem(401, "invalid or missing x-retell-signature")
        try:
            call = parse_inbound(body)
        except MalformedPayloadError as exc:
            return _problem(
                400, f"malformed payload at {exc.field}: {exc.message}", field=exc.field
            )
        snapshot, state = await look_up(config, call)
        # The clock is read after the lookup: the decision is about when the call is answered.
        decision = decide(
            config,
            call.to_number,
            call.from_number,
            services.clock(),
            snapshot,
            state,
            call_id=call.call_id,
        )
        for flag in decision.flags:
            log.warning("inbound.flag", workspace=workspace, flag=flag, call_id=call.call_id)
        log.info(
            "inbound.answered",
            workspace=workspace,
            call_id=call.call_id,
            audience=decision.audience.id,
            after_hours=decision.after_hours,
            lookup=state.value,
            decision=decision.decision_id,
        )
        return JSONResponse(
            inbound_response(
                override_agent_id=decision.agent_id,
                dynamic_variables=decision.dynamic_variables,
                metadata=decision.metadata,
            )
        )

    return router
