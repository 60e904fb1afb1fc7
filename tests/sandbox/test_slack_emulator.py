"""The Slack emulator, driven over loopback HTTP by slack_sdk's WebClient and httpx.

Each test ends by validating every recorded exchange against Slack's (stale, patched) OpenAPI
document; see `tests/vendor_specs.py` for the overrides. `on_documented_spec` does the same for
exchanges the 2020 document cannot describe (methods and hosts that postdate it, members it
lacks): see its docstring. DMs, threads, chat.update and files: test_slack_emulator_dm_files.py.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

# The tests use Slack's official client on purpose: wire compatibility is what they prove.
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from callstate.sandbox.app import mount_vendors
from callstate.sandbox.slack import SlackRateLimit, SlackUser, channel_id, create_slack_app
from tests.vendor_specs import SPECS, require_specs, validate_all, validate_exchange

Spec = Callable[[str, str], list[dict[str, Any]]]
AUTH = {"Authorization": "Bearer xoxb-test"}
SALES = channel_id("acme-sales")
# Not in the 2020 document: the external upload methods postdate it; upload URLs, url_private
# and response_urls live on other Slack hosts (files.slack.com, hooks.slack.com).
UNDOCUMENTED = (  # paths relative to the Slack mount, as recorded
    "/api/files.getUploadURLExternal",
    "/api/files.completeUploadExternal",
    "/upload/v1/",
    "/files-pri/",
    "/actions/",
)


def web_client(base_url: str) -> WebClient:
    return WebClient(token="xoxb-test", base_url=f"{base_url}/slack/api/")


def _without_known_gaps(node: Any, *, in_chat_update: bool = False) -> Any:
    """Drop the members real Slack sends and the 2020 document lacks (overrides proposed to
    tests/vendor_specs.py): a message's `edited` marker, a file's `alt_txt`, and chat.update's
    `message.blocks`, which the document types as an object instead of an array."""
    if isinstance(node, list):
        return [_without_known_gaps(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _without_known_gaps(v) for k, v in node.items()}
    if "ts" in out and "type" in out:
        out.pop("edited", None)
    if str(out.get("id", "")).startswith("F") and "mimetype" in out:
        out.pop("alt_txt", None)
    if in_chat_update and isinstance(out.get("message"), dict):
        out["message"].pop("blocks", None)
    return out


def on_documented_spec(base_url: str) -> list[dict[str, Any]]:
    """Validate every recorded exchange the 2020 document describes, minus the known gaps;
    return all of them (the undocumented ones are asserted on by the tests themselves)."""
    exchanges: list[dict[str, Any]] = httpx.get(f"{base_url}/slack/_sandbox/requests").json()
    assert exchanges, "no slack exchanges were recorded"
    documented = []
    for exchange in exchanges:
        if exchange["path"].startswith(UNDOCUMENTED):
            continue
        patched = copy.deepcopy(exchange)
        if "response_json" in patched:
            patched["response_json"] = _without_known_gaps(
                patched["response_json"], in_chat_update=exchange["path"] == "/api/chat.update"
            )
        documented.append(patched)
    if SPECS.is_dir():
        validate_all("slack", documented)
    return exchanges


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


# -- per-method tiers ------------------------------------------------------------------------


class FakeClock:
    """A settable clock for the emulator (its `ts` values and rate limit buckets)."""

    def __init__(self, now: float = 1_767_225_600.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def slack_only(serve: Callable[[ASGIApp], str], **options: Any) -> str:
    """Serve just the Slack emulator (mounted at /slack) with `create_slack_app` keywords."""
    options.setdefault("seed_channels", ("acme-sales", "general"))
    options.setdefault("seed_users", OWNERS)
    return serve(mount_vendors(None, {"slack": lambda store: create_slack_app(store, **options)}))


OWNERS = (
    SlackUser(email="dana@acme.test", real_name="Dana Owner", tz="America/New_York"),
    SlackUser(email="lee@acme.test", real_name="Lee Reviewer", tz="Europe/Berlin"),
)


def test_method_tiers_answer_429_with_retry_after(serve: Callable[[ASGIApp], str]) -> None:
    clock = FakeClock()
    base = slack_only(serve, rate_limit=SlackRateLimit(method_tiers=True), clock=clock)
    client = web_client(base)
    for _ in range(50):  # Tier 3: a minute's budget of 50 passes as a burst
        client.users_lookupByEmail(email="dana@acme.test")
    with pytest.raises(SlackApiError) as caught:
        client.users_lookupByEmail(email="dana@acme.test")
    assert caught.value.response.status_code == 429
    assert caught.value.response.headers["Retry-After"] == "2"  # 60 s / 50 = 1.2 s → 2
    assert caught.value.response["error"] == "ratelimited"
    client.conversations_history(channel=SALES)  # budgets are per method
    client.chat_getPermalink(
        channel=SALES, message_ts=client.chat_postMessage(channel=SALES, text="x")["ts"]
    )  # special: not tiered
    clock.now += 2
    assert client.users_lookupByEmail(email="dana@acme.test")["ok"] is True

    for _ in range(20):  # Tier 2
        client.users_list()
    with pytest.raises(SlackApiError) as tier2:
        client.users_list()
    assert tier2.value.response.headers["Retry-After"] == "3"
    assert httpx.post(f"{base}/slack/_sandbox/reset").status_code == 200
    assert client.users_list()["ok"] is True  # reset empties the buckets
    on_documented_spec(base)


def test_per_method_budget_overrides(serve: Callable[[ASGIApp], str]) -> None:
    # e.g. the 2025 limits on non-Marketplace commercial apps (research §3.3), without tiers.
    clock = FakeClock()
    limit = SlackRateLimit(per_minute={"conversations.history": 1})
    client = web_client(slack_only(serve, rate_limit=limit, clock=clock))
    client.conversations_history(channel=SALES)
    with pytest.raises(SlackApiError) as caught:
        client.conversations_history(channel=SALES)
    assert caught.value.response.headers["Retry-After"] == "60"
    for _ in range(60):
        client.users_lookupByEmail(email="lee@acme.test")  # tiers stay off
    clock.now += 60
    assert client.conversations_history(channel=SALES)["ok"] is True


def test_no_limits_without_a_rate_limit(serve: Callable[[ASGIApp], str]) -> None:
    client = web_client(slack_only(serve))
    for _ in range(60):
        client.users_lookupByEmail(email="lee@acme.test")
    for n in range(3):
        client.chat_postMessage(channel=SALES, text=f"burst {n}")


# -- interactivity ---------------------------------------------------------------------------

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
REVIEW_BLOCKS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "*Review* call_abc: booked?"}},
    {
        "type": "actions",
        "block_id": "review:call_abc",
        "elements": [
            {
                "type": "button",
                "action_id": "review_approve",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "call_abc",
                "style": "primary",
            },
            {
                "type": "button",
                "action_id": "review_reject",
                "text": {"type": "plain_text", "text": "Reject"},
                "value": "call_abc",
            },
        ],
    },
]


class Receiver:
    """The app's Request URL: verifies Slack's signature like a real handler, keeps payloads."""

    def __init__(self, secret: str) -> None:
        self.verifier = SignatureVerifier(secret)
        self.payloads: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.app = Starlette(routes=[Route("/slack/interactivity", self.handle, methods=["POST"])])

    async def handle(self, request: StarletteRequest) -> PlainTextResponse:
        body = await request.body()
        if not self.verifier.is_valid_request(body, dict(request.headers)):
            return PlainTextResponse("invalid signature", status_code=401)
        form = parse_qs(body.decode())
        self.payloads.append(json.loads(form["payload"][0]))
        self.headers.append(dict(request.headers))
        return PlainTextResponse("")


def test_signed_interactivity_round_trip(serve: Callable[[ASGIApp], str]) -> None:
    receiver = Receiver(SECRET)
    target = serve(receiver.app) + "/slack/interactivity"
    base = slack_only(serve, signing_secret=SECRET, interactivity_url=target)
    client = web_client(base)
    lee = client.users_lookupByEmail(email="lee@acme.test")["user"]["id"]
    posted = client.chat_postMessage(channel=SALES, text="Review call_abc", blocks=REVIEW_BLOCKS)

    click = {"channel": SALES, "ts": posted["ts"], "action_id": "review_approve", "user": lee}
    answer = httpx.post(f"{base}/slack/_sandbox/interact", json=click).json()
    assert answer["status"] == 200
    assert receiver.headers[0]["content-type"] == "application/x-www-form-urlencoded"
    payload = receiver.payloads[0]
    assert payload == answer["payload"]
    assert payload["type"] == "block_actions"
    assert payload["user"] == {
        "id": lee,
        "username": "lee",
        "name": "lee",
        "team_id": "T0SANDBOX01",
    }
    assert payload["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": SALES,
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": SALES, "name": "acme-sales"}
    assert payload["message"]["ts"] == posted["ts"]
    assert payload["message"]["blocks"] == REVIEW_BLOCKS
    assert payload["team"]["id"] == "T0SANDBOX01"
    assert payload["api_app_id"].startswith("A") and payload["token"]
    assert payload["trigger_id"].count(".") == 2
    [action] = payload["actions"]
    assert {k: action[k] for k in ("action_id", "block_id", "value", "type", "style")} == {
        "action_id": "review_approve",
        "block_id": "review:call_abc",
        "value": "call_abc",
        "type": "button",
        "style": "primary",
    }
    assert action["text"]["text"] == "Approve"

    # What the product does next: update the message with who did what.
    done = client.chat_update(
        channel=SALES, ts=posted["ts"], text=f"Approved by <@{lee}>", blocks=[]
    )
    assert "blocks" not in done["message"]
    # ...or through the response_url (30 minutes, 5 uses).
    response_url = payload["response_url"]
    assert response_url.startswith(f"{base}/slack/actions/")
    replaced = httpx.post(response_url, json={"replace_original": True, "text": "Approved ✔"})
    assert (replaced.status_code, replaced.json()) == (200, {"ok": True})
    history = client.conversations_history(channel=SALES)["messages"]
    assert [m["text"] for m in history] == ["Approved ✔"]
    in_channel = {"response_type": "in_channel", "text": "Lee approved", "thread_ts": posted["ts"]}
    assert httpx.post(response_url, json=in_channel).status_code == 200
    for _ in range(3):
        assert httpx.post(response_url, json={"text": "only you can see this"}).status_code == 200
    expired = httpx.post(response_url, json={"text": "sixth use"})
    assert (expired.status_code, expired.json()["error"]) == (404, "expired_url")
    replies = client.conversations_replies(channel=SALES, ts=posted["ts"])["messages"]
    assert [m["text"] for m in replies] == ["Approved ✔", "Lee approved"]
    on_documented_spec(base)


def test_interactivity_is_configurable_and_signed_with_the_emulator_clock(
    serve: Callable[[ASGIApp], str],
) -> None:
    receiver = Receiver(SECRET)
    target = serve(receiver.app) + "/slack/interactivity"
    clock = FakeClock(time.time() - 600)  # ten minutes behind: outside the 5-minute window
    base = slack_only(serve, clock=clock)
    client = web_client(base)
    posted = client.chat_postMessage(channel=SALES, text="Review", blocks=REVIEW_BLOCKS)
    lee = client.users_lookupByEmail(email="lee@acme.test")["user"]["id"]
    click = {"channel": SALES, "ts": posted["ts"], "action_id": "review_reject", "user": lee}
    control = f"{base}/slack/_sandbox"

    unconfigured = httpx.post(f"{control}/interact", json=click)
    assert unconfigured.status_code == 409
    settings = {"request_url": target, "signing_secret": "not-the-secret"}
    assert httpx.post(f"{control}/interactivity", json=settings).status_code == 200
    assert httpx.get(f"{control}/interactivity").json() == {
        "request_url": target,
        "signing_secret_set": True,
    }
    assert httpx.post(f"{control}/interact", json=click).json()["status"] == 401  # bad secret
    settings["signing_secret"] = SECRET
    httpx.post(f"{control}/interactivity", json=settings).raise_for_status()
    assert httpx.post(f"{control}/interact", json=click).json()["status"] == 401  # stale ts
    clock.now = time.time()
    assert httpx.post(f"{control}/interact", json=click).json()["status"] == 200
    assert receiver.payloads[0]["actions"][0]["action_id"] == "review_reject"

    missing = httpx.post(f"{control}/interact", json={**click, "action_id": "nope"})
    assert missing.status_code == 404
    stranger = httpx.post(f"{control}/interact", json={**click, "user": "U0NOBODY00"})
    assert (stranger.status_code, stranger.json()) == (404, {"error": "user_not_found"})
    assert httpx.post(f"{control}/interact", json={"channel": SALES}).status_code == 422


def test_a_method_outside_the_token_scopes_is_missing_scope(sandbox: str) -> None:
    """Slack's answer (HTTP 200, `needed`, `provided`) and its `X-OAuth-Scopes` header; a reset
    grants every scope callstate documents again."""
    client = web_client(sandbox)
    granted = client.auth_test().headers
    assert "users:read.email" in granted["x-oauth-scopes"].split(",")
    scopes = {"scopes": ["chat:write", "channels:read"]}
    httpx.post(f"{sandbox}/slack/_sandbox/scopes", json=scopes).raise_for_status()
    with pytest.raises(SlackApiError) as refused:
        client.users_lookupByEmail(email="sam@acme.test")
    assert refused.value.response.status_code == 200
    assert refused.value.response.data == {
        "ok": False,
        "error": "missing_scope",
        "needed": "users:read.email",
        "provided": "channels:read,chat:write",
    }
    assert refused.value.response.headers["x-accepted-oauth-scopes"] == "users:read.email"
    with pytest.raises(SlackApiError) as history:
        client.conversations_history(channel=SALES)
    assert history.value.response["needed"] == "channels:history"
    assert client.chat_postMessage(channel=SALES, text="still allowed")["ok"]
    assert client.auth_test().headers["x-oauth-scopes"] == "channels:read,chat:write"
    httpx.post(f"{sandbox}/slack/_sandbox/reset").raise_for_status()
    with pytest.raises(SlackApiError) as unknown:  # allowed again; nobody has the email here
        client.users_lookupByEmail(email="sam@acme.test")
    assert unknown.value.response["error"] == "users_not_found"
    assert "im:write" in httpx.get(f"{sandbox}/slack/_sandbox/scopes").json()["scopes"]
    malformed = httpx.post(f"{sandbox}/slack/_sandbox/scopes", json={"scopes": "chat:write"})
    assert malformed.status_code == 422
