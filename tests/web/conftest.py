"""An in-process app over a real database, without the executor: ingress behaviour only."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from callstate.config.load import load_workspaces
from callstate.connectors.registry import build_connectors
from callstate.execution.services import Services
from callstate.sandbox.retell.calls import CallScenario, build_events
from callstate.web.app import create_app

API_KEY = "test-retell-key"


def make_services(engine: Engine) -> Services:
    workspaces = load_workspaces(None, {"RETELL_API_KEY": API_KEY}, sandbox=True)
    connectors = {w: build_connectors(ws) for w, ws in workspaces.items()}
    return Services(engine=engine, workspaces=workspaces, connectors=connectors)


def scenario(**overrides: Any) -> CallScenario:
    values: dict[str, Any] = {
        "seed": "web-test",
        "agent_id": "agent_acme_inbound",
        "direction": "inbound",
        "from_number": "+14155550142",
        "to_number": "+14155550100",
        "start": datetime(2026, 11, 24, 14, 0, tzinfo=UTC),
        "caller_name": "Dana Whitfield",
        "summary": "Wants a quote.",
        "transcript": (("agent", "Hello"), ("user", "Hi, I need a quote.")),
    }
    values.update(overrides)
    return CallScenario(**values)


def body_of(event_name: str, **overrides: Any) -> bytes:
    event = next(e for e in build_events(scenario(**overrides)) if e["event"] == event_name)
    return json.dumps(event, separators=(",", ":")).encode()


def now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
def services(engine: Engine) -> Services:
    return make_services(engine)


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services)) as test_client:
        yield test_client
