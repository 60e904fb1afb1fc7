"""Every refused signature is counted for the signature-failure alert, per sender; counting is
best effort (a database error leaves the answer a 401, never a 500)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from callstate.connectors.retell.signature import sign
from callstate.execution.services import Services
from callstate.storage.signature_failures import SignatureSource
from callstate.web.app import create_app
from tests.web.conftest import API_KEY, body_of, make_services, now_ms


def refusals(services: Services, workspace: str = "acme") -> dict[SignatureSource, int]:
    now = datetime.now(UTC)
    return services.signature_failures.totals(
        workspace, now - timedelta(minutes=5), now + timedelta(minutes=1)
    )


def test_retell_refusals_are_counted_on_every_signed_route(
    client: TestClient, services: Services
) -> None:
    body = body_of("call_analyzed")
    forged = {"x-retell-signature": sign(body, "not-the-key", now_ms())}
    for route in ("/webhooks/retell/acme", "/tools/retell/acme", "/webhooks/retell/acme/inbound"):
        assert client.post(route, content=body, headers=forged).status_code == 401, route
    assert client.post("/webhooks/retell/acme", content=body).status_code == 401  # no header
    assert refusals(services) == {SignatureSource.RETELL: 4}
    good = {"x-retell-signature": sign(body, API_KEY, now_ms())}
    assert client.post("/webhooks/retell/acme", content=body, headers=good).status_code == 204
    assert refusals(services) == {SignatureSource.RETELL: 4}  # only refusals count


def test_unknown_workspaces_count_nowhere(client: TestClient, services: Services) -> None:
    body = body_of("call_analyzed")
    forged = {"x-retell-signature": sign(body, "not-the-key", now_ms())}
    assert client.post("/webhooks/retell/nobody", content=body, headers=forged).status_code == 404
    assert refusals(services, "nobody") == {}


def test_calendar_refusals_are_counted_per_vendor(client: TestClient, services: Services) -> None:
    body = b'{"triggerEvent":"BOOKING_CREATED","payload":{}}'
    calcom = client.post(
        "/webhooks/calcom/acme", content=body, headers={"x-cal-signature-256": "00" * 32}
    )
    assert calcom.status_code == 401
    calendly = client.post(
        "/webhooks/calendly/summit",
        content=body,
        headers={"calendly-webhook-signature": f"t={now_ms() // 1000},v1={'00' * 32}"},
    )
    assert calendly.status_code == 401
    assert refusals(services) == {SignatureSource.CALCOM: 1}
    assert refusals(services, "summit") == {SignatureSource.CALENDLY: 1}


def test_a_database_error_while_counting_leaves_a_401(backend: str) -> None:
    url = (
        "sqlite:////nonexistent-dir/callstate.sqlite"
        if backend == "sqlite"
        else "postgresql+psycopg://root@127.0.0.1:1/nothing"
    )
    engine = create_engine(url)
    services = make_services(engine)
    try:
        with TestClient(create_app(services)) as client:
            body = body_of("call_analyzed")
            forged = {"x-retell-signature": sign(body, "not-the-key", now_ms())}
            response = client.post("/webhooks/retell/acme", content=body, headers=forged)
            assert response.status_code == 401
            cal = client.post(
                "/webhooks/calcom/acme", content=body, headers={"x-cal-signature-256": "0"}
            )
            assert cal.status_code == 401
    finally:
        engine.dispose()
