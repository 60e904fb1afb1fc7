"""`create_slack_app`: the Slack Web API emulator as one FastAPI app over one `Store`.

Every method lives at `/api/<method>` and takes GET or POST, arguments in the query string, a
JSON body or a form body. Authentication: `Authorization: Bearer <any token>` (or the legacy
`token` argument); without one the answer is `{"ok": false, "error": "not_authed"}`. Slack
answers HTTP 200 for every method error; only rate limiting is HTTP 429 with `Retry-After`.

Besides the methods, the app serves what Slack serves on other hosts: the file upload URLs
(`/upload/v1/<ticket>`, files.slack.com upstream), `url_private` downloads
(`/files-pri/<team>-<file>/...`) and interaction `response_url`s (`/actions/<token>`,
hooks.slack.com upstream). Slack-only control endpoints: see `control.py`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from callstate.sandbox.faults import ControlPanel, SandboxControl
from callstate.sandbox.slack.arguments import Args, Call, multipart_parts
from callstate.sandbox.slack.chat import ChatMethods
from callstate.sandbox.slack.control import SlackControlRoutes, control_app, origin
from callstate.sandbox.slack.files import FileMethods, UploadRejectedError
from callstate.sandbox.slack.interactivity import Interactivity, Target
from callstate.sandbox.slack.limits import (
    ChannelLimiter,
    MethodLimiter,
    RateLimitedError,
    SlackRateLimit,
)
from callstate.sandbox.slack.methods import Methods
from callstate.sandbox.slack.scopes import Grants
from callstate.sandbox.slack.users import Directory, SlackUser
from callstate.sandbox.slack.workspace import SlackError, Workspace
from callstate.sandbox.store import Store


def create_slack_app(
    store: Store,
    *,
    seed_channels: Sequence[str] = ("general",),
    rate_limit: SlackRateLimit | None = None,
    clock: Callable[[], float] = time.time,
    seed_users: Sequence[SlackUser | Mapping[str, Any]] = (),
    signing_secret: str | None = None,
    interactivity_url: str | None = None,
) -> FastAPI:
    """The Slack emulator.

    `seed_channels` are public channels (ids derived from the names); `seed_users` are the
    workspace's members (ids derived from emails unless given); `rate_limit=None` never
    answers 429 on its own (faults still can); `interactivity_url` and `signing_secret` say
    where `POST /_sandbox/interact` delivers signed button clicks (also settable at run time).
    """
    channels = tuple(seed_channels)
    users = tuple(SlackUser.of(u) for u in seed_users)
    workspace = Workspace(store, clock)
    directory = Directory(store, clock)
    workspace.seed(channels)
    directory.seed(users)
    limiter = ChannelLimiter(rate_limit, clock)
    method_limiter = MethodLimiter(rate_limit, clock)
    chat = ChatMethods(workspace, directory, limiter)
    files = FileMethods(store, workspace, chat.target, clock)
    methods = Methods(workspace, directory, chat, files)
    clicks = Interactivity(store, workspace, Target(interactivity_url, signing_secret), clock)
    grants = Grants()

    def reset() -> None:
        workspace.wipe(channels)
        directory.seed(users)

    panel = ControlPanel(reset_state=reset, fault_body=_fault_body)
    panel.on_reset(limiter.reset)
    panel.on_reset(method_limiter.reset)
    panel.on_reset(grants.reset)

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
            scopes = {
                "X-OAuth-Scopes": grants.header(),
                "X-Accepted-OAuth-Scopes": ",".join(grants.accepted(method, args)),
            }
            if needed := grants.missing(method, args):
                refused = {"ok": False, "error": "missing_scope", "needed": needed}
                return JSONResponse({**refused, "provided": grants.header()}, headers=scopes)
            method_limiter.take(method)
            body = await run_in_threadpool(handler, Call(args, origin(request)))
        except SlackError as exc:
            return JSONResponse({"ok": False, "error": exc.code})
        except RateLimitedError as exc:
            return JSONResponse(
                {"ok": False, "error": "ratelimited"},
                status_code=429,
                headers={"Retry-After": str(int(exc.retry_after))},
            )
        return JSONResponse(body, headers=scopes)

    @app.post("/upload/v1/{ticket}")
    async def upload(ticket: str, request: Request) -> PlainTextResponse:
        raw = await request.body()
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            parts = multipart_parts(raw, content_type)
            raw = next((data for _, filename, data in parts if filename), b"")
        try:
            answer = await run_in_threadpool(files.receive, ticket, raw)
        except UploadRejectedError as exc:
            return PlainTextResponse(exc.reason, status_code=exc.status)
        return PlainTextResponse(answer)

    @app.get("/files-pri/{team_file}/{rest:path}")
    def url_private(team_file: str, request: Request) -> Response:
        if not _authenticated(request, {}):
            return PlainTextResponse("not_authed", status_code=403)
        found = files.content(team_file.partition("-")[2])
        if found is None:
            return PlainTextResponse("file_not_found", status_code=404)
        doc, data = found
        return Response(data, media_type=doc["mimetype"])

    @app.post("/actions/{token}")
    async def response_url(token: str, request: Request) -> JSONResponse:
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return JSONResponse({"ok": False, "error": "invalid_payload"}, status_code=400)
        status, answer = await run_in_threadpool(clicks.respond, token, body)
        return JSONResponse(answer, status_code=status)

    app.add_middleware(SandboxControl, panel=panel)
    # Added last, so outermost: Slack-only control paths never reach SandboxControl.
    control = control_app(workspace, directory, files, clicks, grants)
    app.add_middleware(SlackControlRoutes, control=control)
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
        parts = multipart_parts(raw, content_type)
        args.update(
            {name: data.decode("utf-8", "replace") for name, file, data in parts if not file}
        )
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
