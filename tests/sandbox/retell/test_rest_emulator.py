"""The Retell REST emulator, driven by the official retell SDK over loopback HTTP.

Every recorded exchange is validated against vendor-specs/retell/openapi.yaml, except the
operations that older document lacks (`NOT_IN_DOCUMENT`: the 6.x list endpoints). Played calls
post their webhooks to a tiny receiver that verifies each signature with the product's verifier.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from retell import BadRequestError, RateLimitError, Retell, UnprocessableEntityError, omit
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from callstate.connectors.retell.signature import SignatureError, verify
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.retell import RetellRateLimit, RetellSeed, create_retell_app
from tests.vendor_specs import SPECS, validate_all

KEY = "key_test_retell_emulator_0123456789"
FROM = "+14155550100"
# Operations retell-sdk 6.2.13 calls that vendor-specs/retell/openapi.yaml (2026-04) lacks.
NOT_IN_DOCUMENT = frozenset(
    {("POST", "/v3/list-calls"), ("POST", "/v2/list-agents"), ("GET", "/v2/list-retell-llms")}
)
SEED = RetellSeed(
    llms=({"llm_id": "llm_seed_outbound", "begin_message": "Hi {{first_name}}, it's Acme."},),
    agents=(
        {
            "agent_id": "agent_seed_outbound",
            "agent_name": "Acme outbound",
            "response_engine": {"type": "retell-llm", "llm_id": "llm_seed_outbound"},
            "voice_id": "11labs-Adrian",
            "voicemail_option": {"action": {"type": "static_text", "text": "Call Acme back."}},
        },
    ),
    phone_numbers=(
        {
            "phone_number": FROM,
            "outbound_agents": [{"agent_id": "agent_seed_outbound", "weight": 1}],
        },
    ),
)


def spec_checked(base: str, *, skip_status: frozenset[int] = frozenset()) -> list[dict[str, Any]]:
    """Every recorded Retell exchange, the documented ones validated against the document."""
    exchanges: list[dict[str, Any]] = httpx.get(f"{base}/retell/_sandbox/requests").json()
    assert exchanges, "no retell exchanges were recorded"
    documented = [
        e
        for e in exchanges
        if (e["method"], e["path"]) not in NOT_IN_DOCUMENT and e["status"] not in skip_status
    ]
    if SPECS.is_dir():
        validate_all("retell", documented)
    return exchanges


class Receiver:
    """Records webhook posts and checks each signature against the account's key."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.posts: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    async def hook(self, request: Request) -> Response:
        body = await request.body()
        try:
            verify(body, request.headers.get("x-retell-signature"), (self.key,), _now_ms())
        except SignatureError:
            return Response(status_code=401)
        with self.lock:
            self.posts.append(json.loads(body))
        return Response(status_code=204)

    def app(self) -> ASGIApp:
        return Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    def events(self, call_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [p for p in self.posts if p["call"]["call_id"] == call_id]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@pytest.fixture
def receiver(serve: Callable[[ASGIApp], str]) -> tuple[Receiver, str]:
    hooks = Receiver(KEY)
    return hooks, serve(hooks.app()) + "/hook"


@pytest.fixture
def make_retell(serve: Callable[[ASGIApp], str]) -> Callable[..., str]:
    def make(**options: Any) -> str:
        options.setdefault("api_key", KEY)
        options.setdefault("seed", SEED)
        options.setdefault("webhook_retry_delay", 0.05)
        sandbox = mount_vendors(None, {"retell": lambda store: create_retell_app(store, **options)})
        return serve(sandbox)

    return make


@pytest.fixture
def base(make_retell: Callable[..., str]) -> str:
    return make_retell()


@pytest.fixture
def client(base: str) -> Iterator[Retell]:
    sdk = Retell(api_key=KEY, base_url=f"{base}/retell", max_retries=0)
    yield sdk
    sdk.close()


def settle(base: str) -> dict[str, Any]:
    answer = httpx.post(f"{base}/retell/_sandbox/settle", params={"timeout": 20}, timeout=30)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_llm_and_agent_round_trip(base: str, client: Retell) -> None:
    tool = {
        "type": "custom",
        "name": "book_visit",
        "description": "Book a roof inspection.",
        "url": "https://callstate.example/tools/book_visit",
        "speak_after_execution": True,
        "parameters": {"type": "object", "properties": {"day": {"type": "string"}}},
    }
    llm = client.llm.create(
        general_prompt="You are Acme's assistant.",
        begin_message="Hi {{first_name}}!",
        general_tools=[tool],  # type: ignore[list-item]
        default_dynamic_variables={"first_name": "there"},
    )
    assert llm.version == 0
    assert llm.general_tools is not None
    assert llm.general_tools[0].to_dict()["url"] == tool["url"]
    agent = client.agent.create(
        response_engine={"type": "retell-llm", "llm_id": llm.llm_id},
        voice_id="11labs-Adrian",
        agent_name="Acme qualifier",
        webhook_url="https://callstate.example/hooks/retell",
        language="en-US",
        end_call_after_silence_ms=30_000,
        post_call_analysis_data=[
            {"type": "string", "name": "intent", "description": "Why they called"}
        ],
        voicemail_option={"action": {"type": "hangup"}},
    )
    assert agent.agent_id.startswith("agent_")
    assert agent.version == 0

    updated = client.agent.update(agent.agent_id, agent_name="Acme qualifier v2")
    assert updated.agent_name == "Acme qualifier v2"
    assert updated.end_call_after_silence_ms == 30_000  # untouched fields stay
    fetched = client.agent.retrieve(agent.agent_id)
    assert fetched.to_dict() == updated.to_dict()
    assert fetched.post_call_analysis_data is not None
    assert fetched.post_call_analysis_data[0].name == "intent"

    client.llm.update(llm.llm_id, general_prompt="You are Acme's friendly assistant.")
    assert client.llm.retrieve(llm.llm_id).general_prompt == "You are Acme's friendly assistant."
    listed = client.agent.list()
    assert {a.agent_id for a in listed.items} == {agent.agent_id, "agent_seed_outbound"}
    assert {m.llm_id for m in client.llm.list().items} == {llm.llm_id, "llm_seed_outbound"}
    # The document's own list paths answer bare arrays of whole objects.
    headers = {"authorization": f"Bearer {KEY}"}
    old = httpx.get(f"{base}/retell/list-agents", headers=headers).json()
    assert {a["agent_id"] for a in old} == {agent.agent_id, "agent_seed_outbound"}
    with pytest.raises(UnprocessableEntityError):
        client.agent.retrieve("agent_missing")
    with pytest.raises(BadRequestError):  # still the agent's response engine
        client.llm.delete(llm.llm_id)
    client.agent.delete(agent.agent_id)
    client.llm.delete(llm.llm_id)
    assert {m.llm_id for m in client.llm.list().items} == {"llm_seed_outbound"}
    spec_checked(base)


def test_phone_numbers_bind_agents(base: str, client: Retell) -> None:
    bought = client.phone_number.create(area_code=212, nickname="NYC line")
    assert bought.phone_number.startswith("+1212")
    headers = {"authorization": f"Bearer {KEY}"}
    # The deprecated single-agent field still binds (converted to the weighted list).
    legacy = httpx.patch(
        f"{base}/retell/update-phone-number/{bought.phone_number}",
        headers=headers,
        json={"outbound_agent_id": "agent_seed_outbound", "inbound_webhook_url": "https://x/in"},
    )
    assert legacy.status_code == 200, legacy.text
    number = client.phone_number.retrieve(bought.phone_number)
    assert number.outbound_agents is not None
    assert [a.agent_id for a in number.outbound_agents] == ["agent_seed_outbound"]
    assert number.inbound_webhook_url == "https://x/in"
    imported = client.phone_number.import_(
        phone_number="+14155550177", termination_uri="acme.pstn.twilio.com"
    )
    assert imported.phone_number_type == "custom"
    numbers = {n.phone_number for n in client.phone_number.list().items}
    assert numbers == {FROM, bought.phone_number, "+14155550177"}
    spec_checked(base)


def test_idempotent_create_phone_call_places_one_call(base: str, client: Retell) -> None:
    first = client.call.create_phone_call(
        from_number=FROM, to_number="+14155550142", idempotency_key="effect-1"
    )
    again = client.call.create_phone_call(
        from_number=FROM, to_number="+14155550142", idempotency_key="effect-1"
    )
    other = client.call.create_phone_call(
        from_number=FROM, to_number="+14155550142", idempotency_key="effect-2"
    )
    assert first.call_status == "registered"
    assert again.call_id == first.call_id
    assert other.call_id != first.call_id
    settle(base)
    calls = client.call.list(
        filter_criteria={"to_number": {"op": "eq", "type": "string", "value": "+14155550142"}}
    )
    assert sorted(c.call_id for c in calls.items) == sorted({first.call_id, other.call_id})
    spec_checked(base)


def test_played_call_posts_signed_webhooks_with_metadata(
    make_retell: Callable[..., str], receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    base = make_retell(webhook_url=url)  # account-level URL: the seeded agent has none
    headers = {"authorization": f"Bearer {KEY}"}
    httpx.post(
        f"{base}/retell/_sandbox/scripts",
        json={
            "to_number": "+14155550142",
            "custom_analysis_data": {"intent": "quote"},
            "summary": "Dana wants a quote.",
        },
    ).raise_for_status()
    created = httpx.post(
        f"{base}/retell/v2/create-phone-call",
        headers=headers,
        json={
            "from_number": FROM,
            "to_number": "+14155550142",
            "metadata": {"workspace": "acme", "lead": "L-1"},
            "retell_llm_dynamic_variables": {"first_name": "Dana"},
            "idempotency_key": "effect-42",
        },
    )
    assert created.status_code == 201, created.text
    call_id = created.json()["call_id"]
    report = settle(base)
    assert all(a["status_code"] == 204 for a in report["deliveries"][call_id])
    events = hooks.events(call_id)
    assert [e["event"] for e in events] == ["call_started", "call_ended", "call_analyzed"]
    for event in events:
        assert event["call"]["metadata"] == {"workspace": "acme", "lead": "L-1"}
        assert event["call"]["retell_llm_dynamic_variables"] == {"first_name": "Dana"}
    analyzed = events[-1]["call"]
    assert analyzed["call_analysis"]["custom_analysis_data"] == {"intent": "quote"}
    assert analyzed["transcript"].startswith("Agent: Hi Dana, it's Acme.")
    got = httpx.get(f"{base}/retell/v2/get-call/{call_id}", headers=headers).json()
    assert got["call_status"] == "ended"
    assert got["call_analysis"]["call_summary"] == "Dana wants a quote."
    spec_checked(base)


def test_scripted_voicemail_and_no_answer(
    make_retell: Callable[..., str], receiver: tuple[Receiver, str]
) -> None:
    hooks, url = receiver
    base = make_retell(webhook_url=url)
    httpx.post(
        f"{base}/retell/_sandbox/scripts",
        json=[
            {"to_number": "+14155550188", "outcome": "voicemail"},
            {"to_number": "+14155550199", "outcome": "no_answer", "times": 1},
        ],
    ).raise_for_status()
    client = Retell(api_key=KEY, base_url=f"{base}/retell", max_retries=0)
    mailbox = client.call.create_phone_call(
        from_number=FROM, to_number="+14155550188", idempotency_key="vm"
    )
    unanswered = client.call.create_phone_call(
        from_number=FROM, to_number="+14155550199", idempotency_key="na"
    )
    answered_later = client.call.create_phone_call(
        from_number=FROM, to_number="+14155550199", idempotency_key="na-2"
    )
    settle(base)
    voicemail = hooks.events(mailbox.call_id)[-1]["call"]
    assert voicemail["disconnection_reason"] == "voicemail_reached"
    assert voicemail["call_analysis"]["in_voicemail"] is True
    assert "Agent: Call Acme back." in voicemail["transcript"]  # the agent's static voicemail
    missed = hooks.events(unanswered.call_id)
    assert [e["event"] for e in missed] == ["call_ended", "call_analyzed"]
    assert missed[-1]["call"]["call_status"] == "not_connected"
    assert missed[-1]["call"]["disconnection_reason"] == "dial_no_answer"
    assert client.call.retrieve(answered_later.call_id).call_status == "ended"  # script used up
    client.close()
    spec_checked(base)


def test_list_calls_pagination_and_time_filter(
    make_retell: Callable[..., str],
) -> None:
    clock = {"now": 1_767_000_000.0}
    base = make_retell(clock=lambda: clock["now"])
    client = Retell(api_key=KEY, base_url=f"{base}/retell", max_retries=0)
    placed = []
    for n in range(5):
        clock["now"] += 60
        call = client.call.create_phone_call(
            from_number=FROM, to_number=f"+1415555012{n}", idempotency_key=f"k{n}"
        )
        placed.append(call.call_id)
    settle(base)
    since = int((1_767_000_000.0 + 60 * 3) * 1000)  # the 3rd call's start onwards
    seen: list[str] = []
    key = None
    while True:
        page = client.call.list(
            filter_criteria={"start_timestamp": {"op": "ge", "type": "number", "value": since}},
            sort_order="ascending",
            limit=2,
            pagination_key=key or omit,
        )
        seen.extend(c.call_id for c in page.items)
        if not page.has_more:
            break
        key = page.pagination_key
    assert seen == placed[2:]
    newest_first = client.call.list(limit=10)
    assert [c.call_id for c in newest_first.items] == placed[::-1]
    # The document's /v2/list-calls: thresholds and agent ids, a bare array.
    old = httpx.post(
        f"{base}/retell/v2/list-calls",
        headers={"authorization": f"Bearer {KEY}"},
        json={
            "filter_criteria": {
                "agent_id": ["agent_seed_outbound"],
                "start_timestamp": {"lower_threshold": since},
            },
            "sort_order": "ascending",
            "limit": 2,
        },
    ).json()
    assert [c["call_id"] for c in old] == placed[2:4]
    client.close()
    spec_checked(base)


def test_errors_are_retell_shaped(base: str) -> None:
    good = {"authorization": f"Bearer {KEY}"}
    bad_key = httpx.get(f"{base}/retell/v2/get-call/call_x", headers={"authorization": "Bearer no"})
    assert bad_key.status_code == 401
    assert bad_key.json() == {"status": "error", "message": "API key is missing or invalid."}
    unknown = httpx.get(f"{base}/retell/v2/get-call/call_x", headers=good)
    assert unknown.status_code == 422
    assert unknown.json()["message"].startswith("Cannot find requested asset")
    not_e164 = httpx.post(
        f"{base}/retell/v2/create-phone-call",
        headers=good,
        json={"from_number": FROM, "to_number": "555-0100"},
    )
    assert not_e164.status_code == 400
    assert not_e164.json()["status"] == "error"
    no_agent = httpx.post(f"{base}/retell/create-phone-number", headers=good, json={})
    unbound = no_agent.json()["phone_number"]
    refused = httpx.post(
        f"{base}/retell/v2/create-phone-call",
        headers=good,
        json={"from_number": unbound, "to_number": "+14155550142"},
    )
    assert refused.status_code == 400
    assert "outbound agent" in refused.json()["message"]
    spec_checked(base)


def test_rate_limit_emulation_is_opt_in(make_retell: Callable[..., str]) -> None:
    limit = RetellRateLimit(max_requests=2, interval_seconds=60, retry_after=3)
    base = make_retell(rate_limit=limit, clock=lambda: 1_767_000_000.0)
    client = Retell(api_key=KEY, base_url=f"{base}/retell", max_retries=0)
    for n in range(2):
        client.call.create_phone_call(
            from_number=FROM, to_number="+14155550142", idempotency_key=f"r{n}"
        )
    with pytest.raises(RateLimitError) as refused:
        client.call.create_phone_call(
            from_number=FROM, to_number="+14155550142", idempotency_key="r2"
        )
    assert refused.value.response.headers["retry-after"] == "3"
    assert refused.value.body == {
        "status": "error",
        "message": "Account rate limited, please throttle your requests.",
    }
    client.close()
    spec_checked(base)
