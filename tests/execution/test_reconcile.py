"""Reconciliation against the Retell emulator on loopback, through a real `RetellRest`.

Calls are placed through the emulator; their webhooks are lost (callee script `webhooks:
false`), received (handed to the product's webhook parser and inbox, as `POST
/webhooks/retell/{workspace}` does), or held mid-call so the call is still ongoing, or ended
but not analysed yet, while the reconciler runs.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine
from starlette.types import ASGIApp

from callstate.config.load import load_workspaces
from callstate.connectors.registry import build_connectors
from callstate.connectors.retell import webhook
from callstate.connectors.retell.rest import RetellRest
from callstate.domain.call import CallEvent, CallEventType, Disposition
from callstate.domain.effects import EffectOutcome, ScheduleCall
from callstate.domain.ids import attempt_id, lead_key
from callstate.execution.dialing import Dialer
from callstate.execution.reconcile import Reconciler, ReconcileReport
from callstate.execution.services import Services
from callstate.execution.steps import run_effect
from callstate.policy.routing import route
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.retell import Delivery, Report, RetellSeed, create_retell_app
from callstate.storage.attempts import AttemptContext
from callstate.storage.outbound import OutboundCallView, OutboundStatus
from callstate.storage.reconcile import ReconcileMarks
from callstate.transition import plan

KEY = "key_test_reconcile_0123456789abcdef"
ACME_FROM = "+14155550101"
SUMMIT_FROM = "+17205550101"
T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
NOWHERE = "http://127.0.0.1:9/webhooks/retell/acme"  # only our `Webhooks` sender reads it


def _agent(agent_id: str) -> dict[str, Any]:
    return {
        "agent_id": agent_id,
        "agent_name": agent_id,
        "response_engine": {"type": "retell-llm", "llm_id": "llm_reconcile"},
        "voice_id": "11labs-Adrian",
    }


SEED = RetellSeed(
    llms=({"llm_id": "llm_reconcile", "begin_message": "Hi, it's Acme."},),
    agents=(_agent("agent_acme_outbound"), _agent("agent_summit_outbound")),
    phone_numbers=(
        {
            "phone_number": ACME_FROM,
            "outbound_agents": [{"agent_id": "agent_acme_outbound", "weight": 1}],
        },
        {
            "phone_number": SUMMIT_FROM,
            "outbound_agents": [{"agent_id": "agent_summit_outbound", "weight": 1}],
        },
    ),
)


class Webhooks:
    """The emulator's webhook sender: each event goes to the product's parser and inbox, except
    for a held number, whose call stops at `hold_at` until released and then loses its
    webhooks."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.held: str | None = None
        self.hold_at = "call_started"
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, url: str, deliveries: Sequence[Delivery]) -> Report:
        for delivery in deliveries:
            call = json.loads(delivery.body)["call"]
            if call.get("to_number") == self.held:
                if delivery.event == self.hold_at:
                    self.reached.set()
                    self.release.wait(20)
                continue
            self._receive(delivery)
        return Report(attempts=())

    def _receive(self, delivery: Delivery) -> None:
        assert self.services is not None
        try:
            event = webhook.parse(delivery.body, "acme", self.services.clock())
        except webhook.UnhandledEventError:
            return
        self.services.inbox.record(event)


class Emulator:
    def __init__(self, base: str, clock: dict[str, float]) -> None:
        self.base = f"{base}/retell"
        self.clock = clock
        self.rest = RetellRest(KEY, base_url=self.base)
        self._keys = 0

    def script(self, to_number: str, **script: Any) -> None:
        answer = httpx.post(
            f"{self.base}/_sandbox/scripts", json={"to_number": to_number, **script}
        )
        assert answer.status_code == 201, answer.text

    def place(
        self, to_number: str, from_number: str = ACME_FROM, *, at: datetime | None = None
    ) -> str:
        """Place a call; it starts at `at`, else a minute after the previous one."""
        self.clock["now"] = at.timestamp() if at is not None else self.clock["now"] + 60
        self._keys += 1
        return self.rest.place_call(from_number, to_number, idempotency_key=f"k{self._keys}")

    def settle(self) -> None:
        answer = httpx.post(f"{self.base}/_sandbox/settle", params={"timeout": 20}, timeout=30)
        assert answer.status_code == 200, answer.text

    def fault(self, path: str, status: int = 503) -> None:
        spec = {"path": path, "status": status, "times": None}
        httpx.post(f"{self.base}/_sandbox/faults", json=spec).raise_for_status()

    def clear_faults(self) -> None:
        httpx.delete(f"{self.base}/_sandbox/faults").raise_for_status()

    def start_of(self, call_id: str) -> datetime:
        return datetime.fromtimestamp(self.rest.get_call(call_id)["start_timestamp"] / 1000, UTC)


@pytest.fixture
def webhooks() -> Iterator[Webhooks]:
    hooks = Webhooks()
    yield hooks
    hooks.release.set()


@pytest.fixture
def emulator(serve: Callable[[ASGIApp], str], webhooks: Webhooks) -> Iterator[Emulator]:
    clock = {"now": T0.timestamp()}

    def factory(store: Any) -> Any:
        return create_retell_app(
            store,
            api_key=KEY,
            seed=SEED,
            clock=lambda: clock["now"],
            deliver=webhooks,
            webhook_url=NOWHERE,
        )

    emulator = Emulator(serve(mount_vendors(None, {"retell": factory})), clock)
    yield emulator
    emulator.rest.close()


def make_services(engine: Engine, emulator: Emulator, **keys: str) -> Services:
    env = {"RETELL_API_KEY": KEY, "SUMMIT_RETELL_API_KEY": KEY, **keys}
    workspaces = load_workspaces(None, env, sandbox=True)
    connectors = {
        w: dataclasses.replace(
            build_connectors(ws),
            voice=RetellRest(ws.retell.api_key.get_secret_value(), base_url=emulator.base),
        )
        for w, ws in workspaces.items()
    }
    return Services(
        engine=engine,
        workspaces=workspaces,
        connectors=connectors,
        clock=lambda: datetime.fromtimestamp(emulator.clock["now"], UTC) + timedelta(minutes=5),
    )


@pytest.fixture
def services(engine: Engine, emulator: Emulator, webhooks: Webhooks) -> Iterator[Services]:
    made = make_services(engine, emulator)
    webhooks.services = made
    yield made
    made.close()


def types_of(services: Services, call_id: str) -> list[CallEventType]:
    return [e.type for e in services.inbox.for_call("acme", "retell", call_id)]


def test_calls_whose_webhooks_were_lost_are_recorded_once(
    emulator: Emulator, services: Services
) -> None:
    emulator.script(
        "+14155550142",
        webhooks=False,
        summary="Dana wants a quote for a new roof.",
        custom_analysis_data={"roof_age_years": 22},
        caller_name="Dana Whitfield",
    )
    emulator.script("+14155550188", webhooks=False, outcome="voicemail")
    quote = emulator.place("+14155550142")
    mailbox = emulator.place("+14155550188")
    emulator.settle()
    assert services.inbox.count() == 0

    first = Reconciler(services).run("acme")

    assert first.errors == ()
    assert first.listed == 2
    assert sorted(first.recovered) == sorted([quote, mailbox])
    assert (first.known, first.pending) == (0, 0)
    ended, analyzed = services.inbox.for_call("acme", "retell", quote)
    assert (ended.type, analyzed.type) == (CallEventType.ENDED, CallEventType.ANALYZED)
    assert ended.analysis is None  # Retell's call_ended never carries the analysis
    assert analyzed.analysis is not None
    assert analyzed.analysis.summary == "Dana wants a quote for a new roof."
    assert analyzed.analysis.custom["roof_age_years"] == 22
    assert analyzed.caller_name == "Dana Whitfield"
    assert analyzed.transcript and analyzed.transcript.startswith("Agent: Hi, it's Acme.")
    assert analyzed.recording_url
    assert analyzed.received_at == services.clock()
    voicemail = services.inbox.for_call("acme", "retell", mailbox)[-1]
    assert voicemail.analysis is not None and voicemail.analysis.in_voicemail
    assert len(services.inbox.undispatched(100)) == 4  # the dispatcher starts their workflows

    second = Reconciler(services).run("acme")

    assert second.recovered == ()
    assert (second.listed, second.known) == (2, 2)
    assert services.inbox.count() == 4


def test_a_call_received_by_webhook_is_known(emulator: Emulator, services: Services) -> None:
    emulator.script("+14155550177", webhooks=False)
    received = emulator.place("+14155550166")
    lost = emulator.place("+14155550177")
    emulator.settle()
    assert types_of(services, received) == [
        CallEventType.STARTED,
        CallEventType.ENDED,
        CallEventType.ANALYZED,
    ]

    report = Reconciler(services).run("acme")

    assert (report.listed, report.known, report.recovered) == (2, 1, (lost,))
    assert len(services.inbox.for_call("acme", "retell", received)) == 3


def test_an_ongoing_call_holds_the_watermark_back(
    emulator: Emulator, services: Services, webhooks: Webhooks
) -> None:
    emulator.script("+14155550111", webhooks=False)
    emulator.script("+14155550113", webhooks=False)
    webhooks.held = "+14155550112"
    # Played in the order placed, one at a time: `newest` is listed, `ongoing` stays on the
    # line, `queued` waits behind it (registered: no start yet, so not listed).
    newest = emulator.place("+14155550111", at=T0 + timedelta(minutes=10))
    ongoing = emulator.place("+14155550112", at=T0 + timedelta(minutes=2))
    assert webhooks.reached.wait(10)
    queued = emulator.place("+14155550113", at=T0 + timedelta(minutes=3))
    emulator.clock["now"] = (T0 + timedelta(minutes=10)).timestamp()
    marks = ReconcileMarks(services.engine)

    first = Reconciler(services).run("acme")

    assert (first.listed, first.recovered, first.pending) == (2, (newest,), 1)
    assert emulator.rest.get_call(ongoing)["call_status"] == "ongoing"
    assert first.since == services.clock() - timedelta(hours=24)
    assert first.watermark == emulator.start_of(ongoing) == T0 + timedelta(minutes=2)
    assert marks.get("acme", "retell") == first.watermark

    webhooks.release.set()
    emulator.settle()
    second = Reconciler(services).run("acme")

    assert second.since == T0 - timedelta(minutes=8)
    assert sorted(second.recovered) == sorted([ongoing, queued])
    assert (second.listed, second.known, second.pending) == (3, 1, 0)
    assert marks.get("acme", "retell") == emulator.start_of(newest)
    third = Reconciler(services).run("acme")
    assert (third.since, third.listed, third.known, third.recovered) == (T0, 3, 3, ())


def test_an_ended_call_without_analysis_is_recorded_then_completed(
    emulator: Emulator, services: Services, webhooks: Webhooks
) -> None:
    emulator.script("+14155550111", webhooks=False)
    webhooks.held, webhooks.hold_at = "+14155550142", "call_ended"
    newest = emulator.place("+14155550111", at=T0 + timedelta(minutes=10))
    call_id = emulator.place("+14155550142", at=T0 + timedelta(minutes=2))
    assert webhooks.reached.wait(10)

    first = Reconciler(services).run("acme")

    assert sorted(first.recovered) == sorted([newest, call_id])
    assert first.pending == 1
    assert types_of(services, call_id) == [CallEventType.ENDED]
    assert first.watermark == emulator.start_of(call_id)

    webhooks.release.set()
    emulator.settle()
    second = Reconciler(services).run("acme")

    assert second.recovered == (call_id,)
    assert (second.known, second.pending) == (1, 0)
    assert types_of(services, call_id) == [CallEventType.ENDED, CallEventType.ANALYZED]
    assert second.watermark == emulator.start_of(newest)


def test_nothing_listed_moves_the_watermark_to_an_overlap_before_now(
    emulator: Emulator, services: Services
) -> None:
    report = Reconciler(services, overlap=timedelta(minutes=3)).run("acme")
    assert (report.listed, report.errors) == (0, ())
    assert report.watermark == services.clock() - timedelta(minutes=3)


def test_vendor_down_is_reported_and_the_watermark_stays(
    emulator: Emulator, services: Services
) -> None:
    emulator.script("+14155550142", webhooks=False)
    emulator.place("+14155550142")
    emulator.settle()
    marks = ReconcileMarks(services.engine)
    Reconciler(services).run("acme")
    before = marks.mark("acme", "retell")
    assert before is not None
    emulator.script("+14155550143", webhooks=False)
    later = emulator.place("+14155550143")
    emulator.settle()
    emulator.fault("/v3/list-calls", status=503)

    down = Reconciler(services).run("acme")

    assert down.recovered == ()
    assert down.watermark is None
    assert len(down.errors) == 1 and "503" in down.errors[0]
    assert marks.mark("acme", "retell") == before

    emulator.clear_faults()
    emulator.fault("/v2/get-call/*", status=500)
    half = Reconciler(services).run("acme")
    assert half.errors and half.recovered == ()
    assert marks.mark("acme", "retell") == before
    assert types_of(services, later) == []

    emulator.clear_faults()
    back = Reconciler(services).run("acme")
    assert back.errors == ()
    assert back.recovered == (later,)


def test_run_all_goes_on_after_one_workspace_fails(
    engine: Engine, emulator: Emulator, webhooks: Webhooks
) -> None:
    services = make_services(engine, emulator, SUMMIT_RETELL_API_KEY="key_revoked")
    webhooks.services = services
    emulator.script("+14155550142", webhooks=False)
    call_id = emulator.place("+14155550142")
    emulator.settle()

    reports = {r.workspace: r for r in Reconciler(services).run_all()}
    services.close()

    assert sorted(reports) == ["acme", "summit"]
    assert reports["acme"].recovered == (call_id,)
    assert reports["summit"].watermark is None
    assert reports["summit"].errors and "401" in reports["summit"].errors[0]
    assert ReconcileMarks(engine).get("summit", "retell") is None
    for connectors in services.connectors.values():
        assert connectors.voice is not None
        connectors.voice.close()


def test_a_shared_account_splits_calls_by_agent(emulator: Emulator, services: Services) -> None:
    emulator.script("+14155550142", webhooks=False)
    emulator.script("+13035550142", webhooks=False)
    acme_call = emulator.place("+14155550142", from_number=ACME_FROM)
    summit_call = emulator.place("+13035550142", from_number=SUMMIT_FROM)
    emulator.settle()

    reports: list[ReconcileReport] = Reconciler(services).run_all()

    assert [(r.workspace, r.recovered) for r in reports] == [
        ("acme", (acme_call,)),
        ("summit", (summit_call,)),
    ]
    assert types_of(services, summit_call) == []
    assert [e.type for e in services.inbox.for_call("summit", "retell", summit_call)] == [
        CallEventType.ENDED,
        CallEventType.ANALYZED,
    ]


# -- calls that never connected: found through our own placed attempts ------------------------

REACTIVATION = "outbound-reactivation"  # acme's audience with a cadence: +4 h, then next day


def scheduled(services: Services, to_number: str) -> OutboundCallView:
    """Attempt 1 of a new series, due now."""
    now = services.clock()
    row, _ = services.outbound.schedule(
        workspace="acme",
        audience=REACTIVATION,
        lead=lead_key("acme", REACTIVATION, to_number, f"series-{to_number}"),
        attempt=1,
        to_number=to_number,
        from_number=None,
        variables={},
        due_at=now,
        now=now,
    )
    return row


def dial(services: Services, emulator: Emulator, to_number: str) -> tuple[str, str]:
    """Attempt 1 of a new series, placed by the product's `Dialer` a minute after the last
    call: (attempt id, Retell call id)."""
    emulator.clock["now"] += 60
    row = scheduled(services, to_number)
    placed = Dialer(services).place(row.id)
    assert placed.status is OutboundStatus.PLACED and placed.call_id is not None, placed
    return row.id, placed.call_id


def next_dial(services: Services, event: CallEvent) -> ScheduleCall:
    """What the event's workflow plans as the redial (the plan step's inputs, execution/
    workflow.py `plan_event`), run through the real `ScheduleCall` step."""
    workspace = services.workspaces[event.workspace]
    agents = services.voice_agents.audiences_by_agent(workspace.id, "retell")
    history = services.inbox.for_call(event.workspace, "retell", event.external_call_id)
    the_plan = plan(
        event,
        [e for e in history if e.type is not event.type],
        route(workspace, event, agents).audience,
        zone=ZoneInfo(workspace.timezone),
        hours=workspace.hours,
    )
    [redial] = [e for e in the_plan.effects if isinstance(e, ScheduleCall)]
    context = AttemptContext("acme", "retell", event.external_call_id, "event:test")
    result = run_effect(services, context, redial, {}, kill_switch=lambda *_: None)
    assert result.outcome is EffectOutcome.SUCCEEDED, result
    return redial


def test_a_lost_call_that_never_connected_is_recovered_and_redialled(
    emulator: Emulator, services: Services
) -> None:
    number = "+14155550142"
    emulator.script(number, outcome="no_answer", webhooks=False)
    attempt, call_id = dial(services, emulator, number)
    emulator.settle()
    # As on Retell: no `start_timestamp`, so a start-filtered listing never returns it.
    assert "start_timestamp" not in emulator.rest.get_call(call_id)
    assert list(emulator.rest.list_calls_since(T0 - timedelta(hours=1))) == []

    first = Reconciler(services).run("acme")

    assert (first.listed, first.attempts, first.recovered) == (0, 1, (call_id,))
    assert (first.errors, first.gone, first.pending) == ((), (), 0)
    ended, analyzed = services.inbox.for_call("acme", "retell", call_id)
    assert (ended.type, analyzed.type) == (CallEventType.ENDED, CallEventType.ANALYZED)
    assert analyzed.disposition is Disposition.NO_ANSWER
    assert analyzed.end_reason == "dial_no_answer"
    assert analyzed.context["callstate_attempt"] == attempt

    redial = next_dial(services, analyzed)

    first_row = services.outbound.get(attempt)
    assert first_row is not None
    assert (redial.attempt, redial.lead) == (2, first_row.lead)
    # Never connected, so no end time: the cadence counts from when the outcome was learnt.
    assert redial.due_at == analyzed.received_at + timedelta(hours=4)
    second_row = services.outbound.get(attempt_id(first_row.lead, 2))
    assert second_row is not None
    assert (second_row.status, second_row.due_at) == (OutboundStatus.SCHEDULED, redial.due_at)
    assert second_row.to_number == number

    again = Reconciler(services).run("acme")

    assert (again.attempts, again.recovered, again.errors) == (0, (), ())
    assert services.inbox.count() == 2
    assert len(services.outbound.for_lead("acme", first_row.lead)) == 2


def test_a_call_still_dialling_is_left_for_the_next_run(
    emulator: Emulator, services: Services, webhooks: Webhooks
) -> None:
    emulator.script("+14155550177", outcome="busy", webhooks=False)
    webhooks.held = "+14155550112"
    emulator.place("+14155550112")  # on the line until released
    assert webhooks.reached.wait(10)
    _, queued = dial(services, emulator, "+14155550177")  # registered behind it

    first = Reconciler(services).run("acme")

    assert emulator.rest.get_call(queued)["call_status"] == "registered"
    assert (first.attempts, first.recovered, first.gone) == (1, (), ())
    assert types_of(services, queued) == []

    webhooks.release.set()
    emulator.settle()
    second = Reconciler(services).run("acme")

    assert queued in second.recovered
    assert types_of(services, queued) == [CallEventType.ENDED, CallEventType.ANALYZED]
    assert services.inbox.for_call("acme", "retell", queued)[-1].end_reason == "dial_busy"


def test_calls_retell_no_longer_has_do_not_stop_the_others(
    emulator: Emulator, services: Services
) -> None:
    for number in ("+14155550131", "+14155550132", "+14155550133"):
        emulator.script(number, outcome="no_answer", webhooks=False)
    emulator.script("+14155550134", webhooks=False)
    deleted_attempt, deleted = dial(services, emulator, "+14155550131")
    kept_attempt, kept = dial(services, emulator, "+14155550132")
    # Recorded with a call id this account does not have (deleted, or placed under a key
    # since rotated away): the emulator answers 422, as Retell documents for an unknown id.
    foreign = "call_under_another_account_0001"
    foreign_attempt = scheduled(services, "+14155550133").id
    services.outbound.placed(foreign_attempt, foreign, services.clock())
    listed_deleted = emulator.place("+14155550134")  # connected: found by the listing
    emulator.settle()
    emulator.fault(f"/v2/get-call/{deleted}", status=404)
    emulator.fault(f"/v2/get-call/{listed_deleted}", status=404)

    first = Reconciler(services).run("acme")

    assert first.errors == ()
    assert (first.attempts, first.recovered) == (3, (kept,))
    assert sorted(first.gone) == sorted([deleted, foreign, listed_deleted])
    assert first.listed == 1 and first.watermark is not None  # the listing was not held back
    assert types_of(services, kept) == [CallEventType.ENDED, CallEventType.ANALYZED]
    for gone in (deleted_attempt, foreign_attempt):
        row = services.outbound.get(gone)
        assert row is not None and row.status is OutboundStatus.PLACED and row.reason
    kept_row = services.outbound.get(kept_attempt)
    assert kept_row is not None and kept_row.reason is None

    second = Reconciler(services).run("acme")

    assert (second.attempts, second.recovered, second.errors) == (0, (), ())


def test_each_run_reads_a_bounded_number_of_attempts_earliest_first(
    emulator: Emulator, services: Services
) -> None:
    emulator.script("+14155550151", outcome="no_answer", webhooks=False)
    emulator.script("+14155550152", outcome="no_answer", webhooks=False)
    _, earlier = dial(services, emulator, "+14155550151")
    _, later = dial(services, emulator, "+14155550152")
    emulator.settle()
    reconciler = Reconciler(services, attempts_per_run=1)

    assert reconciler.run("acme").recovered == (earlier,)
    assert reconciler.run("acme").recovered == (later,)
    assert reconciler.run("acme").attempts == 0
