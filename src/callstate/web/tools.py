"""`POST /tools/retell/{workspace}`: Retell custom functions (in-call tools), signed like its
webhooks: raw body → verify → parse → route to the call's audience → answer.

An answer is always 200 with a `message` the agent can say, even when the calendar or our
database is down or the time is unclear: a non-2xx answer only tells the agent "the tool failed",
which it cannot relay helpfully. Forged or stale signatures get 401 and nothing is read or booked.
"""

from __future__ import annotations

import json
import time

import structlog
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from callstate.config.model import Workspace
from callstate.connectors.retell.tools import (
    MAX_ANSWER_CHARS,
    MAX_TOOL_BODY_BYTES,
    ToolRequest,
    parse_tool_call,
)
from callstate.connectors.retell.webhook import MalformedPayloadError
from callstate.execution.meetings import LiveCall, MeetingDesk
from callstate.execution.services import Services
from callstate.execution.tool_answers import Answer, storage_down
from callstate.policy.routing import route_by
from callstate.web.ingress import problem, read_body, refused, unsigned

log = structlog.get_logger(__name__)
TOOLS = ("check_availability", "book_meeting")


def _answer(payload: Answer) -> JSONResponse:
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    if len(text) > MAX_ANSWER_CHARS:  # never: answers are a few slots; guard the contract
        text = json.dumps({"message": payload.get("message", "")[:1000]})
    return JSONResponse(content=json.loads(text))


def tools_router(services: Services, desk: MeetingDesk) -> APIRouter:
    router = APIRouter()

    def run(workspace: Workspace, request: ToolRequest) -> Answer:
        """In one worker thread: the call's audience (the agent-id map is cached, but a refresh
        reads the database), then the tool. One hop off the event loop, not two."""
        agents = services.voice_agents.audiences_by_agent(workspace.id, "retell")
        audience = route_by(workspace, request.agent_id, request.our_number, agents).audience
        live = LiveCall(workspace, audience, request.call_id, request.caller)
        if request.name == "check_availability":
            return desk.check_availability(live, request.args)
        return desk.book_meeting(live, request.args)

    @router.post("/tools/retell/{workspace}")
    async def retell_tool(workspace: str, request: Request) -> JSONResponse:
        config = services.workspaces.get(workspace)
        if config is None:
            return problem(404, f"unknown workspace {workspace!r}")
        body = await read_body(request, MAX_TOOL_BODY_BYTES)
        if body is None:
            return problem(413, f"body larger than {MAX_TOOL_BODY_BYTES} bytes")
        now_ms = int(services.clock().timestamp() * 1000)
        failures = services.signature_failures
        if await refused(request, body, config, now_ms, "tool.rejected", failures=failures):
            return unsigned()
        try:
            tool = parse_tool_call(body)
        except MalformedPayloadError as exc:
            return problem(400, f"malformed tool call at {exc.field}: {exc.message}")
        if tool.name not in TOOLS:
            return problem(400, f"unknown tool {tool.name!r}; this endpoint serves {TOOLS}")
        started = time.perf_counter()
        try:
            payload = await run_in_threadpool(run, config, tool)
        except SQLAlchemyError:
            log.error(
                "tool.storage_unavailable", workspace=workspace, tool=tool.name, exc_info=True
            )
            payload = storage_down()
        log.info(
            "tool.answered",
            workspace=workspace,
            tool=tool.name,
            call_id=tool.call_id,
            outcome=payload.get("reason") or ("booked" if payload.get("booked") else "ok"),
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return _answer(payload)

    return router
