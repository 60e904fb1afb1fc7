"""Retell's own sandbox controls, and the hand-over of placed calls after their response.

Outermost ASGI middleware of the Retell app (outside `SandboxControl`, whose `/_sandbox/`
endpoints it passes on). It owns:

- `GET|POST|DELETE /_sandbox/scripts`: callee scripts keyed by `to_number` (`CalleeScript`);
  POST takes one script or a list;
- `POST /_sandbox/settle?timeout=10`: wait until every placed call has been played, answer
  `{"settled": bool, "deliveries": {call_id: [attempt, ...]}}`;
- `GET /_sandbox/deliveries`: the webhook attempts so far;
- the `handlers` it is given, one per action name (`inbound-calls`: inbound.py, `dnc`: dnc.py).

For every request it gives the routes and handlers a list (`PLAYS_KEY` in the ASGI scope) to put
the calls they placed in, and hands them to the `Player` once the response has been sent — also
when a `commit_then_drop` fault cut it: the call was placed, as a real one would have been.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from callstate.sandbox.faults import CONTROL_PREFIX, route_path
from callstate.sandbox.retell.player import Play, Player
from callstate.sandbox.retell.scripts import SCRIPTS, CalleeScript
from callstate.sandbox.store import Store

PLAYS_KEY = "callstate.retell.plays"
ControlHandler = Callable[[Request], Awaitable[Response]]
_SCRIPTS_INPUT: TypeAdapter[CalleeScript | list[CalleeScript]] = TypeAdapter(
    CalleeScript | list[CalleeScript]
)


def plays_of(scope: Scope) -> list[Play]:
    plays = scope.get(PLAYS_KEY)
    assert isinstance(plays, list), "RetellControl must wrap the Retell routes"
    return plays


class RetellControl:
    def __init__(
        self,
        app: ASGIApp,
        *,
        store: Store,
        player: Player,
        handlers: Mapping[str, ControlHandler] | None = None,
    ) -> None:
        self.app = app
        self.store = store
        self.player = player
        self.handlers = dict(handlers or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        action = path[len(CONTROL_PREFIX) :] if path.startswith(CONTROL_PREFIX) else None
        plays: list[Play] = []
        scope[PLAYS_KEY] = plays
        try:
            if action in ("scripts", "settle", "deliveries"):
                response = await self._control(Request(scope, receive), action)
                await response(scope, receive, send)
            elif action is not None and action in self.handlers:
                response = await self.handlers[action](Request(scope, receive))
                await response(scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            for play in plays:
                self.player.submit(play)

    async def _control(self, request: Request, action: str) -> Response:
        method = request.method
        if action == "scripts" and method == "GET":
            return JSONResponse([doc for _, doc in self.store.scan(SCRIPTS)])
        if action == "scripts" and method == "POST":
            try:
                parsed = _SCRIPTS_INPUT.validate_json(await request.body())
            except ValidationError as exc:
                return JSONResponse({"error": json.loads(exc.json())}, status_code=422)
            scripts = parsed if isinstance(parsed, list) else [parsed]
            with self.store.transaction() as tx:
                for script in scripts:
                    tx.put(SCRIPTS, script.to_number, script.model_dump(mode="json"))
            return JSONResponse([s.model_dump(mode="json") for s in scripts], status_code=201)
        if action == "scripts" and method == "DELETE":
            with self.store.transaction() as tx:
                for key, _ in tx.scan(SCRIPTS):
                    tx.delete(SCRIPTS, key)
            return Response(status_code=204)
        if action == "settle" and method == "POST":
            timeout = _float(request.query_params.get("timeout"), 10.0)
            settled = await asyncio.to_thread(self.player.settle, timeout)
            body: dict[str, Any] = {"settled": settled, "deliveries": self.player.deliveries()}
            return JSONResponse(body, status_code=200 if settled else 504)
        if action == "deliveries" and method == "GET":
            return JSONResponse(self.player.deliveries())
        return JSONResponse({"error": f"no control endpoint {method} /_sandbox/{action}"}, 404)


def _float(value: str | None, default: float) -> float:
    try:
        return default if value is None else min(max(float(value), 0.0), 120.0)
    except ValueError:
        return default
