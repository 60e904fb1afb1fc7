"""Slack-only control endpoints under `<mount>/_sandbox/`, beside the shared ones of
`faults.py` (requests, faults, reset):

- `GET/POST /_sandbox/interactivity` — read or set `{request_url, signing_secret}`, where
  button clicks are delivered (the app's "Interactivity Request URL").
- `POST /_sandbox/interact` — `{channel, ts, action_id, value?, user}`: a member clicks a
  button of a message; the signed `block_actions` payload is POSTed to the Request URL and the
  answer is `{status, body, payload}` (`status`: what the receiver answered, `null` with
  `error` when it could not be reached or did not answer within 3 seconds).
- `POST /_sandbox/messages` — `{channel, user, text, thread_ts?, blocks?}`: a member posts
  (e.g. an owner replying in an alert's thread), so tests can see the app react to people.
- `GET /_sandbox/files/{file_id}` — the bytes of an uploaded file (no token needed).
- `POST /_sandbox/users` — `{email, real_name?, tz?, deleted?}`: a member joins, changes or
  is deactivated (`deleted: true`: `users.lookupByEmail` no longer finds them), so tests can
  take an owner out of Slack; a reset restores the seeded members.
- `GET/POST /_sandbox/scopes` — read or set `{scopes: [...]}`, the bot token's OAuth scopes
  (`scopes.py`): a method none of whose scopes is granted answers `missing_scope`; a reset
  grants every scope callstate documents again.

`SlackControlRoutes` routes these paths to their own small app before `SandboxControl`
(which answers 404 to control paths it does not know); everything else passes through.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from callstate.sandbox.faults import CONTROL_PREFIX, route_path
from callstate.sandbox.slack.files import FileMethods
from callstate.sandbox.slack.interactivity import InteractionError, Interactivity
from callstate.sandbox.slack.scopes import Grants
from callstate.sandbox.slack.users import Directory, SlackUser
from callstate.sandbox.slack.workspace import TEAM_ID, SlackError, Workspace
from callstate.sandbox.store import Doc

ACTIONS = ("interactivity", "interact", "messages", "files/", "users", "scopes")
_M = TypeVar("_M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TargetIn(_Strict):
    request_url: str | None = None
    signing_secret: str | None = None


class ClickIn(_Strict):
    channel: str
    ts: str
    action_id: str
    value: str | None = None
    user: str


class UserIn(_Strict):
    email: str
    real_name: str = ""
    tz: str = "UTC"
    deleted: bool = False


class ScopesIn(_Strict):
    scopes: list[str]


class MessageIn(_Strict):
    channel: str
    user: str
    text: str
    thread_ts: str | None = None
    blocks: list[dict[str, Any]] | None = None


def origin(request: Request) -> str:
    """This emulator's base URL as the client reached it, mount path included."""
    return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}"


def control_app(
    workspace: Workspace,
    directory: Directory,
    files: FileMethods,
    clicks: Interactivity,
    grants: Grants,
) -> FastAPI:
    """The Slack-only control endpoints (see the module docstring)."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/_sandbox/interactivity")
    def get_target() -> Doc:
        target = clicks.target
        return {
            "request_url": target.request_url,
            "signing_secret_set": bool(target.signing_secret),
        }

    @app.post("/_sandbox/interactivity")
    async def set_target(request: Request) -> Response:
        parsed = await _parse(request, TargetIn)
        if isinstance(parsed, Response):
            return parsed
        clicks.target.request_url = parsed.request_url
        clicks.target.signing_secret = parsed.signing_secret
        return JSONResponse({"request_url": parsed.request_url})

    @app.post("/_sandbox/interact")
    async def interact(request: Request) -> Response:
        click = await _parse(request, ClickIn)
        if isinstance(click, Response):
            return click
        try:
            member = directory.get(click.user)
            channel = workspace.channel(click.channel)
            payload = await run_in_threadpool(
                clicks.payload,
                origin(request),
                member,
                channel,
                click.ts,
                click.action_id,
                click.value,
            )
            return JSONResponse(await clicks.deliver(payload))
        except SlackError as exc:
            return JSONResponse({"error": exc.code}, status_code=404)
        except InteractionError as exc:
            return JSONResponse({"error": exc.reason}, status_code=exc.status)

    @app.post("/_sandbox/messages")
    async def post_as_member(request: Request) -> Response:
        posted = await _parse(request, MessageIn)
        if isinstance(posted, Response):
            return posted
        try:
            member = directory.get(posted.user)
            channel = workspace.channel(posted.channel)
        except SlackError as exc:
            return JSONResponse({"error": exc.code}, status_code=404)
        message: Doc = {"type": "message", "text": posted.text, "user": member["id"]}
        message["team"] = TEAM_ID
        if posted.blocks:
            message["blocks"] = posted.blocks
        stored = workspace.post(channel["id"], message, thread_ts=posted.thread_ts, broadcast=False)
        return JSONResponse({"channel": channel["id"], "ts": stored["ts"], "message": stored})

    @app.post("/_sandbox/users")
    async def put_member(request: Request) -> Response:
        member = await _parse(request, UserIn)
        if isinstance(member, Response):
            return member
        seed = SlackUser(
            email=member.email, real_name=member.real_name, tz=member.tz, deleted=member.deleted
        )
        return JSONResponse({"user": await run_in_threadpool(directory.put, seed)})

    @app.get("/_sandbox/scopes")
    def get_scopes() -> Doc:
        return {"scopes": sorted(grants.scopes)}

    @app.post("/_sandbox/scopes")
    async def set_scopes(request: Request) -> Response:
        parsed = await _parse(request, ScopesIn)
        if isinstance(parsed, Response):
            return parsed
        grants.set(parsed.scopes)
        return JSONResponse({"scopes": sorted(grants.scopes)})

    @app.get("/_sandbox/files/{file_id}")
    def download(file_id: str) -> Response:
        found = files.content(file_id)
        if found is None:
            return JSONResponse({"error": "file_not_found"}, status_code=404)
        doc, data = found
        return Response(data, media_type=doc["mimetype"])

    return app


async def _parse(request: Request, model: type[_M]) -> _M | Response:
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as exc:
        return JSONResponse({"error": exc.errors(include_url=False)}, status_code=422)


class SlackControlRoutes:
    """ASGI middleware: send the Slack-only control paths to `control`, the rest on."""

    def __init__(self, app: ASGIApp, *, control: ASGIApp) -> None:
        self.app = app
        self.control = control

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = route_path(scope)
            if path.startswith(CONTROL_PREFIX) and path[len(CONTROL_PREFIX) :].startswith(ACTIONS):
                await self.control(scope, receive, send)
                return
        await self.app(scope, receive, send)
