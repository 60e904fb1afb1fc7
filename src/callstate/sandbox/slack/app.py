"""`create_slack_app`: the Slack Web API emulator as one FastAPI app over one `Store`.

Every method lives at `/api/<method>` and takes GET or POST, arguments in the query string, a
JSON body or a form body. Authentication: `Authorization: Bearer <any token>` (or the legacy
`token` argument); without one the answer is `{"ok": false, "error": "not_authed"}`. Slack
answers HTTP 200 for every method error; only rate limiting is HTTP 429 with `Retry-After`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from callstate.sandbox.faults import ControlPanel, SandboxControl
from callstate.sandbox.slack.methods import (
    Args,
    ChannelLimiter,
    Methods,
    RateLimitedError,
    SlackRateLimit,
)
from callstate.sandbox.slack.workspace import SlackError, Workspace
from callstate.sandbox.store import Store


def create_slack_app(
    store: Store,
    *,
    seed_channels: Sequence[str] = ("general",),
    rate_limit: SlackRateLimit | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The Slack emulator: `seed_channels` are public channels (ids derived from the names);
    `rate_limit=None` never answers 429 on its own (faults still can)."""
    channels = tuple(seed_channels)
    workspace = Workspace(store, clock)
    workspace.seed(channels)
    limiter = ChannelLimiter(rate_limit, clock)
    methods = Methods(workspace, limiter)
    panel = ControlPanel(reset_state=lambda: workspace.wipe(channels), fault_body=_fault_body)
    panel.on_reset(limiter.reset)

    app = FastAPI(title="callstate sandbox: Slack", docs_url=None, redoc_url=None, openapi_url=None)

    @app.api_route("/api/{method}", methods=["GET", "POST"])
    async def call(method: str, request: Request) -> JSONResponse:
        handler = methods.table.get(method)
        if handler is None:
            return JSONResponse({"ok": False, "error": "unknown_method", "req_method": method}, 404)
        try:
            args = await _arguments(request)
            if not _authenticated(request, args):
                raise SlackError("not_authed")
            body = await run_in_threadpool(handler, args)
        except SlackError as exc:
            return JSONResponse({"ok": False, "error": exc.code})
        except RateLimitedError as exc:
            return JSONResponse(
                {"ok": False, "error": "ratelimited"},
                status_code=429,
                headers={"Retry-After": str(int(exc.retry_after))},
            )
        return JSONResponse(body)

    app.add_middleware(SandboxControl, panel=panel)
    app.state.sandbox_control = panel
    app.state.store = store
    return app


async def _arguments(request: Request) -> Args:
    args: Args = dict(request.query_params)
    raw = await request.body()
    if not raw:
        return args
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            body: Any = json.loads(raw)
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(body, dict):
            raise SlackError("json_not_object")
        args.update(body)
    elif "x-www-form-urlencoded" in content_type:
        args.update({k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()})
    elif "multipart/form-data" in content_type:
        form = await request.form()
        args.update({k: v for k, v in form.items() if isinstance(v, str)})
    else:
        raise SlackError("invalid_form_data")
    return args


def _authenticated(request: Request, args: Args) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return True
    return bool(args.pop("token", None))


def _fault_body(status: int) -> dict[str, Any]:
    return {"ok": False, "error": "ratelimited" if status == 429 else "fatal_error"}
