"""`POST /webhooks/retell/{workspace}/inbound`: raw body → verify → parse → look up → decide → 200.

The caller hears ringing until we answer (research/voice.md §2), so the only slow part, the CRM
lookup, runs under a budget (`execution.lookup.CallerLookup`, shared with the in-call tools,
which reuse the read): a slow, saturated or failing CRM means an answer without the caller's
record, never a late one or a 5xx. Nothing is stored: the
decision travels in the call's metadata and comes back on every call webhook. An unsigned or
forged request gets 401 before anything is looked up.
"""

from __future__ import annotations

import asyncio

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from callstate.connectors.retell.inbound import (
    MAX_INBOUND_BODY_BYTES,
    inbound_response,
    parse_inbound,
)
from callstate.connectors.retell.webhook import MalformedPayloadError
from callstate.execution.lookup import CallerLookup
from callstate.execution.services import Services
from callstate.policy.inbound import audience_for_number, decide
from callstate.web.ingress import problem, read_body, refused, unsigned

log = structlog.get_logger(__name__)


def inbound_router(
    services: Services, lookup: CallerLookup | None = None, *, lookup_budget_seconds: float = 0.35
) -> APIRouter:
    """`lookup` is shared with the in-call tools (they reuse the read); without one the router
    makes its own with `lookup_budget_seconds`."""
    router = APIRouter()
    callers = lookup or CallerLookup(services, budget_seconds=lookup_budget_seconds)

    @router.post("/webhooks/retell/{workspace}/inbound")
    async def retell_inbound(workspace: str, request: Request) -> Response:
        config = services.workspaces.get(workspace)
        if config is None:
            return problem(404, f"unknown workspace {workspace!r}")
        body = await read_body(request, MAX_INBOUND_BODY_BYTES)
        if body is None:
            return problem(413, f"body larger than {MAX_INBOUND_BODY_BYTES} bytes")
        now_ms = int(services.clock().timestamp() * 1000)
        failures = services.signature_failures
        if await refused(request, body, config, now_ms, "inbound.rejected", failures=failures):
            return unsigned()
        try:
            call = parse_inbound(body)
        except MalformedPayloadError as exc:
            return problem(400, f"malformed payload at {exc.field}: {exc.message}", field=exc.field)
        pipeline = audience_for_number(config, call.to_number).audience.crm.pipeline
        # The agent ids (a database read every 30 s, else cached) are read while the CRM is.
        agents_read = asyncio.ensure_future(
            run_in_threadpool(services.voice_agents.by_audience, workspace, "retell")
        )
        snapshot, state = await callers.look_up_async(
            config, call.from_number, pipeline, call_id=call.call_id, asker="inbound"
        )
        agents = await agents_read
        # The clock is read after the lookup: the decision is about when the call is answered.
        decision = decide(
            config,
            call.to_number,
            call.from_number,
            services.clock(),
            snapshot,
            state,
            call_id=call.call_id,
            agents=agents,
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
