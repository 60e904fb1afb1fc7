"""Programmable faults, the exchange recorder and the control API shared by every emulator.

`SandboxControl` is a raw ASGI middleware wrapped around each vendor app. It owns:

- the control API under `<vendor mount>/_sandbox/`:
  `GET  requests[?since=N]` recorded exchanges (a bounded ring, newest last),
  `DELETE requests` forget them, `GET/POST/DELETE faults` program faults, `POST reset` wipe
  the vendor's state (seeds are re-applied by the vendor's reset hook), faults and records;
- the recorder: every other exchange as `{seq, method, path, query, headers (no
  Authorization), request_json | request_form | request_text, status, response_headers,
  response_json | response_text, fault}`; `path` is relative to the vendor mount;
- faults, matched by method and vendor-relative path (exact, or a `*` pattern), each consumed
  `times` times (`null`: until cleared):
  `status` answers the given status without calling the vendor app (state untouched);
  `delay` sleeps, then serves normally; `commit_then_drop` serves the request (the vendor app
  commits before returning), then sends the headers and half of the body and aborts the
  connection, so the client sees a transport error, never an HTTP status.

Working at the ASGI level (not FastAPI middleware) is what lets a fault cut a response in half.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import threading
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTROL_PREFIX = "/_sandbox/"
_HIDDEN_HEADERS = frozenset({"authorization", "cookie"})


class FaultSpec(BaseModel):
    """One programmed fault; `times=None` keeps it until `DELETE /_sandbox/faults`."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["status", "commit_then_drop", "delay"] = "status"
    method: str | None = None
    path: str | None = None
    times: int | None = Field(default=1, ge=1)
    status: int = Field(default=500, ge=400, le=599)
    retry_after: float | None = Field(default=None, ge=0)
    body: Any = None
    headers: dict[str, str] = Field(default_factory=dict)
    seconds: float = Field(default=0.0, ge=0, le=120)

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        if self.path is None:
            return True
        if "*" in self.path:  # e.g. "/crm/v3/objects/contacts/*"
            return fnmatch.fnmatchcase(path, self.path)
        return self.path.rstrip("/") == path.rstrip("/")


_FAULTS_INPUT: TypeAdapter[FaultSpec | list[FaultSpec]] = TypeAdapter(FaultSpec | list[FaultSpec])


class DeliberateDropError(RuntimeError):
    """Raised mid-response on purpose so the server aborts the connection."""


def route_path(scope: Scope) -> str:
    """The request path relative to the vendor mount (Starlette keeps the full path)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root) :] or "/"
    return path


class ControlPanel:
    """The state behind the control API: programmed faults, recorded exchanges, reset hooks.

    Created by the vendor app factory and shared with `SandboxControl` (the middleware), so
    the sandbox root app can reset every vendor through `app.state.sandbox_control`.
    """

    def __init__(
        self,
        *,
        reset_state: Callable[[], None],
        fault_body: Callable[[int], Any],
        max_records: int = 5000,
    ) -> None:
        self._reset_hooks = [reset_state]
        self.fault_body = fault_body
        self._records: deque[dict[str, Any]] = deque(maxlen=max_records)
        self._faults: list[FaultSpec] = []
        self._seq = 0
        self._lock = threading.Lock()

    def on_reset(self, hook: Callable[[], None]) -> None:
        self._reset_hooks.append(hook)

    def reset(self) -> None:
        """Wipe vendor state (seeds re-applied by the vendor hook), faults and records."""
        for hook in self._reset_hooks:
            hook()
        with self._lock:
            self._faults.clear()
            self._records.clear()

    def exchanges(self, since: int = 0) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self._records if r["seq"] > since]

    def clear_exchanges(self) -> None:
        with self._lock:
            self._records.clear()

    def faults(self) -> list[FaultSpec]:
        with self._lock:
            return list(self._faults)

    def add_faults(self, faults: list[FaultSpec]) -> None:
        with self._lock:
            self._faults.extend(faults)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(self, method: str, path: str) -> FaultSpec | None:
        """The first fault matching the request, consuming one of its `times`."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, path):
                    if fault.times is not None:
                        if fault.times <= 1:
                            del self._faults[index]
                        else:
                            self._faults[index] = fault.model_copy(
                                update={"times": fault.times - 1}
                            )
                    return fault
        return None

    def record(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._seq += 1
            record["seq"] = self._seq
            self._records.append(record)


class SandboxControl:
    """ASGI middleware: control API, recorder and faults around one vendor emulator."""

    def __init__(self, app: ASGIApp, *, panel: ControlPanel) -> None:
        self.app = app
        self.panel = panel

    # -- ASGI -----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        if path.startswith(CONTROL_PREFIX):
            response = await self._control(Request(scope, receive), path[len(CONTROL_PREFIX) :])
            await response(scope, receive, send)
            return
        body = await _read_body(receive)
        replay = _replaying_receive(body, receive)
        fault = self.panel.take_fault(scope["method"], path)
        record = self._request_record(scope, path, body, fault)
        if fault is not None and fault.mode == "status":
            response = self._fault_response(fault)
            await response(scope, replay, send)
            self._finish(record, response.status_code, response.raw_headers, bytes(response.body))
            return
        if fault is not None and fault.mode == "delay":
            await asyncio.sleep(fault.seconds)
        drop = fault is not None and fault.mode == "commit_then_drop"
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            if not drop:
                await send(message)

        await self.app(scope, replay, capture)
        payload = b"".join(chunks)
        self._finish(record, int(start.get("status", 500)), start.get("headers", []), payload)
        if drop:
            await send(start)
            await send(
                {
                    "type": "http.response.body",
                    "body": payload[: len(payload) // 2],
                    "more_body": True,
                }
            )
            raise DeliberateDropError(
                "sandbox fault commit_then_drop: write committed, connection dropped"
            )

    # -- internals ------------------------------------------------------------------------

    async def _control(self, request: Request, action: str) -> Response:
        method, panel = request.method, self.panel
        if action == "requests" and method == "GET":
            since = request.query_params.get("since", "0")
            return JSONResponse(panel.exchanges(int(since) if since.isdigit() else 0))
        if action == "requests" and method == "DELETE":
            panel.clear_exchanges()
            return Response(status_code=204)
        if action == "faults" and method == "GET":
            return JSONResponse([f.model_dump() for f in panel.faults()])
        if action == "faults" and method == "POST":
            try:
                parsed = _FAULTS_INPUT.validate_json(await request.body())
            except ValidationError as exc:
                return JSONResponse({"error": json.loads(exc.json())}, status_code=422)
            faults = parsed if isinstance(parsed, list) else [parsed]
            panel.add_faults(faults)
            return JSONResponse([f.model_dump() for f in faults], status_code=201)
        if action == "faults" and method == "DELETE":
            panel.clear_faults()
            return Response(status_code=204)
        if action == "reset" and method == "POST":
            panel.reset()
            return JSONResponse({"reset": True})
        return JSONResponse({"error": f"no control endpoint {method} /_sandbox/{action}"}, 404)

    def _fault_response(self, fault: FaultSpec) -> Response:
        headers = dict(fault.headers)
        if fault.retry_after is not None:
            seconds = fault.retry_after
            headers["Retry-After"] = str(int(seconds)) if seconds == int(seconds) else str(seconds)
        body = fault.body if fault.body is not None else self.panel.fault_body(fault.status)
        return JSONResponse(body, status_code=fault.status, headers=headers)

    def _request_record(
        self, scope: Scope, path: str, body: bytes, fault: FaultSpec | None
    ) -> dict[str, Any]:
        headers = {
            k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])
        }
        record: dict[str, Any] = {
            "at": datetime.now(UTC).isoformat(),
            "method": scope["method"],
            "path": path,
            "query": parse_qs(
                scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
            ),
            "headers": {k: v for k, v in headers.items() if k not in _HIDDEN_HEADERS},
            "fault": None if fault is None else fault.mode,
        }
        content_type = headers.get("content-type", "")
        if body:
            record.update(_decode_request(body, content_type))
        return record

    def _finish(
        self, record: dict[str, Any], status: int, raw_headers: Any, payload: bytes
    ) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw_headers}
        record["status"] = status
        record["response_headers"] = headers
        if "json" in headers.get("content-type", ""):
            try:
                record["response_json"] = json.loads(payload) if payload else None
            except ValueError:
                record["response_text"] = payload.decode("utf-8", "replace")
        elif payload:
            record["response_text"] = payload.decode("utf-8", "replace")
        self.panel.record(record)


def _decode_request(body: bytes, content_type: str) -> dict[str, Any]:
    text = body.decode("utf-8", "replace")
    if "json" in content_type:
        try:
            return {"request_json": json.loads(text)}
        except ValueError:
            return {"request_text": text}
    if "x-www-form-urlencoded" in content_type:
        return {
            "request_form": {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        }
    return {"request_text": text}


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replaying_receive(body: bytes, receive: Receive) -> Receive:
    """Hand the buffered body to the app once, then defer to the real channel (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
