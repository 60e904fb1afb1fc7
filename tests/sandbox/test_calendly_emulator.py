"""The Calendly emulator over loopback HTTP: auth, users and event types, available times,
the Scheduling API, scheduled events, cancellation, rate limits, webhooks, reset.

Exchanges are validated against `vendor-specs/calendly/openapi.yaml` by `calendly_on_spec`
(tests/connectors/calendly/conftest.py), which skips `POST /invitees` explicitly: the document
(April 2023) predates the Scheduling API.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp

from callstate.sandbox.app import mount_vendors
from callstate.sandbox.calendly import (
    ANA,
    BEN,
    SANDBOX_EVENT_TYPES,
    SANDBOX_ORGANIZATION,
    CalendlyRateLimit,
    WeeklyHours,
    create_calendly_app,
)
from callstate.sandbox.calendly.webhooks import sign
from callstate.sandbox.store import Store
from tests.connectors.calendly.conftest import Clock, calendly_on_spec

ANA_TYPE = SANDBOX_EVENT_TYPES[0].uri
API = "https://api.calendly.com"
TRACKING = dict.fromkeys(
    ("utm_campaign", "utm_source", "utm_medium", "utm_content", "utm_term", "salesforce_uuid")
)


@dataclass
class Emulator:
    base: str
    clock: Clock
    deliveries: list[tuple[str, bytes, dict[str, str]]]

    def client(self, token: str | None = ANA.token) -> httpx.Client:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return httpx.Client(base_url=self.base, headers=headers, timeout=10)


@pytest.fixture
def make_emulator(serve: Callable[[ASGIApp], str]) -> Callable[..., Emulator]:
    def make(**options: Any) -> Emulator:
        clock = Clock()
        deliveries: list[tuple[str, bytes, dict[str, str]]] = []

        def factory(store: Store) -> Any:
            return create_calendly_app(
                store,
                clock=clock.time,
                deliver=lambda url, body, headers: deliveries.append((url, body, headers)),
                **options,
            )

        root = serve(mount_vendors(None, {"calendly": factory}))
        return Emulator(f"{root}/calendly", clock, deliveries)

    return make


@pytest.fixture
def emulator(make_emulator: Callable[..., Emulator]) -> Emulator:
    return make_emulator()


def booking(start: str, email: str = "carla@example.com", **extra: Any) -> dict[str, Any]:
    return {
        "event_type": ANA_TYPE,
        "start_time": start,
        "invitee": {"name": "Carla Diaz", "email": email, "timezone": "America/Chicago"},
        "tracking": {**TRACKING, "utm_content": f"key-{email}-{start}"},
        **extra,
    }


def times(api: httpx.Client, start: str, end: str) -> httpx.Response:
    return api.get(
        "/event_type_available_times",
        params={"event_type": ANA_TYPE, "start_time": start, "end_time": end},
    )


# -- auth, users, event types -------------------------------------------------------------------


def test_requests_need_a_known_token(emulator: Emulator) -> None:
    with emulator.client(None) as anonymous, emulator.client("wrong") as wrong:
        for api in (anonymous, wrong):
            answer = api.get("/users/me")
            assert answer.status_code == 401
            assert answer.json() == {
                "title": "Unauthenticated",
                "message": "The access token is invalid",
            }


def test_users_and_event_types_are_named_by_absolute_uris(emulator: Emulator) -> None:
    with emulator.client() as ana, emulator.client(BEN.token) as ben:
        me = ana.get("/users/me")
        assert me.status_code == 200
        assert me.json()["resource"]["uri"] == ANA.uri == f"{API}/users/{ANA.uuid}"
        assert me.json()["resource"]["current_organization"] == SANDBOX_ORGANIZATION.uri
        assert ana.get(f"/users/{BEN.uuid}").json()["resource"]["email"] == BEN.email
        org = ana.get("/event_types", params={"organization": SANDBOX_ORGANIZATION.uri}).json()
        assert [e["uri"] for e in org["collection"]] == [e.uri for e in SANDBOX_EVENT_TYPES]
        assert {e["profile"]["owner"] for e in org["collection"]} == {ANA.uri, BEN.uri}
        own = ben.get("/event_types", params={"user": BEN.uri}).json()["collection"]
        assert [e["uri"] for e in own] == [SANDBOX_EVENT_TYPES[1].uri]
        assert own[0]["duration"] == 30 and own[0]["pooling_type"] is None
        refused = ben.get("/event_types", params={"organization": SANDBOX_ORGANIZATION.uri})
        assert (refused.status_code, refused.json()["message"]) == (
            403,
            "You do not have permission",
        )
        assert ana.get("/event_types").status_code == 400  # user or organization is required
        one = ana.get(f"/event_types/{SANDBOX_EVENT_TYPES[0].uuid}").json()["resource"]
        assert one["scheduling_url"] == "https://calendly.com/ana/intro-call"
        assert ana.get("/event_types/nope").status_code == 404
    calendly_on_spec(emulator.base)


# -- available times ----------------------------------------------------------------------------


def test_available_times_follow_the_hosts_zone_across_dst(emulator: Emulator) -> None:
    with emulator.client() as api:
        answer = times(api, "2026-10-30T00:00:00Z", "2026-11-03T00:00:00Z")
    starts = [t["start_time"] for t in answer.json()["collection"]]
    assert starts[0] == "2026-10-30T13:00:00.000000Z"  # 09:00 EDT
    assert starts[16] == "2026-11-02T14:00:00.000000Z"  # 09:00 EST, after 2026-11-01
    assert len(starts) == 32
    first = answer.json()["collection"][0]
    assert first["status"] == "available" and first["invitees_remaining"] == 1
    assert first["scheduling_url"].startswith("https://calendly.com/ana/intro-call/2026-10-30T13")
    calendly_on_spec(emulator.base)


@pytest.mark.parametrize(
    ("start", "end", "parameter"),
    [
        pytest.param("2026-10-27T00:00:00Z", "2026-10-29T00:00:00Z", "start_time", id="past"),
        pytest.param("2026-10-29T00:00:00Z", "2026-11-05T00:00:01Z", "end_time", id="over-7d"),
        pytest.param("2026-10-30T00:00:00Z", "2026-10-29T00:00:00Z", "end_time", id="reversed"),
        pytest.param("2026-10-30T00:00:00", "2026-10-31T00:00:00Z", "start_time", id="naive"),
        pytest.param("tomorrow", "2026-10-31T00:00:00Z", "start_time", id="not-a-time"),
    ],
)
def test_available_times_refuse_bad_ranges(
    emulator: Emulator, start: str, end: str, parameter: str
) -> None:
    with emulator.client() as api:
        answer = times(api, start, end)
    assert answer.status_code == 400
    assert answer.json()["title"] == "Invalid Argument"
    assert answer.json()["details"][0]["parameter"] == parameter
    calendly_on_spec(emulator.base)  # POST /invitees only: skipped as documented-missing
    calendly_on_spec(emulator.base)


def test_the_window_limit_is_configurable(make_emulator: Callable[..., Emulator]) -> None:
    emulator = make_emulator(max_window_days=31)
    with emulator.client() as api:
        answer = times(api, "2026-10-29T00:00:00Z", "2026-11-28T00:00:00Z")
    assert (
        answer.status_code == 200 and len(answer.json()["collection"]) == 22 * 16
    )  # weekdays Oct 29..Nov 27
    calendly_on_spec(emulator.base)


def test_weekly_hours_parse_and_refuse_nonsense() -> None:
    hours = WeeklyHours.parse("Tue-Thu 08:30-12:00")
    assert (hours.days, hours.start, hours.end) == (frozenset({2, 3, 4}), time(8, 30), time(12))
    assert WeeklyHours.parse("sat 10:00-11:00").days == frozenset({6})
    for bad in ("Mon-Fri", "Fri-Mon 09:00-17:00", "Mon 17:00-09:00", "Xyz 09:00-10:00"):
        with pytest.raises(ValueError, match="weekly hours"):
            WeeklyHours.parse(bad)


# -- the Scheduling API ---------------------------------------------------------------------------


def test_a_booking_takes_its_slot_once_even_under_a_race(emulator: Emulator) -> None:
    start = "2026-11-03T15:00:00Z"
    answers: list[int] = []
    barrier = threading.Barrier(6)

    def attempt(n: int) -> None:
        with emulator.client() as api:
            barrier.wait()
            answers.append(
                api.post("/invitees", json=booking(start, f"p{n}@example.com")).status_code
            )

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answers) == [201, 400, 400, 400, 400, 400]
    with emulator.client() as api:
        free = times(api, "2026-11-03T00:00:00Z", "2026-11-04T00:00:00Z").json()["collection"]
        assert "2026-11-03T15:00:00.000000Z" not in {t["start_time"] for t in free}
        events = api.get("/scheduled_events", params={"user": ANA.uri}).json()["collection"]
    assert len(events) == 1
    assert events[0]["event_memberships"][0]["user_email"] == ANA.email
    calendly_on_spec(emulator.base)


@pytest.mark.parametrize(
    ("start", "code"),
    [
        pytest.param("2026-11-02T12:00:00Z", "unavailable", id="before-hours"),
        pytest.param("2026-11-02T14:10:00Z", "unavailable", id="off-the-grid"),
        pytest.param("2026-11-01T15:00:00Z", "unavailable", id="sunday"),
        pytest.param("2026-10-27T14:00:00Z", "past", id="past"),
    ],
)
def test_a_start_that_is_not_free_is_refused(emulator: Emulator, start: str, code: str) -> None:
    with emulator.client() as api:
        answer = api.post("/invitees", json=booking(start))
    assert answer.status_code == 400
    assert answer.json()["details"] == [
        {"parameter": "start_time", "message": answer.json()["details"][0]["message"], "code": code}
    ]
    calendly_on_spec(emulator.base)  # POST /invitees only: skipped as documented-missing


@pytest.mark.parametrize(
    ("change", "parameter"),
    [
        pytest.param({"tracking": {"utm_content": "k"}}, "tracking.utm_campaign", id="tracking"),
        pytest.param(
            {"tracking": {**TRACKING, "utm_content": "k" * 256}},
            "tracking.utm_content",
            id="too-long",
        ),
        pytest.param(
            {"invitee": {"name": "C", "email": "c@example.com", "timezone": "Mars/Base"}},
            "invitee.timezone",
            id="zone",
        ),
        pytest.param(
            {"invitee": {"email": "c@example.com", "timezone": "UTC"}}, "invitee.name", id="name"
        ),
        pytest.param({"location": {"kind": "physical"}}, "location.kind", id="location"),
        pytest.param({"event_guests": [f"g{n}@x.example" for n in range(11)]}, "event_guests"),
        pytest.param({"surprise": 1}, "surprise", id="unknown-member"),
    ],
)
def test_a_malformed_booking_is_an_invalid_argument(
    emulator: Emulator, change: dict[str, Any], parameter: str
) -> None:
    with emulator.client() as api:
        answer = api.post("/invitees", json={**booking("2026-11-02T15:00:00Z"), **change})
    assert answer.status_code == 400
    assert answer.json()["details"][0]["parameter"] == parameter
    calendly_on_spec(emulator.base)  # POST /invitees only: skipped as documented-missing


def test_a_plan_without_the_scheduling_api_is_refused(
    make_emulator: Callable[..., Emulator],
) -> None:
    emulator = make_emulator(scheduling_api=False)
    with emulator.client() as api:
        answer = api.post("/invitees", json=booking("2026-11-02T15:00:00Z"))
    assert (answer.status_code, answer.json()["title"]) == (403, "Permission Denied")
    calendly_on_spec(emulator.base)  # POST /invitees only: skipped as documented-missing


# -- scheduled events --------------------------------------------------------------------------


def test_scheduled_events_filter_and_page(emulator: Emulator) -> None:
    with emulator.client() as api, emulator.client(BEN.token) as ben:
        for start, email in (
            ("2026-11-02T15:00:00Z", "a@example.com"),
            ("2026-11-03T15:00:00Z", "b@example.com"),
            ("2026-11-04T15:00:00Z", "a@example.com"),
        ):
            assert api.post("/invitees", json=booking(start, email)).status_code == 201
        org = {"organization": SANDBOX_ORGANIZATION.uri}
        mine = api.get("/scheduled_events", params={**org, "invitee_email": "A@example.com"})
        assert [e["start_time"][:10] for e in mine.json()["collection"]] == [
            "2026-11-02",
            "2026-11-04",
        ]
        window = {
            "min_start_time": "2026-11-03T15:00:00Z",
            "max_start_time": "2026-11-04T15:00:00Z",
        }
        only = api.get("/scheduled_events", params={**org, **window}).json()["collection"]
        assert [e["start_time"][:10] for e in only] == ["2026-11-03"]  # min in, max out
        first = api.get("/scheduled_events", params={**org, "count": "2"}).json()
        assert len(first["collection"]) == 2
        token = first["pagination"]["next_page_token"]
        assert first["pagination"]["next_page"].startswith(f"{API}/scheduled_events?")
        rest = api.get("/scheduled_events", params={**org, "count": "2", "page_token": token})
        assert len(rest.json()["collection"]) == 1
        assert rest.json()["pagination"]["next_page_token"] is None
        desc = api.get("/scheduled_events", params={**org, "sort": "start_time:desc"}).json()
        assert desc["collection"][0]["start_time"][:10] == "2026-11-04"
        assert ben.get("/scheduled_events", params={"user": BEN.uri}).json()["collection"] == []
        for refused in (
            ben.get("/scheduled_events", params=org),
            ben.get("/scheduled_events", params={"user": ANA.uri}),
        ):
            assert refused.status_code == 403
        event = mine.json()["collection"][0]["uri"].removeprefix(API)
        assert ben.get(event).status_code == 403
        invitees = api.get(f"{event}/invitees").json()["collection"]
        assert invitees[0]["tracking"]["utm_content"] == "key-a@example.com-2026-11-02T15:00:00Z"
        assert invitees[0]["uri"].startswith(f"{API}{event}/invitees/")
        assert api.get("/scheduled_events", params={**org, "status": "gone"}).status_code == 400
    calendly_on_spec(emulator.base)


def test_cancellation_and_its_repeat(emulator: Emulator) -> None:
    with emulator.client() as api, emulator.client(BEN.token) as ben:
        created = api.post("/invitees", json=booking("2026-11-02T15:00:00Z")).json()["resource"]
        event = created["event"].removeprefix(API)
        stranger = ben.post(f"{event}/cancellation", json={"reason": "no"})
        assert stranger.json()["message"] == "You are not allowed to cancel this event"
        done = api.post(f"{event}/cancellation", json={"reason": "caller asked"})
        assert done.status_code == 201
        assert done.json()["resource"] == {
            "canceled_by": ANA.name,
            "reason": "caller asked",
            "canceler_type": "host",
            "created_at": "2026-10-28T12:00:00.000000Z",
        }
        again = api.post(f"{event}/cancellation", json={"reason": "caller asked"})
        assert (again.status_code, again.json()["message"]) == (403, "Event is already canceled")
        resource = api.get(event).json()["resource"]
        assert resource["status"] == "canceled" and resource["cancellation"]["reason"]
        person = api.get(f"{event}/invitees").json()["collection"][0]
        assert (person["status"], person["canceled"]) == ("canceled", True)
        canceled = api.get(
            "/scheduled_events", params={"user": ANA.uri, "status": "canceled"}
        ).json()["collection"]
        assert [e["uri"] for e in canceled] == [created["event"]]
        later = api.post("/invitees", json=booking("2026-11-02T16:00:00Z")).json()["resource"]
        emulator.clock.at = datetime(2026, 11, 2, 17, tzinfo=UTC)
        past = api.post(f"{later['event'].removeprefix(API)}/cancellation", json={})
        assert (past.status_code, past.json()["message"]) == (403, "Event in the past")
    calendly_on_spec(emulator.base)


# -- rate limits, webhooks, reset ---------------------------------------------------------------


def test_rate_limit_headers_and_the_429(make_emulator: Callable[..., Emulator]) -> None:
    emulator = make_emulator(rate_limit=CalendlyRateLimit(per_minute=3))
    emulator.clock.at = datetime(2026, 10, 28, 12, 0, 50, tzinfo=UTC)
    with emulator.client() as api:
        answers = [api.get("/users/me") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"3"}
    assert answers[3].headers["x-ratelimit-reset"] == "10"
    assert answers[3].json()["title"] == "Too Many Requests"
    assert "retry-after" not in answers[3].headers  # Calendly documents X-RateLimit-* only
    emulator.clock.at = datetime(2026, 10, 28, 12, 1, 0, tzinfo=UTC)
    with emulator.client() as api:
        assert api.get("/users/me").status_code == 200
    calendly_on_spec(emulator.base)


def test_webhook_subscriptions_and_signed_deliveries(emulator: Emulator) -> None:
    hook = {
        "url": "http://127.0.0.1:9/hooks/calendly",
        "events": ["invitee.created", "invitee.canceled"],
        "organization": SANDBOX_ORGANIZATION.uri,
        "scope": "user",
        "user": BEN.uri,
        "signing_key": "ben-secret",
    }
    with emulator.client() as api, emulator.client(BEN.token) as ben:
        created = ben.post("/webhook_subscriptions", json=hook)
        assert created.status_code == 201
        resource = created.json()["resource"]
        assert (resource["scope"], resource["user"], resource["state"]) == (
            "user",
            BEN.uri,
            "active",
        )
        assert "signing_key" not in resource
        duplicate = ben.post("/webhook_subscriptions", json=hook)
        assert (duplicate.status_code, duplicate.json()["message"]) == (
            409,
            "Hook with this url already exists",
        )
        listed = ben.get(
            "/webhook_subscriptions",
            params={"organization": SANDBOX_ORGANIZATION.uri, "scope": "user", "user": BEN.uri},
        ).json()["collection"]
        assert [s["uri"] for s in listed] == [resource["uri"]]
        assert api.post("/invitees", json=booking("2026-11-02T15:00:00Z")).status_code == 201
        assert emulator.deliveries == []  # Ana's booking is not in Ben's scope
        bens = {**booking("2026-11-02T15:00:00Z"), "event_type": SANDBOX_EVENT_TYPES[1].uri}
        assert ben.post("/invitees", json=bens).status_code == 201
        url, body, headers = emulator.deliveries[0]
        assert url == hook["url"]
        assert headers["Calendly-Webhook-Signature"] == sign(
            "ben-secret", int(emulator.clock.time()), body
        )
        path = resource["uri"].removeprefix(API)
        assert ben.get(path).status_code == 200
        assert ben.delete(path).status_code == 204
        assert ben.delete(path).status_code == 404
    calendly_on_spec(emulator.base)


def test_reset_wipes_bookings_and_faults_answer_in_calendlys_shape(emulator: Emulator) -> None:
    with emulator.client() as api:
        assert api.post("/invitees", json=booking("2026-11-02T15:00:00Z")).status_code == 201
        httpx.post(f"{emulator.base}/_sandbox/reset").raise_for_status()
        assert api.get("/scheduled_events", params={"user": ANA.uri}).json()["collection"] == []
        assert api.post("/invitees", json=booking("2026-11-02T15:00:00Z")).status_code == 201
        httpx.post(
            f"{emulator.base}/_sandbox/faults", json={"path": "/users/me", "status": 500}
        ).raise_for_status()
        failed = api.get("/users/me")
    assert (failed.status_code, failed.json()["title"]) == (500, "Internal Server Error")
    checked = calendly_on_spec(emulator.base)
    assert {why for _, why in checked.skipped} == {
        "documented-missing operation: Scheduling API postdates the April 2023 document",
        "programmed fault: the sandbox's answer, not Calendly's",
    }
