"""The inbound webhook answers every signed call in time, with or without the caller's record."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from structlog.testing import capture_logs

from callstate.config.model import Workspace
from callstate.config.secrets import sandbox_secret
from callstate.connectors.errors import RateLimited, Transient
from callstate.connectors.ports import ContactSnapshot, ObjectRef
from callstate.connectors.registry import build_connectors
from callstate.connectors.retell.signature import sign
from callstate.execution.services import Services
from callstate.web.inbound import inbound_router
from tests.policy.test_inbound import (
    CALLER,
    EVENING,
    INBOUND_NUMBER,
    OPEN,
    THANKSGIVING,
    make_workspace,
)

URL = "/webhooks/retell/acme/inbound"
API_KEY = sandbox_secret("RETELL_API_KEY")
DANA = ContactSnapshot(
    contact=ObjectRef("hubspot", "101"),
    name="Dana Whitfield",
    owner_email="jo.chen@acme-roofing.test",
    last_outcome="callback_requested",
    tags=("callback",),
)


class FakeCrm:
    """`Crm.find_contact` only: answers, blocks until released, or raises."""

    vendor = "fake"

    def __init__(
        self, record: ContactSnapshot | None = None, error: Exception | None = None
    ) -> None:
        self.record = record
        self.error = error
        self.blocked = False
        self.release = threading.Event()
        self.asked: list[tuple[str, str | None, str | None]] = []

    def find_contact(
        self, phone: str, *, deal_key: str | None = None, pipeline: str | None = None
    ) -> ContactSnapshot | None:
        self.asked.append((phone, deal_key, pipeline))
        if self.blocked:
            # Released by the test once it has its answer; the bound only keeps a broken test
            # from hanging the run.
            self.release.wait(timeout=60)
        if self.error is not None:
            raise self.error
        return self.record


def build(
    crm: FakeCrm,
    now: datetime,
    *,
    budget: float = 5.0,
    workspace: Workspace | None = None,
    database: str = "sqlite://",
) -> TestClient:
    ws = workspace or make_workspace()
    # Only `find_contact` is ever called on the inbound path.
    connectors = {ws.id: replace(build_connectors(ws), crm=crm)}  # type: ignore[arg-type]
    services = Services(
        engine=create_engine(database),
        workspaces={ws.id: ws},
        connectors=connectors,
        clock=lambda: now,
    )
    app = FastAPI()
    app.include_router(inbound_router(services, lookup_budget_seconds=budget))
    return TestClient(app)


def body(**call: Any) -> bytes:
    fields = {
        "agent_id": "agent_acme_inbound",
        "from_number": CALLER,
        "to_number": INBOUND_NUMBER,
        "call_id": "call_9f1c2a",
    }
    fields.update(call)
    return json.dumps({"event": "call_inbound", "call_inbound": fields}).encode()


def post(
    client: TestClient, content: bytes, now: datetime, *, key: str = API_KEY, url: str = URL
) -> Any:
    header = sign(content, key, int(now.timestamp() * 1000))
    return client.post(url, content=content, headers={"x-retell-signature": header})


@pytest.fixture
def crm() -> Iterator[FakeCrm]:
    fake = FakeCrm(record=DANA)
    yield fake
    fake.release.set()


def test_returning_caller_is_greeted_with_what_the_crm_knows(crm: FakeCrm) -> None:
    response = post(build(crm, OPEN), body(), OPEN)
    assert response.status_code == 200
    answer = response.json()["call_inbound"]
    assert answer["override_agent_id"] == "agent_acme_inbound"
    variables = answer["dynamic_variables"]
    assert variables["caller_name"] == "Dana Whitfield"
    assert variables["owner_name"] == "Jo Chen"
    assert variables["last_outcome"] == "Callback requested"
    assert variables["is_returning_caller"] == "true"
    assert variables["after_hours"] == "false"
    assert variables["local_time"] == "Tuesday, November 24, 2026, 10:00 AM EST"
    assert answer["metadata"]["callstate_workspace"] == "acme"
    assert answer["metadata"]["callstate_audience"] == "inbound-qualifier"
    assert answer["metadata"]["callstate_lookup"] == "found"
    assert answer["metadata"]["callstate_decision"].startswith("inb_")
    assert crm.asked == [(CALLER, f"acme:deal:{CALLER}:default", "default")]


def test_unknown_called_number_gets_the_default_agent_and_an_alert(crm: FakeCrm) -> None:
    with capture_logs() as logs:
        response = post(build(crm, OPEN), body(to_number="+14155550199"), OPEN)
    assert response.status_code == 200
    assert response.json()["call_inbound"]["override_agent_id"] == "agent_acme_inbound"
    warnings = [e for e in logs if e["event"] == "inbound.flag"]
    assert [e["flag"] for e in warnings] == ["called number +14155550199 is not configured"]
    assert warnings[0]["log_level"] == "warning"


@pytest.mark.parametrize("now", [EVENING, THANKSGIVING], ids=["evening", "thanksgiving"])
def test_after_hours_the_after_hours_agent_answers(crm: FakeCrm, now: datetime) -> None:
    answer = post(build(crm, now), body(), now).json()["call_inbound"]
    assert answer["override_agent_id"] == "agent_acme_after_hours"
    assert answer["dynamic_variables"]["after_hours"] == "true"
    assert answer["metadata"]["callstate_audience"] == "after-hours"


def test_a_slow_lookup_is_answered_without_the_record(crm: FakeCrm) -> None:
    crm.blocked = True
    with capture_logs() as logs:
        response = post(build(crm, OPEN, budget=0.05), body(), OPEN)
    crm.release.set()
    assert response.status_code == 200
    answer = response.json()["call_inbound"]
    assert answer["override_agent_id"] == "agent_acme_inbound"
    assert answer["dynamic_variables"]["caller_name"] == ""
    assert answer["dynamic_variables"]["is_returning_caller"] == "unknown"
    assert answer["metadata"]["callstate_lookup"] == "timed_out"
    assert crm.asked  # it was asked; the answer did not wait for it
    assert "inbound.lookup_slow" in [e["event"] for e in logs]


@pytest.mark.parametrize(
    "error",
    [Transient("hubspot", "503 from upstream"), RateLimited("hubspot", "429", retry_after=10)],
    ids=["down", "rate-limited"],
)
def test_a_failing_crm_is_answered_without_the_record(error: Exception) -> None:
    crm = FakeCrm(error=error)
    with capture_logs() as logs:
        response = post(build(crm, OPEN), body(), OPEN)
    assert response.status_code == 200
    answer = response.json()["call_inbound"]
    assert answer["override_agent_id"] == "agent_acme_inbound"
    assert answer["metadata"]["callstate_lookup"] == "failed"
    assert "inbound.lookup_failed" in [e["event"] for e in logs]


def test_a_new_caller_is_not_returning() -> None:
    answer = post(build(FakeCrm(record=None), OPEN), body(), OPEN).json()["call_inbound"]
    assert answer["dynamic_variables"]["is_returning_caller"] == "false"
    assert answer["dynamic_variables"]["owner_name"] == "Sam Rivera"
    assert answer["metadata"]["callstate_lookup"] == "not_found"


def test_a_withheld_number_is_answered_without_asking_the_crm(crm: FakeCrm) -> None:
    response = post(build(crm, OPEN), body(from_number="anonymous"), OPEN)
    assert response.status_code == 200
    assert response.json()["call_inbound"]["metadata"]["callstate_lookup"] == "no_caller_id"
    assert crm.asked == []


def test_a_do_not_call_caller_is_answered_and_the_prompt_told() -> None:
    crm = FakeCrm(record=replace(DANA, tags=("do-not-call",)))
    answer = post(build(crm, OPEN), body(), OPEN).json()["call_inbound"]
    assert answer["override_agent_id"] == "agent_acme_inbound"
    assert answer["dynamic_variables"]["do_not_call"] == "true"


def test_storage_down_does_not_matter(crm: FakeCrm) -> None:
    client = build(crm, OPEN, database="sqlite:////nonexistent-dir/callstate.sqlite")
    response = post(client, body(), OPEN)
    assert response.status_code == 200
    assert response.json()["call_inbound"]["dynamic_variables"]["caller_name"] == "Dana Whitfield"


def test_retries_of_one_call_carry_the_same_decision(crm: FakeCrm) -> None:
    client = build(crm, OPEN)
    first = post(client, body(), OPEN).json()["call_inbound"]["metadata"]
    again = post(client, body(), OPEN).json()["call_inbound"]["metadata"]
    other = post(client, body(call_id="call_other"), OPEN).json()["call_inbound"]["metadata"]
    assert first["callstate_decision"] == again["callstate_decision"]
    assert first["callstate_decision"] != other["callstate_decision"]


@pytest.mark.parametrize(
    ("case", "make_header", "tamper"),
    [
        ("wrong key", lambda b, ms: sign(b, "not-the-key", ms), False),
        ("tampered body", lambda b, ms: sign(b, API_KEY, ms), True),
        ("stale -6 min", lambda b, ms: sign(b, API_KEY, ms - 360_000), False),
        ("future +6 min", lambda b, ms: sign(b, API_KEY, ms + 360_000), False),
        ("missing header", lambda b, ms: None, False),
        ("garbled header", lambda b, ms: "v=1,d=nothex", False),
    ],
)
def test_forged_signatures_are_401_and_nothing_is_looked_up(
    crm: FakeCrm, case: str, make_header: Any, tamper: bool
) -> None:
    content = body()
    header = make_header(content, int(OPEN.timestamp() * 1000))
    sent = content.replace(b"call_9f1c2a", b"call_forged") if tamper else content
    headers = {} if header is None else {"x-retell-signature": header}
    response = build(crm, OPEN).post(URL, content=sent, headers=headers)
    assert response.status_code == 401, case
    assert "call_inbound" not in response.json()
    assert crm.asked == []


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"not json", "(body)"),
        (json.dumps({"event": "call_inbound", "call_inbound": {"from_number": CALLER}}).encode(),
         "call_inbound.to_number"),
        (body(to_number="reception"), "call_inbound.to_number"),
        (body().replace(b'"call_inbound", "call_inbound"', b'"call_started", "call_inbound"'),
         "event"),
    ],
)  # fmt: skip
def test_malformed_requests_are_400_with_the_field(
    crm: FakeCrm, content: bytes, field: str
) -> None:
    response = post(build(crm, OPEN), content, OPEN)
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert crm.asked == []


def test_unknown_workspace_is_404(crm: FakeCrm) -> None:
    response = post(build(crm, OPEN), body(), OPEN, url="/webhooks/retell/nobody/inbound")
    assert response.status_code == 404


def test_oversized_body_is_413(crm: FakeCrm) -> None:
    content = b"{" + b" " * (128 * 1024) + b"}"
    assert post(build(crm, OPEN), content, OPEN).status_code == 413
    assert crm.asked == []
