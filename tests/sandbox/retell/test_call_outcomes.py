"""What happens around a played call: lost webhooks, fetchable recordings, Retell's DNC list.

Each test serves a full sandbox with one workspace account (`/retell/acme`) whose recording
URLs point back at the sandbox itself, and drives it with the retell SDK.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from retell import BadRequestError, Retell
from starlette.types import ASGIApp

from callstate.sandbox.app import create_sandbox_app
from callstate.sandbox.retell import RetellAccount, RetellSeed, recording_wav
from tests.sandbox.retell.hooks import Hooks, LateApp

KEY = "key_acme_outcomes_000000000000000"
FROM = "+14155550100"
SEED = RetellSeed(
    llms=({"llm_id": "llm_acme", "begin_message": "Hi, it's Acme."},),
    agents=(
        {
            "agent_id": "agent_acme",
            "response_engine": {"type": "retell-llm", "llm_id": "llm_acme"},
            "voice_id": "11labs-Adrian",
            "enable_dnc_detection": True,
        },
    ),
    phone_numbers=(
        {
            "phone_number": FROM,
            "outbound_agents": [{"agent_id": "agent_acme", "weight": 1}],
            "inbound_agents": [{"agent_id": "agent_acme", "weight": 1}],
        },
    ),
)


@dataclass
class Acme:
    base: str  # the account's mount, e.g. http://127.0.0.1:PORT/retell/acme
    hooks: Hooks
    client: Retell

    def script(self, *scripts: dict[str, Any]) -> None:
        httpx.post(f"{self.base}/_sandbox/scripts", json=list(scripts)).raise_for_status()

    def call(self, to: str, **options: Any) -> str:
        return self.client.call.create_phone_call(from_number=FROM, to_number=to, **options).call_id

    def settle(self) -> dict[str, Any]:
        answer = httpx.post(f"{self.base}/_sandbox/settle", params={"timeout": 20}, timeout=30)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def dnc(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = httpx.get(f"{self.base}/_sandbox/dnc").json()
        return listed


@pytest.fixture
def acme(serve: Callable[[ASGIApp], str]) -> Iterator[Acme]:
    hooks = Hooks(KEY)
    hook_url = serve(hooks.app()) + "/hook"
    late = LateApp()
    root = serve(late)
    account = RetellAccount("acme", KEY, hook_url, SEED, media_base_url=f"{root}/retell/acme")
    late.app = create_sandbox_app(None, retell_accounts=[account], retell_webhook_retry_delay=0.02)
    client = Retell(api_key=KEY, base_url=f"{root}/retell/acme", max_retries=0)
    yield Acme(f"{root}/retell/acme", hooks, client)
    client.close()


def test_lost_webhooks_leave_the_call_visible_to_list_and_get(acme: Acme) -> None:
    acme.script({"to_number": "+14155550142", "webhooks": False, "summary": "Lost in transit."})
    lost = acme.call("+14155550142")
    heard = acme.call("+14155550143")

    report = acme.settle()

    assert lost not in report["deliveries"]
    assert [a["event"] for a in report["deliveries"][heard]] == [
        "call_started",
        "call_ended",
        "call_analyzed",
    ]
    assert acme.hooks.of_call(lost) == []
    assert len(acme.hooks.of_call(heard)) == 3
    listed = {c.call_id: c for c in acme.client.call.list().items}
    assert listed[lost].call_status == "ended"
    fetched = acme.client.call.retrieve(lost)
    assert fetched.call_status == "ended"
    assert fetched.call_analysis is not None
    assert fetched.call_analysis.call_summary == "Lost in transit."


def test_recordings_are_fetchable_wav_files(acme: Acme) -> None:
    acme.script({"to_number": "+14155550199", "outcome": "no_answer"})
    first = acme.call("+14155550142")
    second = acme.call("+14155550143")
    missed = acme.call("+14155550199")
    acme.settle()

    url = acme.client.call.retrieve(first).recording_url
    assert url == f"{acme.base}/media/{first}/recording.wav"
    assert acme.hooks.of_call(first)[-1]["call"]["recording_url"] == url
    audio = httpx.get(url)  # no API key: a CDN URL
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(audio.content)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)
        assert 0.9 <= wav.getnframes() / wav.getframerate() <= 1.5
        assert any(wav.readframes(wav.getnframes()))  # not silence
    assert httpx.get(url).content == audio.content == recording_wav(first)
    other = httpx.get(f"{acme.base}/media/{second}/recording.wav")
    assert other.status_code == 200
    assert other.content != audio.content
    assert acme.client.call.retrieve(missed).recording_url is None
    assert httpx.get(f"{acme.base}/media/{missed}/recording.wav").status_code == 404
    # A call the simulator played straight to a webhook is unknown to the API; the CDN serves it.
    played = httpx.get(f"{acme.base}/media/call_elsewhere/recording.wav")
    assert played.status_code == 200 and played.content == recording_wav("call_elsewhere")


def test_a_dnc_request_blocks_calls_that_honor_the_list(acme: Acme) -> None:
    acme.script(
        {"to_number": "+14155550177", "disconnection_reason": "user_requested_dnc", "times": 1}
    )
    asked = acme.call("+14155550177")
    acme.settle()
    assert acme.client.call.retrieve(asked).disconnection_reason == "user_requested_dnc"
    assert acme.dnc() == [{"phone_number": "+14155550177", "call_id": asked}]

    with pytest.raises(BadRequestError) as refused:
        acme.call("+14155550177", honor_internal_dnc=True)
    error = refused.value.body
    assert isinstance(error, dict)
    assert error["status"] == "error"
    assert "do-not-call" in error["message"]
    assert [c.call_id for c in acme.client.call.list().items] == [asked]  # nothing placed

    again = acme.call("+14155550177")  # the flag is off: Retell dials anyway
    acme.settle()
    assert acme.client.call.retrieve(again).call_status == "ended"
    assert acme.call("+14155550178", honor_internal_dnc=True)  # not listed: placed


def test_the_dnc_list_can_be_seeded_and_cleared(acme: Acme) -> None:
    seeded = httpx.post(f"{acme.base}/_sandbox/dnc", json={"phone_number": "+14155550166"})
    assert seeded.status_code == 201
    assert httpx.post(f"{acme.base}/_sandbox/dnc", json={"phone_number": "0166"}).status_code == 422
    with pytest.raises(BadRequestError):
        acme.call("+14155550166", honor_internal_dnc=True)
    assert httpx.delete(f"{acme.base}/_sandbox/dnc").status_code == 204
    assert acme.dnc() == []
    assert acme.call("+14155550166", honor_internal_dnc=True).startswith("call_")


def test_an_inbound_caller_asking_for_dnc_is_listed(acme: Acme) -> None:
    acme.script({"to_number": "+14155550155", "disconnection_reason": "user_requested_dnc"})
    answered = httpx.post(
        f"{acme.base}/_sandbox/inbound-calls",
        json={"from_number": "+14155550155", "to_number": FROM},
    ).json()
    acme.settle()
    assert acme.dnc() == [{"phone_number": "+14155550155", "call_id": answered["call_id"]}]
    assert acme.hooks.of_call(answered["call_id"])[-1]["call"]["direction"] == "inbound"
