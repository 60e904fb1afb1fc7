"""`Dialer.place` against the Retell emulator over loopback: one dial per attempt, whatever
is repeated, and refusals that dial nobody."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from starlette.types import ASGIApp

from callstate.config.load import load_workspaces
from callstate.config.model import Audience, Workspace
from callstate.connectors.errors import Transient
from callstate.connectors.registry import WorkspaceConnectors
from callstate.connectors.retell.rest import RetellRest
from callstate.domain.ids import lead_key
from callstate.execution.dialing import Dialer, GateDecision, OpenGate
from callstate.execution.services import Services
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.retell import RetellSeed, create_retell_app
from callstate.storage.outbound import OutboundCalls, OutboundCallView, OutboundStatus
from tests.sandbox.retell.test_rest_emulator import spec_checked

KEY = "key_test_dialer_0123456789"
AUDIENCE = "outbound-reactivation"
FROM = "+14155550101"  # the audience's number in examples/acme.yaml
AGENT = "agent_acme_outbound"
TO = "+14155550142"
T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
SEED = RetellSeed(
    llms=({"llm_id": "llm_acme_outbound", "begin_message": "Hi {{caller_name}}."},),
    agents=(
        {
            "agent_id": AGENT,
            "agent_name": "Acme reactivation",
            "response_engine": {"type": "retell-llm", "llm_id": "llm_acme_outbound"},
            "voice_id": "11labs-Adrian",
        },
        {
            "agent_id": "agent_applied",
            "agent_name": "Acme reactivation (applied)",
            "response_engine": {"type": "retell-llm", "llm_id": "llm_acme_outbound"},
            "voice_id": "11labs-Adrian",
        },
    ),
    phone_numbers=({"phone_number": FROM, "outbound_agents": [{"agent_id": AGENT, "weight": 1}]},),
)


class Emulator:
    def __init__(self, base: str) -> None:
        self.base = base
        self.root = f"{base}/retell"

    def fault(self, **spec: Any) -> None:
        httpx.post(f"{self.root}/_sandbox/faults", json=spec).raise_for_status()

    def creates(self) -> list[dict[str, Any]]:
        exchanges: list[dict[str, Any]] = httpx.get(f"{self.root}/_sandbox/requests").json()
        return [e for e in exchanges if e["path"] == "/v2/create-phone-call"]

    def calls(self) -> list[dict[str, Any]]:
        answer = httpx.post(
            f"{self.root}/v2/list-calls", json={}, headers={"Authorization": f"Bearer {KEY}"}
        )
        answer.raise_for_status()
        found: list[dict[str, Any]] = answer.json()
        return found


@pytest.fixture
def emulator(serve: Callable[[ASGIApp], str]) -> Emulator:
    app = mount_vendors(
        None,
        {"retell": lambda store: create_retell_app(store, api_key=KEY, seed=SEED)},
    )
    return Emulator(serve(app))


@pytest.fixture
def voice(emulator: Emulator) -> Iterator[RetellRest]:
    client = RetellRest(KEY, base_url=emulator.root)
    yield client
    client.close()


def acme(**audience_changes: Any) -> Workspace:
    workspace = load_workspaces(None, {}, sandbox=True)["acme"]
    audiences = tuple(
        a.model_copy(update=audience_changes) if a.id == AUDIENCE else a
        for a in workspace.audiences
    )
    return workspace.model_copy(update={"audiences": audiences})


def services_for(engine: Engine, voice: RetellRest | None, workspace: Workspace) -> Services:
    connectors: Any = WorkspaceConnectors(crm=None, chat=None, voice=voice)  # type: ignore[arg-type]
    return Services(
        engine=engine,
        workspaces={"acme": workspace},
        connectors={"acme": connectors},
        clock=lambda: T0,
    )


@pytest.fixture
def services(engine: Engine, voice: RetellRest) -> Services:
    return services_for(engine, voice, acme())


def scheduled(services: Services, series: str = "req-1", **changes: Any) -> OutboundCallView:
    values: dict[str, Any] = {
        "workspace": "acme",
        "audience": AUDIENCE,
        "lead": lead_key("acme", AUDIENCE, TO, series),
        "attempt": 1,
        "to_number": TO,
        "from_number": None,
        "variables": {"caller_name": "Dana"},
        "due_at": T0,
        "now": T0,
    }
    values.update(changes)
    row, _ = OutboundCalls(services.engine).schedule(**values)
    return row


def stored(services: Services, attempt_id: str) -> OutboundCallView:
    row = OutboundCalls(services.engine).get(attempt_id)
    assert row is not None
    return row


class Refusing:
    def __init__(self, decision: GateDecision) -> None:
        self.decision = decision
        self.asked: list[str] = []

    def check(
        self, workspace: Workspace, audience: Audience, to_number: str, now: datetime
    ) -> GateDecision:
        self.asked.append(f"{workspace.id}/{audience.id}/{to_number}")
        return self.decision


def test_place_dials_once_with_our_metadata(services: Services, emulator: Emulator) -> None:
    row = scheduled(services)
    result = Dialer(services).place(row.id)
    assert (result.attempt_id, result.status) == (row.id, OutboundStatus.PLACED)
    [call] = emulator.calls()
    assert call["call_id"] == result.call_id
    assert (call["from_number"], call["to_number"], call["agent_id"]) == (FROM, TO, AGENT)
    assert call["metadata"] == {
        "callstate_workspace": "acme",
        "callstate_audience": AUDIENCE,
        "callstate_lead": row.lead,
        "callstate_attempt": row.id,
        "callstate_attempt_number": "1",
    }
    assert call["retell_llm_dynamic_variables"] == {
        "business_name": "Acme Roofing",
        "caller_name": "Dana",
    }
    [create] = emulator.creates()
    assert create["request_json"]["idempotency_key"] == row.id
    assert create["request_json"]["honor_internal_dnc"] is True
    after = stored(services, row.id)
    assert (after.status, after.call_id) == (OutboundStatus.PLACED, result.call_id)
    spec_checked(emulator.base)


def test_placing_twice_dials_once(services: Services, emulator: Emulator) -> None:
    row = scheduled(services)
    dialer = Dialer(services)
    first = dialer.place(row.id)
    second = dialer.place(row.id)
    assert second == first
    assert len(emulator.calls()) == 1
    assert len(emulator.creates()) == 1


def test_a_retry_after_a_lost_answer_finds_the_same_call(
    services: Services, emulator: Emulator
) -> None:
    row = scheduled(services)
    emulator.fault(mode="commit_then_drop", method="POST", path="/v2/create-phone-call")
    dialer = Dialer(services)
    with pytest.raises(Transient):
        dialer.place(row.id)
    assert stored(services, row.id).status is OutboundStatus.SCHEDULED
    result = dialer.place(row.id)
    [call] = emulator.calls()
    assert (result.status, result.call_id) == (OutboundStatus.PLACED, call["call_id"])
    assert len(emulator.creates()) == 2


def test_the_applied_agent_is_preferred(services: Services, emulator: Emulator) -> None:
    services.voice_agents.record("acme", "retell", AUDIENCE, "agent_applied", None, T0)
    Dialer(services).place(scheduled(services).id)
    [call] = emulator.calls()
    assert call["agent_id"] == "agent_applied"


def test_a_gate_refusal_dials_nobody(services: Services, emulator: Emulator) -> None:
    row = scheduled(services)
    gate = Refusing(GateDecision(allowed=False, reason="on the national do-not-call registry"))
    result = Dialer(services, gate).place(row.id)
    assert (result.status, result.detail) == (
        OutboundStatus.REFUSED,
        "on the national do-not-call registry",
    )
    assert gate.asked == [f"acme/{AUDIENCE}/{TO}"]
    assert emulator.creates() == []
    assert stored(services, row.id).status is OutboundStatus.REFUSED
    assert Dialer(services).place(row.id).status is OutboundStatus.REFUSED
    assert emulator.creates() == []


def test_a_gate_may_postpone_the_attempt(services: Services, emulator: Emulator) -> None:
    row = scheduled(services)
    later = T0 + timedelta(hours=15)
    gate = Refusing(GateDecision(allowed=False, reason="outside calling hours", retry_at=later))
    result = Dialer(services, gate).place(row.id)
    assert (result.status, result.retry_at, result.detail) == (
        OutboundStatus.SCHEDULED,
        later,
        "outside calling hours",
    )
    assert stored(services, row.id).due_at == later
    assert emulator.creates() == []
    assert Dialer(services, OpenGate()).place(row.id).status is OutboundStatus.PLACED


def test_an_audience_without_numbers_fails(
    engine: Engine, voice: RetellRest, emulator: Emulator
) -> None:
    services = services_for(engine, voice, acme(numbers=()))
    row = scheduled(services)
    result = Dialer(services).place(row.id)
    assert (result.status, result.detail) == (
        OutboundStatus.FAILED,
        f"audience {AUDIENCE} has no number to call from",
    )
    assert emulator.creates() == []


def test_a_from_number_of_another_audience_fails(services: Services, emulator: Emulator) -> None:
    row = scheduled(services, from_number="+14155550100")
    result = Dialer(services).place(row.id)
    assert result.status is OutboundStatus.FAILED
    assert result.detail == f"+14155550100 is not one of audience {AUDIENCE}'s numbers"
    assert emulator.creates() == []


def test_a_runtime_refusal_fails_the_attempt(services: Services, emulator: Emulator) -> None:
    httpx.post(f"{emulator.root}/_sandbox/dnc", json={"phone_number": TO}).raise_for_status()
    row = scheduled(services)
    result = Dialer(services).place(row.id)
    assert result.status is OutboundStatus.FAILED
    assert result.detail is not None
    assert result.detail.startswith("refused by the runtime: HTTP 400")
    assert emulator.calls() == []
    assert Dialer(services).place(row.id) == result
    assert len(emulator.creates()) == 1


def test_unknown_and_finished_attempts_are_not_dialled(
    services: Services, emulator: Emulator
) -> None:
    dialer = Dialer(services)
    missing = dialer.place("lead_nobody:1")
    assert (missing.status, missing.call_id) == (OutboundStatus.FAILED, None)
    row = scheduled(services)
    assert OutboundCalls(services.engine).cancel(row.id, T0)
    assert dialer.place(row.id).status is OutboundStatus.CANCELLED
    assert emulator.creates() == []


def test_a_workspace_without_a_voice_runtime_fails(engine: Engine) -> None:
    services = services_for(engine, None, acme())
    result = Dialer(services).place(scheduled(services).id)
    assert (result.status, result.detail) == (
        OutboundStatus.FAILED,
        "workspace acme has no voice runtime",
    )


def test_a_listed_number_is_refused_by_default_and_never_dialled(
    services: Services, emulator: Emulator
) -> None:
    services.dnc.add("acme", TO, source="call", reason="asked on the call", now=T0)
    row = scheduled(services)
    result = Dialer(services).place(row.id)
    assert result.status is OutboundStatus.REFUSED
    since = "since 2026-11-24 15:00 UTC"
    assert result.detail == f"on the do-not-call list {since} (call: asked on the call)"
    assert emulator.creates() == []
    assert services.dnc.remove("acme", TO)  # the list is read at dial time: unlisted, dialled
    other = scheduled(services, series="req-2")
    assert Dialer(services).place(other.id).status is OutboundStatus.PLACED
    assert len(emulator.creates()) == 1
