"""Fixtures: serve sandbox apps with uvicorn on 127.0.0.1 (free port, background thread).

- `serve(app)` starts a real HTTP server for any ASGI app and returns its base URL; every
  server is stopped when the test ends.
- `make_sandbox(**options)` serves `create_sandbox_app` with callstate's seeds (HubSpot unique
  properties `callstate_e164` / `callstate_call_key`, Slack `#acme-sales`, `#general`);
  `sandbox` is the default one, in memory.
- `on_spec(base_url, vendor)` fetches the vendor's recorded exchanges, validates every one
  against the vendor's OpenAPI documents (when `../shared` is present) and returns them.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp

from callstate.sandbox.app import create_sandbox_app
from tests.vendor_specs import SPECS, validate_all

E164_PROPERTY = {
    "name": "callstate_e164",
    "label": "E.164 phone (callstate)",
    "type": "string",
    "fieldType": "text",
    "groupName": "contactinformation",
    "hasUniqueValue": True,
}
CALL_KEY_PROPERTY = {
    "name": "callstate_call_key",
    "label": "Call key (callstate)",
    "type": "string",
    "fieldType": "text",
    "groupName": "callinformation",
    "hasUniqueValue": True,
}
HUBSPOT_SEEDS = {"contacts": [E164_PROPERTY], "calls": [CALL_KEY_PROPERTY]}
SLACK_CHANNELS = ("acme-sales", "general")


class LoopbackServer:
    """uvicorn in a daemon thread on a socket we bound, so the port is known up front."""

    def __init__(self, app: ASGIApp) -> None:
        # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets whose protocol
        # says TCP, and with Nagle on, every response waits ~40 ms for the client's delayed ACK.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app, log_config=None, log_level="warning", loop="asyncio", ws="none", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("sandbox server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()


@pytest.fixture
def serve() -> Iterator[Callable[[ASGIApp], str]]:
    servers: list[LoopbackServer] = []

    def start(app: ASGIApp) -> str:
        server = LoopbackServer(app)
        server.start()
        servers.append(server)
        return server.base_url

    yield start
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def make_sandbox(serve: Callable[[ASGIApp], str]) -> Callable[..., str]:
    def make(state_dir: Path | None = None, **options: Any) -> str:
        options.setdefault("hubspot_properties", HUBSPOT_SEEDS)
        options.setdefault("slack_channels", SLACK_CHANNELS)
        return serve(create_sandbox_app(state_dir, **options))

    return make


@pytest.fixture
def sandbox(make_sandbox: Callable[..., str]) -> str:
    """Base URL of an in-memory sandbox with callstate's seed properties and channels."""
    return make_sandbox()


def _on_spec(base_url: str, vendor: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{base_url}/{vendor}/_sandbox/requests")
    response.raise_for_status()
    exchanges: list[dict[str, Any]] = response.json()
    assert exchanges, f"no {vendor} exchanges were recorded"
    # Without the steering checkout the emulator assertions still count; the validator's own
    # tests (test_the_validator_catches_off_spec_exchanges) report the skip and its reason.
    if SPECS.is_dir():
        validate_all(vendor, exchanges)
    return exchanges


@pytest.fixture
def on_spec() -> Callable[[str, str], list[dict[str, Any]]]:
    return _on_spec
