"""The Retell call simulator against the oracle: retell-sdk 6.2.13's types and verifier.

Payloads must parse as `retell.types.PhoneCallResponse` with no key the SDK does not know
(the SDK model allows extras, so that is checked by walking the parsed model); signatures
must pass `retell.lib.webhook_auth.verify`. Deliveries are sent over loopback to a tiny
uvicorn receiver. `python tests/sandbox/retell/test_simulator.py` rewrites the fixture files.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pydantic
import pytest
import uvicorn
from retell.lib import webhook_auth
from retell.types import PhoneCallResponse

from callstate.sandbox.retell import (
    CALLER_EMAIL_KEY,
    CALLER_NAME_KEY,
    CallScenario,
    Delivery,
    Simulator,
    build_events,
    call_id_for,
    demo_scenarios,
    plan_deliveries,
    sign,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "retell"
KEY = "key_4f1c0a9e2b7d43a8b5e6c1d2f3a4b5c6"
NOW = datetime(2026, 3, 9, 14, 30, tzinfo=UTC)
DEMO = demo_scenarios(
    NOW,
    inbound_agent_id="agent_acme_inbound",
    outbound_agent_id="agent_acme_outbound",
    inbound_number="+14155550100",
    outbound_number="+14155550101",
)


def _quote_call() -> CallScenario:
    return CallScenario(
        seed="fixture-quote",
        agent_id="agent_2d7f4c1e9a0b3c5d6e7f8a9b0c",
        agent_version=4,
        agent_name="Acme Roofing - Inbound",
        direction="inbound",
        from_number="+14155550123",
        to_number="+14155550100",
        start=datetime(2026, 3, 9, 14, 5, 12, 345_000, tzinfo=UTC),
        caller_name="Jordan Ellery",
        caller_email="jordan.ellery@example.com",
        summary="Jordan Ellery asked for a quote to replace a leaking flat roof.",
        sentiment="Positive",
        custom_analysis_data={"intent": "quote", "service": "flat roof replacement"},
        metadata={"workspace": "acme"},
        dynamic_variables={"business_hours": "Mon-Fri 8am-6pm"},
        transcript=(
            ("agent", "Acme Roofing, this is Sam. How can I help?"),
            ("user", "Hi, my flat roof is leaking and I'd like a quote to replace it."),
            ("agent", "I can help with that. What's your name and email?"),
            ("user", "Jordan Ellery, jordan.ellery@example.com."),
            ("agent", "Thanks Jordan, we'll email you to book an inspection."),
        ),
    )


def _voicemail_call() -> CallScenario:
    return CallScenario(
        seed="fixture-voicemail",
        agent_id="agent_8b1e5d2c7f4a9e0b3d6c1f8a2e",
        agent_version=2,
        agent_name="Acme Roofing - Reactivation",
        direction="outbound",
        from_number="+14155550101",
        to_number="+14155550177",
        start=datetime(2026, 3, 9, 15, 40, 2, 17_000, tzinfo=UTC),
        voicemail=True,
        sentiment="Unknown",
        call_successful=False,
        summary="The agent reached voicemail and left a short callback message.",
        metadata={"lead_ref": "lead-0177"},
        dynamic_variables={"customer_name": "Avery Lindqvist"},
        transcript=(
            ("user", "You've reached Avery. Leave a message after the beep."),
            ("agent", "Hi Avery, it's Sam from Acme Roofing. Please call us back. Thanks!"),
        ),
    )


def _no_answer_call() -> CallScenario:
    return CallScenario(
        seed="fixture-no-answer",
        agent_id="agent_8b1e5d2c7f4a9e0b3d6c1f8a2e",
        agent_version=2,
        agent_name="Acme Roofing - Reactivation",
        direction="outbound",
        from_number="+14155550101",
        to_number="+14155550145",
        start=datetime(2026, 3, 9, 16, 0, 41, 902_000, tzinfo=UTC),
        connected=False,
        call_successful=False,
        metadata={"lead_ref": "lead-0145"},
        dynamic_variables={"customer_name": "Riley Okonkwo"},
    )


def _event(scenario: CallScenario, name: str, nth: int = 0, **kw: Any) -> dict[str, Any]:
    return [e for e in build_events(scenario, **kw) if e["event"] == name][nth]


FIXTURE_BUILDERS: dict[str, Any] = {
    "call_started": lambda: _event(_quote_call(), "call_started"),
    "transcript_updated": lambda: _event(
        _quote_call(), "transcript_updated", 2, transcript_updates=True
    ),
    "call_ended": lambda: _event(_quote_call(), "call_ended"),
    "call_analyzed": lambda: _event(_quote_call(), "call_analyzed"),
    "call_analyzed_voicemail": lambda: _event(_voicemail_call(), "call_analyzed"),
    "call_ended_not_connected": lambda: _event(_no_answer_call(), "call_ended"),
    "call_analyzed_not_connected": lambda: _event(_no_answer_call(), "call_analyzed"),
}

SCENARIOS = [*DEMO, _quote_call(), _voicemail_call(), _no_answer_call()]


# --- the SDK as oracle --------------------------------------------------------------------


def _unknown_keys(value: Any, path: str) -> list[str]:
    """Keys the SDK model kept only as extras, anywhere in the parsed tree."""
    if isinstance(value, pydantic.BaseModel):
        found = [f"{path}.{k}" for k in (value.model_extra or {})]
        for name in type(value).model_fields:
            found += _unknown_keys(getattr(value, name), f"{path}.{name}")
        return found
    if isinstance(value, list):
        return [k for i, item in enumerate(value) for k in _unknown_keys(item, f"{path}[{i}]")]
    return []


def _sdk_verify(body: str, key: str, signature: str) -> bool:
    """retell.lib.webhook_auth.verify: the SDK's check, against the wall clock."""
    return bool(webhook_auth.verify(body, key, signature))  # type: ignore[no-untyped-call]


def _assert_sdk_accepts(call: dict[str, Any]) -> PhoneCallResponse:
    parsed = PhoneCallResponse.model_validate(call)
    assert _unknown_keys(parsed, "call") == []
    return parsed


def test_the_unknown_key_check_can_fail() -> None:
    call = _event(_quote_call(), "call_analyzed")
    call["call"]["call_analysis"]["mood"] = "sunny"
    call["call"]["transcript_object"][0]["words"][0]["pitch"] = 1.0
    parsed = PhoneCallResponse.model_validate(call["call"])
    assert sorted(_unknown_keys(parsed, "call")) == [
        "call.call_analysis.mood",
        "call.transcript_object[0].words[0].pitch",
    ]
    with pytest.raises(pydantic.ValidationError):
        PhoneCallResponse.model_validate({**call["call"], "start_timestamp": "yesterday"})


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: str(s.seed))
def test_every_event_parses_with_the_sdk_type(scenario: CallScenario) -> None:
    for event in build_events(scenario, transcript_updates=True):
        assert set(event) == {"event", "call", "event_timestamp"}
        assert isinstance(event["event_timestamp"], int)
        parsed = _assert_sdk_accepts(event["call"])
        assert parsed.call_id == scenario.call_id
        assert parsed.agent_id == scenario.agent_id
        assert parsed.direction == scenario.direction


def test_lifecycle_order_and_call_analysis_only_on_call_analyzed() -> None:
    events = build_events(_quote_call())
    assert [e["event"] for e in events] == ["call_started", "call_ended", "call_analyzed"]
    started, ended, analyzed = (e["call"] for e in events)
    assert started["call_status"] == "ongoing"
    assert "end_timestamp" not in started
    assert "transcript" not in started
    assert "call_analysis" not in ended
    assert ended["call_status"] == analyzed["call_status"] == "ended"
    assert {k: v for k, v in analyzed.items() if k != "call_analysis"} == ended
    assert analyzed["call_analysis"] == {
        "call_summary": "Jordan Ellery asked for a quote to replace a leaking flat roof.",
        "in_voicemail": False,
        "user_sentiment": "Positive",
        "call_successful": True,
        "custom_analysis_data": {
            CALLER_NAME_KEY: "Jordan Ellery",
            CALLER_EMAIL_KEY: "jordan.ellery@example.com",
            "intent": "quote",
            "service": "flat roof replacement",
        },
    }
    assert ended["collected_dynamic_variables"] == {
        CALLER_NAME_KEY: "Jordan Ellery",
        CALLER_EMAIL_KEY: "jordan.ellery@example.com",
    }


def test_timestamps_are_integer_milliseconds_of_the_scenario() -> None:
    s = _quote_call()
    ended = _event(s, "call_ended")["call"]
    assert ended["start_timestamp"] == 1_773_065_112_345
    assert ended["end_timestamp"] - ended["start_timestamp"] == ended["duration_ms"] > 10_000
    fixed = CallScenario(
        agent_id="agent_x",
        direction="inbound",
        from_number="+14155550123",
        to_number="+14155550100",
        start=datetime(2026, 3, 9, 9, 5, 12, 345_000, tzinfo=timezone(timedelta(hours=-5))),
        duration=timedelta(seconds=95.5),
        transcript=(("agent", "Hello."),),
    )
    call = _event(fixed, "call_ended")["call"]
    assert call["start_timestamp"] == 1_773_065_112_345  # same instant, written in UTC-5
    assert call["duration_ms"] == 95_500
    assert call["call_cost"]["total_duration_seconds"] == 96


def test_transcript_shapes() -> None:
    ended = _event(_quote_call(), "call_ended")["call"]
    assert ended["transcript"].startswith(
        "Agent: Acme Roofing, this is Sam. How can I help?\nUser: "
    )
    assert ended["transcript"].endswith("\n")
    first = ended["transcript_object"][0]
    assert first["role"] == "agent"
    assert [w["word"] for w in first["words"]] == first["content"].split()
    starts = [w["start"] for u in ended["transcript_object"] for w in u["words"]]
    assert starts == sorted(starts)
    assert ended["transcript_with_tool_calls"] == ended["transcript_object"]
    updates = list(build_events(_quote_call(), transcript_updates=True))
    names = [e["event"] for e in updates]
    assert names == ["call_started"] + ["transcript_updated"] * 5 + ["call_ended", "call_analyzed"]
    assert [len(e["call"]["transcript_object"]) for e in updates[1:6]] == [1, 2, 3, 4, 5]
    assert all(e["call"]["call_status"] == "ongoing" for e in updates[:6])


def test_unconnected_call_sends_no_call_started() -> None:
    events = build_events(_no_answer_call())
    assert [e["event"] for e in events] == ["call_ended", "call_analyzed"]
    ended, analyzed = (e["call"] for e in events)
    assert ended["call_status"] == analyzed["call_status"] == "not_connected"
    assert ended["disconnection_reason"] == "dial_no_answer"
    assert ended["duration_ms"] == 0
    assert "start_timestamp" not in ended
    assert "recording_url" not in ended
    assert "collected_dynamic_variables" not in ended
    assert analyzed["call_analysis"]["call_successful"] is False
    assert analyzed["call_analysis"]["user_sentiment"] == "Unknown"


def test_voicemail_call() -> None:
    analyzed = _event(DEMO[2], "call_analyzed")["call"]
    assert analyzed["disconnection_reason"] == "voicemail_reached"
    assert analyzed["call_status"] == "ended"
    assert analyzed["call_analysis"]["in_voicemail"] is True
    assert CALLER_NAME_KEY not in analyzed["call_analysis"]["custom_analysis_data"]
    assert analyzed["recording_url"] == (
        f"https://dxc03zgurdly9.cloudfront.net/{analyzed['call_id']}/recording.wav"
    )


@pytest.mark.parametrize(
    ("reason", "connected", "status"),
    [
        ("error_llm_websocket_lost_connection", True, "error"),
        ("concurrency_limit_reached", False, "error"),
        ("dial_busy", False, "not_connected"),
        ("agent_hangup", True, "ended"),
        ("reason_from_a_future_release", True, "ended"),
    ],
)
def test_disconnection_reason_sets_call_status(reason: str, connected: bool, status: str) -> None:
    s = CallScenario(
        agent_id="agent_x",
        direction="outbound",
        from_number="+14155550101",
        to_number="+14155550150",
        start=NOW,
        connected=connected,
        disconnection_reason=reason,
        transcript=(("agent", "Hi there."),) if connected else (),
    )
    ended = _event(s, "call_ended")["call"]
    assert (ended["call_status"], ended["disconnection_reason"]) == (status, reason)


def test_sdk_rejects_a_reason_it_does_not_know_which_is_why_receivers_must_not() -> None:
    s = CallScenario(
        agent_id="agent_x",
        direction="inbound",
        from_number="+14155550123",
        to_number="+14155550100",
        start=NOW,
        disconnection_reason="reason_from_a_future_release",
    )
    with pytest.raises(pydantic.ValidationError):
        PhoneCallResponse.model_validate(_event(s, "call_ended")["call"])


def test_metadata_and_dynamic_variables_are_omitted_when_never_set() -> None:
    bare = DEMO[0]
    assert bare.metadata is None
    assert bare.dynamic_variables is None
    for event in build_events(bare):
        assert "metadata" not in event["call"]
        assert "retell_llm_dynamic_variables" not in event["call"]
    for event in build_events(_quote_call()):
        assert event["call"]["metadata"] == {"workspace": "acme"}
        assert event["call"]["retell_llm_dynamic_variables"] == {
            "business_hours": "Mon-Fri 8am-6pm"
        }


def test_scenario_rejects_contradictions() -> None:
    base: dict[str, Any] = {
        "agent_id": "agent_x",
        "direction": "inbound",
        "from_number": "+14155550123",
        "to_number": "+14155550100",
    }
    with pytest.raises(ValueError, match="aware"):
        CallScenario(**base, start=datetime(2026, 3, 9, 14, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="never connected"):
        CallScenario(**base, start=NOW, disconnection_reason="dial_no_answer")
    with pytest.raises(ValueError, match="no transcript"):
        CallScenario(**base, start=NOW, connected=False, transcript=(("agent", "Hi"),))


def test_ids_are_deterministic_and_retell_shaped() -> None:
    assert call_id_for(7) == call_id_for(7) != call_id_for(8)
    assert re.fullmatch(r"call_[0-9a-f]{27}", call_id_for(7))
    assert build_events(_quote_call()) == build_events(_quote_call())
    assert len({s.call_id for s in SCENARIOS}) == len(SCENARIOS)


# --- signature ----------------------------------------------------------------------------


def test_signature_passes_the_sdk_verifier_and_a_tampered_body_fails() -> None:
    body = plan_deliveries(build_events(DEMO[3]))[1].body.decode()  # call_ended
    now_ms = int(time.time() * 1000)
    signature = sign(body, KEY, now_ms)
    assert re.fullmatch(rf"v={now_ms},d=[0-9a-f]{{64}}", signature)
    assert _sdk_verify(body, KEY, signature)
    assert sign(body.encode(), KEY, now_ms) == signature
    assert not _sdk_verify(body.replace("Tomás", "Tomas"), KEY, signature)
    assert not _sdk_verify(body, KEY + "x", signature)
    stale = sign(body, KEY, now_ms - 6 * 60 * 1000)
    assert not _sdk_verify(body, KEY, stale)  # outside Retell's five-minute window


# --- delivery planning --------------------------------------------------------------------


def _names(deliveries: list[Delivery]) -> list[str]:
    return [d.event for d in deliveries]


def test_plan_in_order_keeps_bodies_compact_utf8_and_faithful() -> None:
    events = build_events(DEMO[3])
    plan = plan_deliveries(events)
    assert _names(plan) == ["call_started", "call_ended", "call_analyzed"]
    for delivery, event in zip(plan, events, strict=True):
        assert json.loads(delivery.body) == event
        assert delivery.call_id == event["call"]["call_id"]
        assert delivery.copies == 1
        assert delivery.body.startswith(b'{"event":"call_')
    assert "Tomás".encode() in plan[1].body
    assert b"\\u00e1" not in plan[1].body


def test_plan_orders_duplicates_and_drops() -> None:
    events = build_events(_quote_call())
    assert _names(plan_deliveries(events, order="analyzed_first")) == [
        "call_analyzed",
        "call_started",
        "call_ended",
    ]
    dup = plan_deliveries(events, duplicate={"call_ended": 3})
    assert [d.copies for d in dup] == [1, 3, 1]
    dropped = plan_deliveries(events, drop_started=True)
    assert _names(dropped) == ["call_ended", "call_analyzed"]
    with pytest.raises(ValueError, match="at least 1"):
        plan_deliveries(events, duplicate={"call_ended": 0})


def test_shuffle_is_seeded() -> None:
    events = [e for s in DEMO for e in build_events(s)]
    first = plan_deliveries(events, order="shuffled", seed=3)
    assert first == plan_deliveries(events, order="shuffled", seed=3)
    assert first != plan_deliveries(events, order="shuffled", seed=4)
    assert first != plan_deliveries(events)
    assert sorted(d.body for d in first) == sorted(d.body for d in plan_deliveries(events))


# --- demo scenarios -----------------------------------------------------------------------


def test_demo_scenarios_use_the_given_workspace() -> None:
    quote, hours, voicemail, stray = DEMO
    assert (quote.agent_id, quote.to_number) == ("agent_acme_inbound", "+14155550100")
    assert quote.caller_email == "dana.whitfield@example.com"
    assert hours.caller_email is None
    assert (voicemail.agent_id, voicemail.from_number) == ("agent_acme_outbound", "+14155550101")
    assert voicemail.voicemail
    assert voicemail.direction == "outbound"
    assert stray.agent_id not in {"agent_acme_inbound", "agent_acme_outbound"}
    assert all(s.end_ms < NOW.timestamp() * 1000 for s in DEMO)
    with pytest.raises(ValueError, match="aware"):
        demo_scenarios(
            datetime(2026, 3, 9),  # noqa: DTZ001
            inbound_agent_id="a",
            outbound_agent_id="b",
            inbound_number="+14155550100",
            outbound_number="+14155550101",
        )


# --- fixtures -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURE_BUILDERS))
def test_fixture_is_a_valid_retell_payload_the_simulator_reproduces(name: str) -> None:
    payload = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    assert payload["event"] == name.removesuffix("_voicemail").removesuffix("_not_connected")
    _assert_sdk_accepts(payload["call"])
    assert ("call_analysis" in payload["call"]) == (payload["event"] == "call_analyzed")
    assert payload == FIXTURE_BUILDERS[name](), "regenerate: python " + __file__


def test_fixtures_are_scrubbed() -> None:
    for path in FIXTURES.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        for number in re.findall(r"\+1\d{10}", text):
            assert re.fullmatch(r"\+1\d{3}55501\d\d", number), (path.name, number)
        for email in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text):
            assert email.endswith("@example.com"), (path.name, email)


# --- the simulator over loopback ----------------------------------------------------------


@dataclass
class Hit:
    event: str
    body: str
    signature: str
    content_type: str
    status: int
    began: float
    ended: float = 0.0


@dataclass
class Receiver:
    """An ASGI webhook endpoint that answers from a per-event script, then 204."""

    url: str = ""
    hits: list[Hit] = field(default_factory=list)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    delays: dict[str, list[float]] = field(default_factory=dict)

    def reset(self) -> None:
        self.hits.clear()
        self.statuses.clear()
        self.delays.clear()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        event = json.loads(body)["event"]
        status = self.statuses[event].pop(0) if self.statuses.get(event) else 204
        delay = self.delays[event].pop(0) if self.delays.get(event) else 0.0
        hit = Hit(
            event=event,
            body=body.decode(),
            signature=headers.get("x-retell-signature", ""),
            content_type=headers.get("content-type", ""),
            status=status,
            began=time.monotonic(),
        )
        self.hits.append(hit)
        await asyncio.sleep(delay)
        hit.ended = time.monotonic()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture(scope="module")
def server() -> Iterator[Receiver]:
    app = Receiver()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY
    sock.bind(("127.0.0.1", 0))
    app.url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/retell"
    config = uvicorn.Config(
        app, lifespan="off", log_level="critical", http="h11", ws="none", access_log=False
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not uv.started:
        assert time.monotonic() < deadline, "receiver did not start"
        time.sleep(0.01)
    yield app
    uv.should_exit = True
    thread.join(5)
    sock.close()


@pytest.fixture
def receiver(server: Receiver) -> Receiver:
    server.reset()
    return server


def _simulator(receiver: Receiver, **kw: Any) -> Simulator:
    return Simulator(receiver.url, KEY, retry_delay=0.0, **kw)


def test_delivers_every_event_signed(receiver: Receiver) -> None:
    events = [e for s in DEMO for e in build_events(s)]
    report = _simulator(receiver).deliver(plan_deliveries(events))
    assert [h.event for h in receiver.hits] == [e["event"] for e in events]
    assert [json.loads(h.body) for h in receiver.hits] == events
    assert all(_sdk_verify(h.body, KEY, h.signature) for h in receiver.hits)
    assert {h.content_type for h in receiver.hits} == {"application/json"}
    assert report.acknowledged == len(events) == len(report.attempts)
    assert report.failed == ()
    assert all(a.status_code == 204 and a.latency_ms > 0 for a in report.attempts)


def test_duplicates_are_sent_concurrently(receiver: Receiver) -> None:
    receiver.delays["call_ended"] = [0.3, 0.3, 0.3]
    plan = plan_deliveries(build_events(DEMO[1]), duplicate={"call_ended": 3})
    _simulator(receiver).deliver(plan)
    copies = [h for h in receiver.hits if h.event == "call_ended"]
    assert len(copies) == 3
    assert len({h.body for h in copies}) == 1
    assert max(h.began for h in copies) < min(h.ended for h in copies)  # all in flight at once
    assert all(_sdk_verify(h.body, KEY, h.signature) for h in copies)


def test_retries_a_500_and_stops_on_2xx(receiver: Receiver) -> None:
    receiver.statuses["call_ended"] = [500]
    report = _simulator(receiver).deliver(plan_deliveries(build_events(DEMO[1])))
    assert [a.status_code for a in report.of("call_ended")] == [500, 204]
    assert [a.attempt for a in report.of("call_ended")] == [0, 1]
    assert [h.event for h in receiver.hits].count("call_ended") == 2
    assert report.failed == ()


def test_gives_up_after_the_retry_budget(receiver: Receiver) -> None:
    receiver.statuses["call_analyzed"] = [503] * 10
    report = _simulator(receiver).deliver(plan_deliveries(build_events(DEMO[1])))
    assert [a.status_code for a in report.of("call_analyzed")] == [503] * 4
    assert [a.event for a in report.failed] == ["call_analyzed"]
    assert report.acknowledged == 2


def test_retries_after_a_timeout(receiver: Receiver) -> None:
    receiver.delays["call_started"] = [3.0]
    report = _simulator(receiver, timeout=1.0).deliver(plan_deliveries(build_events(DEMO[1])))
    first, *_, last = report.of("call_started")
    assert (first.status_code, first.error) == (None, "timeout")
    # On a loaded machine a retry may time out too; what matters is that it retries until 2xx.
    assert last.status_code == 204


def test_a_failed_event_does_not_block_later_ones_unless_asked(receiver: Receiver) -> None:
    plan = plan_deliveries(build_events(DEMO[1]))
    receiver.statuses["call_started"] = [500]
    Simulator(receiver.url, KEY, retry_delay=0.3).deliver(plan)
    arrived = [h.event for h in receiver.hits]
    assert arrived == ["call_started", "call_ended", "call_analyzed", "call_started"]
    receiver.reset()
    receiver.statuses["call_started"] = [500]
    Simulator(receiver.url, KEY, retry_delay=0.0, block_on_retry=True).deliver(plan)
    arrived = [h.event for h in receiver.hits]
    assert arrived == ["call_started", "call_started", "call_ended", "call_analyzed"]


def test_signs_with_the_injected_clock(receiver: Receiver) -> None:
    fixed = 1_773_065_112_345
    plan = plan_deliveries(build_events(DEMO[1]))[:1]
    _simulator(receiver, now_ms=lambda: fixed).deliver(plan)
    (hit,) = receiver.hits
    assert hit.signature.startswith(f"v={fixed},d=")
    assert not _sdk_verify(hit.body, KEY, hit.signature)  # stale against the wall clock
    assert webhook_auth.symmetric["verify"](hit.body, KEY, hit.signature, {"timestamp": fixed})


if __name__ == "__main__":
    for fixture_name, build in FIXTURE_BUILDERS.items():
        text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
        (FIXTURES / f"{fixture_name}.json").write_text(text, encoding="utf-8")
