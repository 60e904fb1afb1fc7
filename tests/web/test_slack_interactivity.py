"""`POST /slack/interactivity/{workspace}`: verify, parse, record once, answer 200 at once."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from callstate.connectors.slack.signature import sign
from callstate.domain.review import ActionStatus, ReviewAction, ReviewReason
from callstate.execution.services import Services
from callstate.storage.review import NewItem, ReviewItem

SECRET = "sandbox-acme-slack-signing-secret"  # examples/acme.yaml's, filled in sandbox mode
URL = "/slack/interactivity/acme"


def open_item(services: Services) -> ReviewItem:
    return services.reviews.open(
        NewItem(
            key="acme:retell:call_web:flag_for_review",
            workspace="acme",
            runtime="retell",
            external_call_id="call_web",
            audience="inbound-qualifier",
            caller="Dana Whitfield",
            caller_phone="+14155550142",
            outcome="connected",
            reasons=(ReviewReason(code="phrase", text="The caller said “stop calling”."),),
        ),
        now=services.clock(),
    )


def click(item: str, action_id: str = "review:approve", **extra: Any) -> bytes:
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": f"review:{item}",
        "type": "button",
        "value": item,
        "action_ts": "1764000000.000001",
        **extra,
    }
    payload = {
        "type": "block_actions",
        "user": {"id": "U0SAM", "username": "sam", "name": "sam", "team_id": "T0"},
        "container": {"type": "message", "message_ts": "1.2", "channel_id": "C0"},
        "response_url": "https://hooks.slack.test/actions/x",
        "actions": [action],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def headers(body: bytes, *, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if at is None else at
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": str(stamp),
        "x-slack-signature": sign(body, secret, stamp),
    }


def post(client: TestClient, body: bytes, head: dict[str, str], url: str = URL) -> Any:
    return client.post(url, content=body, headers=head)


def test_no_secret_or_unknown_workspace_is_404(client: TestClient, services: Services) -> None:
    summit = services.workspaces["summit"]
    unsigned = summit.chat.model_copy(update={"signing_secret": None})
    services.workspaces["summit"] = summit.model_copy(update={"chat": unsigned})
    body = click("rv_x")
    assert post(client, body, headers(body), "/slack/interactivity/summit").status_code == 404
    assert post(client, body, headers(body), "/slack/interactivity/nobody").status_code == 404


def test_missing_headers_are_400(client: TestClient) -> None:
    body = click("rv_x")
    signed = headers(body)
    for missing in ("x-slack-request-timestamp", "x-slack-signature"):
        partial = {k: v for k, v in signed.items() if k != missing}
        assert post(client, body, partial).status_code == 400


def test_forged_and_stale_requests_are_401_and_record_nothing(
    client: TestClient, services: Services
) -> None:
    item = open_item(services)
    body = click(item.id)
    assert post(client, body, headers(body, secret="not-the-secret")).status_code == 401
    tampered = click(item.id, "review:dnc")
    assert post(client, tampered, headers(body)).status_code == 401
    stale = headers(body, at=int(time.time()) - 6 * 60)
    assert post(client, body, stale).status_code == 401
    future = headers(body, at=int(time.time()) + 6 * 60)
    assert post(client, body, future).status_code == 401
    garbled = {**headers(body), "x-slack-signature": "v1=abc"}
    assert post(client, body, garbled).status_code == 401
    assert services.reviews.actions_of(item.id) == []


def test_malformed_payloads_are_400(client: TestClient) -> None:
    for body in (b"payload=%7Bnot-json", b"nothing=here", b"\xff\xfe", b"payload=%5B%5D"):
        answer = post(client, body, headers(body))
        assert answer.status_code == 400, body
        assert answer.json()["detail"]


def test_a_valid_click_is_one_action_however_often_it_arrives(
    client: TestClient, services: Services
) -> None:
    item = open_item(services)
    body = click(item.id)
    for _ in range(2):
        answer = post(client, body, headers(body))
        assert answer.status_code == 200
    [action] = services.reviews.actions_of(item.id)
    assert action.action is ReviewAction.APPROVE
    assert (action.actor_id, action.actor_name) == ("U0SAM", "sam")
    assert action.status is ActionStatus.PENDING
    assert services.reviews.undispatched(10) == [action.id]


def test_reassign_reads_the_chosen_member_and_ignores_strangers(
    client: TestClient, services: Services
) -> None:
    item = open_item(services)
    chosen = {"type": "static_select", "value": None}
    for email in ("jo.chen@acme-roofing.test", "mallory@evil.test"):
        body = click(item.id, "review:reassign", **chosen, selected_option={"value": email})
        assert post(client, body, headers(body)).status_code == 200
    [action] = services.reviews.actions_of(item.id)
    assert (action.action, action.value) == (ReviewAction.REASSIGN, "jo.chen@acme-roofing.test")


def test_unknown_actions_and_items_are_200_and_ignored(
    client: TestClient, services: Services
) -> None:
    item = open_item(services)
    for body in (
        click(item.id, "someone_elses_button"),
        click(item.id, "review:explode"),
        click("rv_not_an_item"),
        urlencode({"payload": json.dumps({"type": "view_submission", "user": {"id": "U1"}})}),
    ):
        raw = body.encode() if isinstance(body, str) else body
        assert post(client, raw, headers(raw)).status_code == 200
    assert services.reviews.actions_of(item.id) == []


def test_an_oversized_body_is_413(client: TestClient) -> None:
    body = b"payload=" + b"x" * 200_000
    assert post(client, body, headers(body)).status_code == 413
