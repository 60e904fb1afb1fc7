"""The step body: the ledger records every attempt, whatever the connector did."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from callstate.connectors.errors import Permanent
from callstate.connectors.ports import ObjectRef
from callstate.connectors.registry import WorkspaceConnectors
from callstate.domain.effects import EffectOutcome, UpsertContact
from callstate.execution.services import Services
from callstate.execution.steps import run_effect
from callstate.storage.attempts import AttemptContext, AttemptStatus
from tests.domain.builders import RECEIVED

CONTEXT = AttemptContext("acme", "retell", "call_0001", "event:x")
EFFECT = UpsertContact(key="acme:contact:+14155550100", phone="+14155550100")


class _Crm:
    vendor = "hubspot"

    def __init__(self, outcome: Exception | ObjectRef) -> None:
        self.outcome = outcome
        self.calls = 0

    def upsert_contact(self, effect: UpsertContact) -> ObjectRef:
        self.calls += 1
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def services_with(engine: Engine, crm: _Crm) -> Services:
    connectors: Any = WorkspaceConnectors(crm=crm, chat=None)  # type: ignore[arg-type]
    return Services(engine=engine, workspaces={}, connectors={"acme": connectors})


def test_a_bug_in_a_connector_closes_the_attempt(engine: Engine) -> None:
    services = services_with(engine, _Crm(KeyError("results")))
    with pytest.raises(KeyError):
        run_effect(services, CONTEXT, EFFECT, {}, kill_switch=lambda *_: None)
    [attempt] = services.ledger.for_call("acme", "retell", "call_0001")
    assert attempt.status is AttemptStatus.PERMANENT_ERROR
    assert attempt.error == "KeyError: 'results'"
    assert attempt.finished_at is not None


def test_a_refusal_is_recorded_with_the_vendor(engine: Engine) -> None:
    services = services_with(engine, _Crm(Permanent("hubspot", "bad property", status=400)))
    with pytest.raises(Permanent):
        run_effect(services, CONTEXT, EFFECT, {}, kill_switch=lambda *_: None)
    [attempt] = services.ledger.for_call("acme", "retell", "call_0001")
    assert (attempt.status, attempt.vendor) == (AttemptStatus.PERMANENT_ERROR, "hubspot")


def test_an_applied_effect_is_not_applied_again(engine: Engine) -> None:
    crm = _Crm(ObjectRef("hubspot", "101", "http://crm/101"))
    services = services_with(engine, crm)
    clock = iter([RECEIVED] * 4)
    services.clock = lambda: next(clock)
    first = run_effect(services, CONTEXT, EFFECT, {}, kill_switch=lambda *_: None)
    second = run_effect(services, CONTEXT, EFFECT, {}, kill_switch=lambda *_: None)
    assert crm.calls == 1
    assert first.outcome is second.outcome is EffectOutcome.SUCCEEDED
    assert (second.object_id, second.detail) == ("101", "already applied")
