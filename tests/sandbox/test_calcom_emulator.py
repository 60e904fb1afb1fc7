"""The Cal.com emulator over loopback HTTP: slots (zones, DST, notice, bookings), bookings
(shape, refusals, races), list filters, cancel, reschedule, event types, auth, versions and
rate limits. Every exchange is validated against the vendor document with `on_spec`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from callstate.sandbox.calcom import CalcomRateLimit, EventTypeSeed, HostSeed, WorkingHours
from tests.connectors.calcom.conftest import (
    CalSandbox,
    Clock,
    calcom,
    make_calcom,
    on_spec,
    serve,
)

__all__ = ["calcom", "make_calcom", "on_spec", "serve"]

OnSpec = Callable[[str, str], list[dict[str, Any]]]
BOOKINGS, SLOTS, EVENT_TYPES = "2024-08-13", "2024-09-04", "2024-06-14"
ATTENDEE = {"name": "Casey Caller", "email": "casey@example.com", "timeZone": "America/Denver"}


def slots(sandbox: CalSandbox, **params: Any) -> dict[str, list[dict[str, str]]]:
    with sandbox.api(SLOTS, api_key=None) as client:
        response = client.get("/v2/slots", params=params)
    assert response.status_code == 200, response.text
    data: dict[str, list[dict[str, str]]] = response.json()["data"]
    return data


def book(sandbox: CalSandbox, start: str, event_type: int = 1001, **extra: Any) -> httpx.Response:
    body = {"start": start, "eventTypeId": event_type, "attendee": ATTENDEE, **extra}
    with sandbox.api(BOOKINGS) as client:
        return client.post("/v2/bookings", json=body)


def starts(data: dict[str, list[dict[str, str]]], day: str) -> list[str]:
    return [item["start"] for item in data.get(day, [])]


def test_slots_follow_the_hosts_zone_across_the_dst_change(
    calcom: CalSandbox, on_spec: OnSpec
) -> None:
    data = slots(calcom, eventTypeId=1001, start="2026-10-30", end="2026-11-02")
    # 09:00-17:00 New York: EDT (UTC-4) on Friday, EST (UTC-5) on Monday; no weekend slots.
    assert sorted(data) == ["2026-10-30", "2026-11-02"]
    assert starts(data, "2026-10-30")[0] == "2026-10-30T13:00:00.000+00:00"
    assert starts(data, "2026-10-30")[-1] == "2026-10-30T20:30:00.000+00:00"
    assert starts(data, "2026-11-02")[0] == "2026-11-02T14:00:00.000+00:00"
    assert starts(data, "2026-11-02")[-1] == "2026-11-02T21:30:00.000+00:00"
    assert all(len(items) == 16 for items in data.values())
    local = slots(
        calcom, eventTypeId=1001, start="2026-10-30", end="2026-11-02", timeZone="America/New_York"
    )
    assert starts(local, "2026-10-30")[0] == "2026-10-30T09:00:00.000-04:00"
    assert starts(local, "2026-11-02")[0] == "2026-11-02T09:00:00.000-05:00"
    on_spec(calcom.root, "calcom")


def test_slots_on_the_day_of_the_change_itself(
    make_calcom: Callable[..., CalSandbox], on_spec: OnSpec
) -> None:
    host = HostSeed(
        id=7, username="sun", name="Sunny", email="sun@acme.example", time_zone="America/New_York"
    )
    weekend = EventTypeSeed(
        id=77,
        slug="weekend",
        title="Weekend",
        host=host,
        length_minutes=60,
        hours=(WorkingHours(days=(6, 7), start="01:00", end="04:00"),),
    )
    sandbox = make_calcom(event_types=(weekend,))
    data = slots(sandbox, eventTypeId=77, start="2026-10-31", end="2026-11-01", format="range")
    # Saturday 01:00 EDT = 05:00Z. Sunday 2026-11-01: 01:00 happens twice; zoneinfo's first
    # reading (fold=0, EDT) is 05:00Z, and 04:00 EST is 09:00Z, so four one-hour slots fit.
    assert starts(data, "2026-10-31") == [f"2026-10-31T0{h}:00:00.000+00:00" for h in (5, 6, 7)]
    assert starts(data, "2026-11-01") == [f"2026-11-01T0{h}:00:00.000+00:00" for h in (5, 6, 7, 8)]
    assert data["2026-11-01"][-1]["end"] == "2026-11-01T09:00:00.000+00:00"
    on_spec(sandbox.root, "calcom")


def test_slots_honour_notice_bookings_and_the_hosts_own_zone(
    calcom: CalSandbox, on_spec: OnSpec
) -> None:
    today = slots(calcom, eventTypeId=1001, start="2026-10-26", end="2026-10-26")
    # Now is 08:00 in New York and the notice 120 minutes: the first slot is 10:00 (14:00Z).
    assert starts(today, "2026-10-26")[0] == "2026-10-26T14:00:00.000+00:00"
    assert book(calcom, "2026-10-27T15:00:00Z").status_code == 201
    tuesday = starts(
        slots(calcom, eventTypeId=1001, start="2026-10-27", end="2026-10-27"), "2026-10-27"
    )
    assert "2026-10-27T15:00:00.000+00:00" not in tuesday
    assert "2026-10-27T15:30:00.000+00:00" in tuesday
    chicago = slots(calcom, eventTypeId=1002, start="2026-10-27", end="2026-10-27")
    assert starts(chicago, "2026-10-27")[0] == "2026-10-27T14:00:00.000+00:00"  # 09:00 CDT
    assert "2026-10-27T15:00:00.000+00:00" in starts(chicago, "2026-10-27")  # Ben is free
    on_spec(calcom.root, "calcom")


def test_a_booking_keeps_metadata_and_the_attendees_zone(
    calcom: CalSandbox, on_spec: OnSpec
) -> None:
    response = book(calcom, "2026-10-28T18:00:00Z", metadata={"callstate_key": "call-1:book"})
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["metadata"] == {"callstate_key": "call-1:book"}
    assert data["attendees"][0]["timeZone"] == "America/Denver"
    assert data["hosts"][0]["email"] == "ana@acme.example"
    assert (data["start"], data["end"], data["status"]) == (
        "2026-10-28T18:00:00.000Z",
        "2026-10-28T18:30:00.000Z",
        "accepted",
    )
    with calcom.api(BOOKINGS) as client:
        again = client.get(f"/v2/bookings/{data['uid']}").json()["data"]
    assert again == data
    on_spec(calcom.root, "calcom")


@pytest.mark.parametrize(
    ("start", "status", "message"),
    [
        ("2026-10-26T10:00:00Z", 400, "Attempting to book a meeting in the past."),
        ("2026-10-26T13:00:00Z", 400, "minimum booking notice"),
        ("2026-10-27T03:00:00Z", 400, "already has booking at this time or is not available"),
        ("2026-10-31T15:00:00Z", 400, "already has booking at this time or is not available"),
    ],
)
def test_a_start_outside_availability_is_refused_in_calcoms_envelope(
    calcom: CalSandbox, on_spec: OnSpec, start: str, status: int, message: str
) -> None:
    response = book(calcom, start)
    assert response.status_code == status
    body = response.json()
    assert body["status"] == "error"
    assert body["error"]["code"] == "BadRequestException"
    assert message in body["error"]["message"]
    assert calcom.bookings() == []
    on_spec(calcom.root, "calcom")


def test_a_taken_slot_and_an_unknown_event_type(calcom: CalSandbox, on_spec: OnSpec) -> None:
    assert book(calcom, "2026-10-27T14:00:00Z").status_code == 201
    taken = book(calcom, "2026-10-27T14:00:00Z")
    assert taken.status_code == 400
    assert "already has booking" in taken.json()["error"]["message"]
    overlapping = book(calcom, "2026-10-27T14:15:00Z")  # off the grid, inside the booking
    assert overlapping.status_code == 400
    missing = book(calcom, "2026-10-27T14:00:00Z", event_type=9999)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NotFoundException"
    on_spec(calcom.root, "calcom")


def test_racing_bookings_of_one_slot_make_exactly_one(calcom: CalSandbox, on_spec: OnSpec) -> None:
    results: list[int] = []
    barrier = threading.Barrier(8)

    def race() -> None:
        barrier.wait()
        results.append(book(calcom, "2026-10-29T16:00:00Z").status_code)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results).count(201) == 1
    assert set(results) - {201} <= {400, 409}  # 409 booking_conflict_error when truly racing
    assert len(calcom.bookings()) == 1
    on_spec(calcom.root, "calcom")


def test_list_filters_the_connector_uses(calcom: CalSandbox, on_spec: OnSpec) -> None:
    first = book(calcom, "2026-10-27T14:00:00Z", metadata={"callstate_key": "a"}).json()["data"]
    other = {"name": "Other", "email": "other@example.com", "timeZone": "UTC"}
    book(calcom, "2026-10-27T15:00:00Z", attendee=other)
    book(calcom, "2026-10-28T15:00:00Z", event_type=1002)
    with calcom.api(BOOKINGS) as client:

        def uids(**params: Any) -> list[str]:
            response = client.get("/v2/bookings", params=params)
            assert response.status_code == 200, response.text
            return [b["uid"] for b in response.json()["data"]]

        assert uids(attendeeEmail="CASEY@example.com", eventTypeId=1001) == [first["uid"]]
        assert len(uids(afterStart="2026-10-27T00:00:00Z", beforeEnd="2026-10-27T23:59:59Z")) == 2
        assert len(uids(afterStart="2026-10-28T00:00:00Z")) == 1
        assert len(uids(status="upcoming")) == 3
        assert uids(status="cancelled") == []
        page = client.get("/v2/bookings", params={"take": 2}).json()["pagination"]
        assert (page["totalItems"], page["returnedItems"], page["hasNextPage"]) == (3, 2, True)
        client.post(f"/v2/bookings/{first['uid']}/cancel", json={"cancellationReason": "x"})
        assert uids(status="cancelled") == [first["uid"]]
    on_spec(calcom.root, "calcom")


def test_cancel_frees_the_slot_and_a_repeat_is_refused(calcom: CalSandbox, on_spec: OnSpec) -> None:
    uid = book(calcom, "2026-10-27T14:00:00Z").json()["data"]["uid"]
    with calcom.api(BOOKINGS) as client:
        first = client.post(f"/v2/bookings/{uid}/cancel", json={"cancellationReason": "caller"})
        assert first.status_code == 200
        assert first.json()["data"]["status"] == "cancelled"
        assert first.json()["data"]["cancellationReason"] == "caller"
        repeat = client.post(f"/v2/bookings/{uid}/cancel", json={})
        assert repeat.status_code == 400
        assert "already" in repeat.json()["error"]["message"]
        missing = client.post("/v2/bookings/nope/cancel", json={})
        assert missing.status_code == 404
    assert book(calcom, "2026-10-27T14:00:00Z").status_code == 201
    on_spec(calcom.root, "calcom")


def test_reschedule_moves_the_booking(calcom: CalSandbox, on_spec: OnSpec) -> None:
    old = book(calcom, "2026-10-27T14:00:00Z", metadata={"callstate_key": "k"}).json()["data"]
    with calcom.api(BOOKINGS) as client:
        response = client.post(
            f"/v2/bookings/{old['uid']}/reschedule",
            json={"start": "2026-10-27T14:30:00Z", "reschedulingReason": "later"},
        )
        assert response.status_code == 201, response.text
        new = response.json()["data"]
        assert new["rescheduledFromUid"] == old["uid"]
        assert new["metadata"] == {"callstate_key": "k"}
        before = client.get(f"/v2/bookings/{old['uid']}").json()["data"]
    assert (before["status"], before["rescheduledToUid"]) == ("cancelled", new["uid"])
    assert book(calcom, "2026-10-27T14:00:00Z").status_code == 201  # the old slot is free
    on_spec(calcom.root, "calcom")


def test_event_types_show_their_ids(calcom: CalSandbox, on_spec: OnSpec) -> None:
    with calcom.api(EVENT_TYPES) as client:
        data = client.get("/v2/event-types").json()["data"]
        only_ben = client.get("/v2/event-types", params={"username": "ben"}).json()["data"]
    assert [(e["id"], e["slug"], e["lengthInMinutes"]) for e in data] == [
        (1001, "intro-ana", 30),
        (1002, "intro-ben", 30),
    ]
    assert [e["id"] for e in only_ben] == [1002]
    on_spec(calcom.root, "calcom")


def test_keys_and_versions_are_checked(calcom: CalSandbox, on_spec: OnSpec) -> None:
    with calcom.api(BOOKINGS, api_key="cal_wrong") as client:
        wrong = client.get("/v2/bookings")
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "UnauthorizedException"
    with calcom.api(BOOKINGS, api_key=None) as client:
        assert client.get("/v2/bookings").status_code == 401
    with calcom.api("2024-04-15") as client:
        old = client.get("/v2/bookings")
    assert old.status_code == 400
    assert "cal-api-version" in old.json()["error"]["message"]
    on_spec(calcom.root, "calcom")


def test_rate_limit_headers_always_and_429_when_enabled(
    make_calcom: Callable[..., CalSandbox], on_spec: OnSpec
) -> None:
    clock = Clock()
    sandbox = make_calcom(rate_limit=CalcomRateLimit(limit=3), clock=clock)
    with sandbox.api(BOOKINGS) as client:
        answers = [client.get("/v2/bookings") for _ in range(4)]
        assert [r.status_code for r in answers] == [200, 200, 200, 429]
        assert [r.headers["x-ratelimit-remaining-default"] for r in answers] == ["2", "1", "0", "0"]
        limited = answers[-1]
        assert limited.headers["x-ratelimit-limit-default"] == "3"
        assert limited.headers["x-ratelimit-reset-default"] == "60"
        assert "retry-after" not in limited.headers
        assert limited.json()["error"]["message"] == (
            "CustomThrottlerGuard - Too many requests. Please try again later."
        )
        clock.now += timedelta(seconds=61)
        assert client.get("/v2/bookings").status_code == 200
    on_spec(sandbox.root, "calcom")


def test_rate_limit_is_off_by_default(calcom: CalSandbox, on_spec: OnSpec) -> None:
    with calcom.api(EVENT_TYPES) as client:
        answers = [client.get("/v2/event-types") for _ in range(125)]
    assert {r.status_code for r in answers} == {200}
    assert answers[-1].headers["x-ratelimit-remaining-default"] == "0"
    on_spec(calcom.root, "calcom")


def test_reset_wipes_bookings(calcom: CalSandbox, on_spec: OnSpec) -> None:
    assert book(calcom, "2026-10-27T14:00:00Z").status_code == 201
    httpx.post(f"{calcom.root}/_sandbox/reset").raise_for_status()
    assert calcom.bookings() == []
    assert book(calcom, "2026-10-27T14:00:00Z").status_code == 201
    on_spec(calcom.root, "calcom")


def test_now_is_the_clock(calcom: CalSandbox) -> None:
    assert datetime.fromtimestamp(calcom.clock(), UTC) == datetime(2026, 10, 26, 12, tzinfo=UTC)
