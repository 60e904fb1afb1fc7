"""Ingress: verify, parse, record once, answer; refuse everything else and store nothing."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from callstate.connectors.retell.signature import sign
from callstate.execution.services import Services
from callstate.web.app import create_app
from tests.web.conftest import API_KEY, body_of, make_services, now_ms

URL = "/webhooks/retell/acme"


def post(client: TestClient, body: bytes, header: str | None) -> int:
    headers = {"content-type": "application/json"}
    if header is not None:
        headers["x-retell-signature"] = header
    return client.post(URL, content=body, headers=headers).status_code


def test_signed_event_is_recorded_once(client: TestClient, services: Services) -> None:
    body = body_of("call_analyzed")
    assert post(client, body, sign(body, API_KEY, now_ms())) == 204
    assert post(client, body, sign(body, API_KEY, now_ms())) == 204
    assert services.inbox.count() == 1


def test_every_lifecycle_event_is_recorded(client: TestClient, services: Services) -> None:
    for name in ("call_started", "call_ended", "call_analyzed"):
        body = body_of(name)
        assert post(client, body, sign(body, API_KEY, now_ms())) == 204
    assert services.inbox.count() == 3


@pytest.mark.parametrize(
    ("case", "make_header", "tamper"),
    [
        ("wrong key", lambda b: sign(b, "not-the-key", now_ms()), False),
        ("tampered body", lambda b: sign(b, API_KEY, now_ms()), True),
        ("stale -6 min", lambda b: sign(b, API_KEY, now_ms() - 360_000), False),
        ("future +6 min", lambda b: sign(b, API_KEY, now_ms() + 360_000), False),
        ("missing header", lambda b: None, False),
        ("garbled header", lambda b: "v=1,d=nothex", False),
    ],
)
def test_bad_signatures_are_401_and_store_nothing(
    client: TestClient, services: Services, case: str, make_header: object, tamper: bool
) -> None:
    body = body_of("call_analyzed")
    header = make_header(body)  # type: ignore[operator]
    sent = body.replace(b"Wants a quote", b"Wants a refund") if tamper else body
    assert post(client, sent, header) == 401, case
    assert services.inbox.count() == 0


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda e: e.pop("call"), "call"),
        (lambda e: e["call"].pop("call_id"), "call.call_id"),
        (lambda e: e["call"].update(duration_ms="long"), "call.duration_ms"),
        (lambda e: e["call"].update(call_id=""), "call.call_id"),
    ],
)
def test_malformed_payload_after_good_signature_is_400_with_field(
    client: TestClient, services: Services, mutate: object, field: str
) -> None:
    event = json.loads(body_of("call_analyzed"))
    mutate(event)  # type: ignore[operator]
    body = json.dumps(event).encode()
    response = client.post(
        URL, content=body, headers={"x-retell-signature": sign(body, API_KEY, now_ms())}
    )
    assert response.status_code == 400
    assert response.json()["field"] == field
    assert services.inbox.count() == 0


def test_not_json_is_400(client: TestClient, services: Services) -> None:
    body = b"this is not json"
    response = client.post(
        URL, content=body, headers={"x-retell-signature": sign(body, API_KEY, now_ms())}
    )
    assert response.status_code == 400
    assert services.inbox.count() == 0


def test_unknown_disconnection_reason_is_accepted(client: TestClient, services: Services) -> None:
    body = body_of("call_analyzed", disconnection_reason="brand_new_reason_2027")
    assert post(client, body, sign(body, API_KEY, now_ms())) == 204
    assert services.inbox.count() == 1


def test_unhandled_event_is_acknowledged_and_not_stored(
    client: TestClient, services: Services
) -> None:
    event = json.loads(body_of("call_ended"))
    event["event"] = "transcript_updated"
    body = json.dumps(event).encode()
    assert post(client, body, sign(body, API_KEY, now_ms())) == 204
    assert services.inbox.count() == 0


def test_unknown_workspace_is_404(client: TestClient, services: Services) -> None:
    body = body_of("call_analyzed")
    response = client.post(
        "/webhooks/retell/nobody",
        content=body,
        headers={"x-retell-signature": sign(body, API_KEY, now_ms())},
    )
    assert response.status_code == 404
    assert services.inbox.count() == 0


def test_storage_down_is_503_so_retell_retries(backend: str) -> None:
    url = (
        "sqlite:////nonexistent-dir/callstate.sqlite"
        if backend == "sqlite"
        else "postgresql+psycopg://root@127.0.0.1:1/nothing"
    )
    services = make_services(create_engine(url))
    with TestClient(create_app(services)) as client:
        body = body_of("call_analyzed")
        response = client.post(
            URL, content=body, headers={"x-retell-signature": sign(body, API_KEY, now_ms())}
        )
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        assert client.get("/healthz").status_code == 503


def test_oversized_body_is_413(client: TestClient, services: Services) -> None:
    body = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    assert post(client, body, sign(body, API_KEY, now_ms())) == 413
    assert services.inbox.count() == 0
