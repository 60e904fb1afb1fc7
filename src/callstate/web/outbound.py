"""The outbound API: schedule a call to one person, and read the attempts back.

`POST /api/workspaces/{workspace}/calls` stores attempt 1 of a new lead series and answers
202 Accepted (the call is placed later, by a workflow, when it is due): the body is the
attempt. With an `Idempotency-Key` header the series is named by that key, so a repeat of the
same request (same key, audience and number) answers the stored attempt with 200 and dials
nobody twice. Without one each request is a new series: a client that retries a request
whose answer it lost schedules a second call, so send the key.

This API dials real people: with `api_token` set every request needs `Authorization: Bearer
<token>` (401 otherwise); without a token it is refused (403) unless the process runs in
sandbox mode.
"""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callstate.config.model import Audience, Workspace
from callstate.domain.ids import lead_key
from callstate.domain.values import InvalidPhoneError, to_e164
from callstate.execution.services import Services
from callstate.storage.outbound import OutboundCallView
from callstate.web.ingress import problem, read_body

MAX_BODY_BYTES = 64 * 1024
MAX_KEY_CHARS = 200
MAX_LIST = 500
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


class CallRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    to_number: str = Field(min_length=1, max_length=40)
    audience: str | None = Field(default=None, max_length=64)
    variables: dict[str, str] | None = Field(default=None, max_length=50)
    at: str | None = Field(default=None, max_length=64)


def outbound_router(
    services: Services,
    *,
    api_token: str | None,
    sandbox: bool,
    on_scheduled: Callable[[], None],
) -> APIRouter:
    router = APIRouter(prefix="/api/workspaces/{workspace}/calls")
    attempts = services.outbound

    @router.post("")
    async def schedule_call(workspace: str, request: Request) -> Response:
        denied = _denied(request, api_token, sandbox)
        if denied is not None:
            return denied
        config = services.workspaces.get(workspace)
        if config is None:
            return problem(404, f"unknown workspace {workspace!r}")
        key = request.headers.get("idempotency-key")
        if key is not None and not 0 < len(key) <= MAX_KEY_CHARS:
            return problem(422, f"Idempotency-Key must be 1 to {MAX_KEY_CHARS} characters")
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return problem(413, f"body larger than {MAX_BODY_BYTES} bytes")
        parsed = _parse(body)
        if isinstance(parsed, Response):
            return parsed
        audience = _pick_audience(config, parsed.audience)
        if isinstance(audience, str):
            return problem(422, audience)
        try:
            phone = to_e164(parsed.to_number)
        except InvalidPhoneError as exc:
            return problem(422, str(exc))
        now = services.clock()
        due = _due_at(parsed.at, now)
        if isinstance(due, str):
            return problem(422, due)
        series = key if key is not None else uuid.uuid4().hex
        row, created = await run_in_threadpool(
            partial(
                attempts.schedule,
                workspace=config.id,
                audience=audience.id,
                lead=lead_key(config.id, audience.id, phone, series),
                attempt=1,
                to_number=phone,
                from_number=None,
                variables=dict(parsed.variables or {}),
                due_at=due,
                now=now,
            )
        )
        if created:
            on_scheduled()
        return JSONResponse(_public(row), status_code=202 if created else 200)

    @router.get("/{attempt_id}")
    def get_call(workspace: str, attempt_id: str, request: Request) -> Response:
        denied = _denied(request, api_token, sandbox)
        if denied is not None:
            return denied
        if workspace not in services.workspaces:
            return problem(404, f"unknown workspace {workspace!r}")
        row = attempts.get(attempt_id)
        if row is None or row.workspace != workspace:
            return problem(404, f"no outbound call {attempt_id!r} in workspace {workspace!r}")
        return JSONResponse(_public(row))

    @router.get("")
    def list_calls(workspace: str, request: Request, limit: int = 50) -> Response:
        denied = _denied(request, api_token, sandbox)
        if denied is not None:
            return denied
        if workspace not in services.workspaces:
            return problem(404, f"unknown workspace {workspace!r}")
        rows = attempts.recent(workspace, min(max(limit, 1), MAX_LIST))
        return JSONResponse([_public(row) for row in rows])

    return router


def _denied(request: Request, api_token: str | None, sandbox: bool) -> Response | None:
    """Why this request may not use the API, or None when it may."""
    if api_token is None:
        if sandbox:
            return None
        return problem(403, "set CALLSTATE_API_TOKEN to enable the outbound API")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), api_token.encode()
    ):
        return None
    denied = problem(401, "missing or wrong bearer token")
    denied.headers["WWW-Authenticate"] = "Bearer"
    return denied


def _parse(body: bytes) -> CallRequest | Response:
    try:
        request = CallRequest.model_validate_json(body)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        return problem(422, "invalid request body", errors=errors)
    bad = [name for name in request.variables or {} if not _VARIABLE_NAME.fullmatch(name)]
    if bad:
        return problem(422, f"variable names must be letters, digits and _: {sorted(bad)}")
    return request


def _pick_audience(workspace: Workspace, wanted: str | None) -> Audience | str:
    """The audience to call for, or why there is none."""
    if wanted is None:
        found = next((a for a in workspace.audiences if _is_outbound(a)), None)
        if found is None:
            return f"workspace {workspace.id} has no outbound audience: name one in `audience`"
        return found
    audience = next((a for a in workspace.audiences if a.id == wanted), None)
    if audience is None:
        return f"workspace {workspace.id} has no audience {wanted!r}"
    if not _is_outbound(audience) and not audience.numbers:
        return f"audience {wanted!r} cannot call out: it has no outbound agent and no number"
    return audience


def _is_outbound(audience: Audience) -> bool:
    return audience.agent is not None and audience.agent.direction == "outbound"


def _due_at(at: str | None, now: datetime) -> datetime | str:
    """When to call: `at` (ISO 8601 with an offset), or now when it is missing or past."""
    if at is None:
        return now
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        return f"`at` is not an ISO 8601 date-time: {at!r}"
    if when.tzinfo is None or when.utcoffset() is None:
        return "`at` needs a UTC offset, e.g. 2026-05-01T15:00:00+02:00 or ...Z"
    return max(when, now).astimezone(UTC)


def _public(row: OutboundCallView) -> dict[str, Any]:
    return {
        "id": row.id,
        "workspace": row.workspace,
        "audience": row.audience,
        "lead": row.lead,
        "attempt": row.attempt,
        "status": row.status.value,
        "due_at": row.due_at.isoformat(),
        "to_number": row.to_number,
        "from_number": row.from_number,
        "call_id": row.call_id,
        "reason": row.reason,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }
