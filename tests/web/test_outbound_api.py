"""The outbound API over a real database: who may use it, what it accepts, and that a repeated
request schedules one call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from callstate.domain.ids import attempt_id, lead_key
from callstate.execution.services import Services
from callstate.storage.outbound import OutboundCalls
from callstate.web.outbound import outbound_router

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
TOKEN = "s3cret-api-token"
CALLS = "/api/workspaces/acme/calls"
OUTBOUND = "outbound-reactivation"


class Api:
    def __init__(self, services: Services, *, api_token: str | None, sandbox: bool) -> None:
        self.scheduled = 0
        app = FastAPI()
        app.include_router(
            outbound_router(
                services, api_token=api_token, sandbox=sandbox, on_scheduled=self._count
            )
        )
        self.client = TestClient(app)

    def _count(self) -> None:
        self.scheduled += 1


@pytest.fixture
def make_api(services: Services) -> Callable[..., Api]:
    services.clock = lambda: T0

    def make(*, api_token: str | None = None, sandbox: bool = True) -> Api:
        return Api(services, api_token=api_token, sandbox=sandbox)

    return make


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


def post(api: Api, body: dict[str, Any], **headers: str) -> Any:
    return api.client.post(CALLS, json=body, headers=headers)


def test_a_call_is_scheduled_for_the_outbound_audience_now(api: Api) -> None:
    answer = post(api, {"to_number": "(415) 555-0142", "variables": {"caller_name": "Dana"}})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["audience"], body["to_number"], body["attempt"]) == (
        OUTBOUND,
        "+14155550142",
        1,
    )
    assert (body["status"], body["due_at"]) == ("scheduled", T0.isoformat())
    assert body["id"] == attempt_id(body["lead"], 1)
    assert api.scheduled == 1
    fetched = api.client.get(f"{CALLS}/{body['id']}")
    assert fetched.status_code == 200
    assert fetched.json() == body
    listed = api.client.get(CALLS, params={"limit": 5})
    assert [row["id"] for row in listed.json()] == [body["id"]]


def test_the_same_idempotency_key_answers_the_same_attempt(api: Api) -> None:
    body = {"to_number": "+14155550142"}
    first = post(api, body, **{"Idempotency-Key": "crm-lead-77"})
    again = post(api, body, **{"Idempotency-Key": "crm-lead-77"})
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == first.json()
    assert first.json()["lead"] == lead_key("acme", OUTBOUND, "+14155550142", "crm-lead-77")
    assert api.scheduled == 1
    assert len(api.client.get(CALLS).json()) == 1


def test_without_a_key_each_request_is_a_new_series(api: Api) -> None:
    first = post(api, {"to_number": "+14155550142"})
    second = post(api, {"to_number": "+14155550142"})
    assert (first.status_code, second.status_code) == (202, 202)
    assert first.json()["lead"] != second.json()["lead"]
    assert api.scheduled == 2


def test_at_sets_the_due_time_and_a_past_one_means_now(api: Api) -> None:
    future = post(api, {"to_number": "+14155550142", "at": "2026-11-25T09:30:00-05:00"})
    assert future.json()["due_at"] == "2026-11-25T14:30:00+00:00"
    past = post(api, {"to_number": "+14155550143", "at": "2026-01-01T00:00:00Z"})
    assert past.json()["due_at"] == T0.isoformat()


def test_a_named_audience_is_used(api: Api) -> None:
    answer = post(api, {"to_number": "+14155550142", "audience": "inbound-qualifier"})
    assert answer.status_code == 202
    assert answer.json()["audience"] == "inbound-qualifier"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"to_number": "not a phone"}, "not a phone number: 'not a phone'"),
        ({"to_number": "+1415"}, "not a possible phone number: '+1415'"),
        (
            {"to_number": "+14155550142", "at": "2026-11-25T09:30:00"},
            "`at` needs a UTC offset, e.g. 2026-05-01T15:00:00+02:00 or ...Z",
        ),
        (
            {"to_number": "+14155550142", "at": "tomorrow"},
            "`at` is not an ISO 8601 date-time: 'tomorrow'",
        ),
        (
            {"to_number": "+14155550142", "audience": "nobody"},
            "workspace acme has no audience 'nobody'",
        ),
        (
            {"to_number": "+14155550142", "audience": "after-hours"},
            "audience 'after-hours' cannot call out: it has no outbound agent and no number",
        ),
        (
            {"to_number": "+14155550142", "variables": {"first name": "Dana"}},
            "variable names must be letters, digits and _: ['first name']",
        ),
    ],
)
def test_requests_that_cannot_be_called_are_refused(
    api: Api, body: dict[str, Any], detail: str
) -> None:
    answer = post(api, body)
    assert answer.status_code == 422
    assert answer.json()["detail"] == detail
    assert api.scheduled == 0
    assert api.client.get(CALLS).json() == []


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"to_number": "+14155550142", "variables": {"caller_name": 3}},
        {"to_number": "+14155550142", "from_number": "+14155550101"},
    ],
)
def test_malformed_bodies_name_the_field(api: Api, body: dict[str, Any]) -> None:
    answer = post(api, body)
    assert answer.status_code == 422
    assert answer.json()["detail"] == "invalid request body"
    assert answer.json()["errors"]


def test_a_body_that_is_not_json_is_refused(api: Api) -> None:
    answer = api.client.post(CALLS, content=b"to_number=1", headers={"content-type": "text/plain"})
    assert answer.status_code == 422


def test_an_overlong_idempotency_key_is_refused(api: Api) -> None:
    answer = post(api, {"to_number": "+14155550142"}, **{"Idempotency-Key": "k" * 201})
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.json()["detail"]


def test_a_workspace_without_an_outbound_audience_must_name_one(
    services: Services, api: Api
) -> None:
    acme = services.workspaces["acme"]
    inbound_only = tuple(a for a in acme.audiences if a.id != OUTBOUND)
    services.workspaces["acme"] = acme.model_copy(update={"audiences": inbound_only})
    answer = post(api, {"to_number": "+14155550142"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == (
        "workspace acme has no outbound audience: name one in `audience`"
    )


def test_unknown_workspaces_and_attempts_are_404(services: Services, api: Api) -> None:
    unknown = api.client.post("/api/workspaces/nobody/calls", json={"to_number": "+14155550142"})
    assert unknown.status_code == 404
    assert api.client.get("/api/workspaces/nobody/calls").status_code == 404
    body = post(api, {"to_number": "+14155550142"}).json()
    assert api.client.get(f"/api/workspaces/summit/calls/{body['id']}").status_code == 404
    assert api.client.get(f"{CALLS}/lead_nobody:1").status_code == 404


def test_a_token_is_required_when_one_is_set(make_api: Callable[..., Api]) -> None:
    api = make_api(api_token=TOKEN, sandbox=True)
    body = {"to_number": "+14155550142"}
    missing = post(api, body)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert post(api, body, Authorization="Bearer wrong").status_code == 401
    assert post(api, body, Authorization=f"Basic {TOKEN}").status_code == 401
    assert api.client.get(CALLS).status_code == 401
    assert api.client.get(f"{CALLS}/lead_x:1").status_code == 401
    assert api.scheduled == 0
    allowed = post(api, body, Authorization=f"Bearer {TOKEN}")
    assert allowed.status_code == 202
    listed = api.client.get(CALLS, headers={"Authorization": f"Bearer {TOKEN}"})
    assert [row["id"] for row in listed.json()] == [allowed.json()["id"]]


def test_without_a_token_the_api_is_off_outside_the_sandbox(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(api_token=None, sandbox=False)
    answer = post(api, {"to_number": "+14155550142"})
    assert answer.status_code == 403
    assert answer.json()["detail"] == "set CALLSTATE_API_TOKEN to enable the outbound API"
    assert api.client.get(CALLS).status_code == 403
    assert api.scheduled == 0


def test_a_future_call_is_not_due_yet(services: Services, api: Api) -> None:
    body = post(api, {"to_number": "+14155550142", "at": "2026-11-24T18:00:00+00:00"}).json()
    calls = OutboundCalls(services.engine)
    assert calls.due(T0, 10) == []
    assert calls.due(T0 + timedelta(hours=3), 10) == [body["id"]]
