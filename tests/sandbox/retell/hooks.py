"""Test doubles around the Retell emulator: a signed webhook receiver and a late-bound app.

`Hooks` receives call webhooks and `call_inbound` requests on one URL, checks every signature
with the retell SDK's `verify` (401 when it fails, so a bad signature shows up as a failed
attempt), and answers `call_inbound` with the scripted `(status, body)` answers in turn (the
last one repeats). `LateApp` lets a test learn its server's URL before building the app that
must know it (recording URLs name the app's own base URL).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from retell.lib import webhook_auth
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

Answer = tuple[int, Any]


def sdk_verify(body: str, key: str, signature: str) -> bool:
    """retell.lib.webhook_auth.verify: the SDK's check, against the wall clock."""
    return bool(webhook_auth.verify(body, key, signature))  # type: ignore[no-untyped-call]


class Hooks:
    """Records signed posts; `answers` script the replies to `call_inbound` requests."""

    def __init__(self, key: str, answers: Sequence[Answer] = ((204, None),)) -> None:
        self.key = key
        self.answers = list(answers)
        self.events: list[dict[str, Any]] = []
        self.inbound: list[dict[str, Any]] = []
        self.unsigned = 0
        self._lock = threading.Lock()

    async def hook(self, request: Request) -> Response:
        body = (await request.body()).decode("utf-8")
        if not sdk_verify(body, self.key, request.headers.get("x-retell-signature", "")):
            with self._lock:
                self.unsigned += 1
            return Response(status_code=401)
        payload = json.loads(body)
        with self._lock:
            if payload["event"] != "call_inbound":
                self.events.append(payload)
                return Response(status_code=204)
            self.inbound.append(payload)
            status, answer = self.answers[min(len(self.inbound), len(self.answers)) - 1]
        if answer is None:
            return Response(status_code=status)
        return JSONResponse(answer, status_code=status)

    def app(self) -> ASGIApp:
        return Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    def of_call(self, call_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.events if e["call"]["call_id"] == call_id]


class LateApp:
    """An ASGI app whose real app is attached once the server (and its URL) exists."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        assert self.app is not None, "attach the app before sending requests"
        await self.app(scope, receive, send)
