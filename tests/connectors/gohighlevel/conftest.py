"""Fixtures: the GoHighLevel emulator on loopback HTTP and `GoHighLevelCrm` clients pointed at it.

Loopback (uvicorn in a thread) rather than an in-process transport, so a `commit_then_drop`
fault reaches the connector as the broken connection a real network gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from callstate.config.model import GoHighLevelConfig
from callstate.connectors.gohighlevel.crm import GoHighLevelCrm
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.gohighlevel import SANDBOX_LOCATION_ID, SANDBOX_TOKEN
from callstate.sandbox.gohighlevel.app import create_gohighlevel_app
from callstate.sandbox.store import Store
from tests.sandbox.conftest import LoopbackServer
from tests.vendor_specs import SPECS, validate_all


@dataclass
class GhlSandbox:
    """One served emulator: its base URL, its app (for the store) and helpers."""

    base_url: str
    app: FastAPI
    crms: list[GoHighLevelCrm] = field(default_factory=list)

    def crm(self, location_id: str = SANDBOX_LOCATION_ID) -> GoHighLevelCrm:
        """A connector configured as a workspace in sandbox mode is (`${GHL_TOKEN}`)."""
        config = GoHighLevelConfig.model_validate(
            {"token": "${GHL_TOKEN}", "location_id": location_id, "base_url": self.base_url},
            context={"env": {}, "sandbox": True},
        )
        crm = GoHighLevelCrm(config)
        self.crms.append(crm)
        return crm

    def api(self, token: str = SANDBOX_TOKEN) -> httpx.Client:
        """A raw client, to arrange state the way a person in GoHighLevel's UI would."""
        headers = {"Authorization": f"Bearer {token}", "Version": "2021-07-28"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

    def fault(self, **spec: Any) -> None:
        httpx.post(f"{self.base_url}/_sandbox/faults", json=spec).raise_for_status()

    def exchanges(self) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.base_url}/_sandbox/requests")
        response.raise_for_status()
        found: list[dict[str, Any]] = response.json()
        return found

    def on_spec(self) -> list[dict[str, Any]]:
        """Every exchange the emulator answered itself, validated against the documents.
        Programmed `status` faults are our answers, not GoHighLevel's, so they are left out."""
        exchanges = [e for e in self.exchanges() if e["fault"] != "status"]
        assert exchanges, "no gohighlevel exchanges were recorded"
        if SPECS.is_dir():
            validate_all("gohighlevel", exchanges)
        return exchanges


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., GhlSandbox]]:
    servers: list[LoopbackServer] = []
    sandboxes: list[GhlSandbox] = []

    def make(**options: Any) -> GhlSandbox:
        apps: list[FastAPI] = []

        def factory(store: Store) -> FastAPI:
            apps.append(create_gohighlevel_app(store, **options))
            return apps[-1]

        server = LoopbackServer(mount_vendors(None, {"gohighlevel": factory}))
        server.start()
        servers.append(server)
        sandbox = GhlSandbox(f"{server.base_url}/gohighlevel", apps[0])
        sandboxes.append(sandbox)
        return sandbox

    yield make
    for sandbox in sandboxes:
        for crm in sandbox.crms:
            crm.close()
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., GhlSandbox]) -> GhlSandbox:
    return make_sandbox()
