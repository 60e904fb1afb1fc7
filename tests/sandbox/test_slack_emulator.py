"""The Slack emulator, driven over loopback HTTP by slack_sdk's WebClient and httpx.

Each test ends by validating every recorded exchange against Slack's (stale, patched) OpenAPI
document; see `tests/vendor_specs.py` for the overrides.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

# The tests use Slack's official client on purpose: wire compatibility is what they prove.
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from callstate.sandbox.slack import SlackRateLimit, channel_id
from tests.vendor_specs import require_specs, validate_exchange

Spec = Callable[[str, str], list[dict[str, Any]]]
AUTH = {"Authorization": "Bearer xoxb-test"}
SALES = channel_id("acme-sales")


def web_client(base_url: str) -> WebClient:
    return WebClient(token="xoxb-test", base_url=f"{base_url}/slack/api/")


@pytest.fixture
def slack(sandbox: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{sandbox}/slack/api", headers=AUTH, timeout=10) as client:
        yield client


def test_channel_ids_are_derived_from_names() -> None:
    # Pinned: fixtures, docs and the demo may spell these ids out.
    assert (channel_id("acme-sales"), channel_id("#general".lstrip("#"))) == (
        "C2G7MEGPGYG",
        "CB7VOC3KVGZ",
    )


def test_official_client_posts_threads_and_reads_history(sandbox: str, on_spec: Spec) -> None:
    client = web_client(sandbox)
    assert client.auth_test()["user_id"].startswith("U")
    channels = client.conversations_list(types="public_channel")["channels"]
    assert {c["name"]: c["id"] for c in channels}["acme-sales"] == SALES

    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Booked* a demo"}}]
    metadata = {"event_type": "call_settled", "event_payload": {"call_id": "call_abc"}}
    parent = client.chat_postMessage(
        channel="#acme-sales", text="Booked a demo", blocks=blocks, metadata=metadata
    )
    assert parent["channel"] == SALES
    assert parent["message"]["blocks"] == blocks
    reply = client.chat_postMessage(channel=SALES, text="Owner notified", thread_ts=parent["ts"])
    assert float(reply["ts"]) > float(parent["ts"])

    history = client.conversations_history(channel=SALES)
    assert [m["ts"] for m in history["messages"]] == [parent["ts"]]  # replies stay in the thread
    assert history["messages"][0]["reply_count"] == 1
    assert "metadata" not in history["messages"][0]
    with_metadata = client.conversations_history(channel=SALES, include_all_metadata=True)
    assert with_metadata["messages"][0]["metadata"] == metadata

    thread = client.conversations_replies(channel=SALES, ts=parent["ts"])
    assert [m["text"] for m in thread["messages"]] == ["Booked a demo", "Owner notified"]
    assert thread["messages"][1]["thread_ts"] == parent["ts"]
    assert client.conversations_info(channel=SALES)["channel"]["name"] == "acme-sales"
    on_spec(sandbox, "slack")


def test_form_encoded_posts_and_strictly_increasing_ts(
    sandbox: str, slack: httpx.Client, on_spec: Spec
) -> None:
    stamps = []
    for n in range(5):
        posted = slack.post(
            "/chat.postMessage",
            data={
                "channel": SALES,
                "text": f"message {n}",
                "blocks": json.dumps([{"type": "divider"}]),
                "unfurl_links": "false",
            },
        ).json()
        assert posted["ok"] is True, posted
        stamps.append(posted["ts"])
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 5
    on_spec(sandbox, "slack")


def test_history_and_list_paginate_with_cursors(sandbox: str, on_spec: Spec) -> None:
    client = web_client(sandbox)
    posted = [client.chat_postMessage(channel=SALES, text=f"m{n}")["ts"] for n in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        page = client.conversations_history(channel=SALES, limit=2, cursor=cursor)
        seen += [m["ts"] for m in page["messages"]]
        if not page["has_more"]:
            break
        cursor = page["response_metadata"]["next_cursor"]
    assert seen == list(reversed(posted))  # newest first, each message once
    window = client.conversations_history(
        channel=SALES, oldest=posted[1], latest=posted[3], inclusive=True
    )
    assert [m["ts"] for m in window["messages"]] == [posted[3], posted[2], posted[1]]

    first = client.conversations_list(limit=1)
    rest = client.conversations_list(limit=1, cursor=first["response_metadata"]["next_cursor"])
    assert first["channels"][0]["id"] != rest["channels"][0]["id"]
    assert rest["response_metadata"]["next_cursor"] == ""
    on_spec(sandbox, "slack")


def test_method_errors_are_http_200(sandbox: str, slack: httpx.Client, on_spec: Spec) -> None:
    with pytest.raises(SlackApiError) as caught:
        web_client(sandbox).chat_postMessage(channel="#nowhere", text="hi")
    assert caught.value.response["error"] == "channel_not_found"
    no_text = slack.post("/chat.postMessage", json={"channel": SALES})
    assert (no_text.status_code, no_text.json()) == (200, {"ok": False, "error": "no_text"})
    bad_blocks = slack.post(
        "/chat.postMessage", json={"channel": SALES, "text": "x", "blocks": [1]}
    )
    assert bad_blocks.json()["error"] == "invalid_blocks"
    unauthenticated = httpx.post(f"{sandbox}/slack/api/auth.test")
    assert unauthenticated.status_code == 200
    assert unauthenticated.json() == {"ok": False, "error": "not_authed"}
    assert slack.get("/conversations.history", params={"channel": "acme-sales"}).json()[
        "error"
    ] == (
        "channel_not_found"  # conversations.* take ids, not names
    )
    on_spec(sandbox, "slack")


def test_per_channel_rate_limit(make_sandbox: Callable[..., str], on_spec: Spec) -> None:
    base = make_sandbox(slack_rate_limit=SlackRateLimit())
    client = web_client(base)
    client.chat_postMessage(channel=SALES, text="first")
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=SALES, text="too soon")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "1"
    assert caught.value.response["error"] == "ratelimited"
    client.chat_postMessage(channel="#general", text="other channels are unaffected")
    history = client.conversations_history(channel=SALES)
    assert [m["text"] for m in history["messages"]] == ["first"]
    on_spec(base, "slack")


def test_programmed_faults(sandbox: str, slack: httpx.Client, on_spec: Spec) -> None:
    control = f"{sandbox}/slack/_sandbox"
    httpx.post(
        f"{control}/faults",
        json={"path": "/api/chat.postMessage", "status": 429, "retry_after": 3},
    ).raise_for_status()
    refused = slack.post("/chat.postMessage", json={"channel": SALES, "text": "x"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "3"
    assert refused.json() == {"ok": False, "error": "ratelimited"}

    httpx.post(
        f"{control}/faults", json={"mode": "commit_then_drop", "path": "/api/chat.postMessage"}
    )
    with pytest.raises(httpx.TransportError):
        slack.post(
            "/chat.postMessage", json={"channel": SALES, "text": "delivered, unacknowledged"}
        )
    history = slack.get("/conversations.history", params={"channel": SALES}).json()
    assert [m["text"] for m in history["messages"]] == ["delivered, unacknowledged"]
    on_spec(sandbox, "slack")

    assert httpx.post(f"{control}/reset").status_code == 200
    after_reset = slack.get("/conversations.history", params={"channel": SALES}).json()
    assert (after_reset["ok"], after_reset["messages"]) == (True, [])  # channels are seeds


def test_the_validator_catches_off_spec_exchanges(sandbox: str) -> None:
    require_specs()
    client = web_client(sandbox)
    client.chat_postMessage(channel=SALES, text="hello")
    client.conversations_list()
    posted, listed = httpx.get(f"{sandbox}/slack/_sandbox/requests").json()
    for exchange in (posted, listed):
        validate_exchange("slack", exchange)

    def rejected(exchange: dict[str, Any], mutate: Callable[[dict[str, Any]], None]) -> str:
        broken = copy.deepcopy(exchange)
        mutate(broken)
        with pytest.raises(AssertionError) as caught:
            validate_exchange("slack", broken)
        return str(caught.value)

    # objs_message forbids unknown members; a real message with app_id needs an override first.
    assert "app_id" in rejected(posted, lambda e: e["response_json"]["message"].update(app_id="A1"))
    assert "$.ts" in rejected(posted, lambda e: e["response_json"].update(ts="12.5"))
    assert "colour" in rejected(posted, lambda e: e["request_json"].update(colour="red"))
    # The repaired objs_conversation union is not vacuous: a channel without a name fails.
    assert "$.channels[0]" in rejected(
        listed, lambda e: e["response_json"]["channels"][0].pop("name")
    )
