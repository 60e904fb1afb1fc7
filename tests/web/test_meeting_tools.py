"""The in-call tools over HTTP, signed as Retell signs them, against the Cal.com and Calendly
emulators (served on loopback, requests validated against the vendors' documents).

The bundled workspaces: `acme` books on Cal.com (Sam weight 2, Jo weight 1), `summit` on
Calendly. The emulators and the service share one clock, set to a Monday morning.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from starlette.types import ASGIApp

from callstate.cli.seeds import sandbox_seeds
from callstate.config.load import load_workspaces
from callstate.connectors.registry import build_connectors
from callstate.connectors.retell.signature import sign
from callstate.domain.ids import pool_key
from callstate.execution.services import Services
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.calcom import create_calcom_app
from callstate.sandbox.calendly import create_calendly_app
from callstate.sandbox.gohighlevel import create_gohighlevel_app
from callstate.sandbox.hubspot import create_hubspot_app
from callstate.storage.meetings import MeetingStatus
from callstate.web.app import create_app
from tests.sandbox.conftest import serve

__all__ = ["serve"]

ACME_KEY = "sandbox-retell-api-key"
SUMMIT_KEY = "sandbox-summit-retell-api-key"
CALLER = "+12125550142"  # New York


def _monday_after(now: datetime) -> datetime:
    days = (7 - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=14, minute=0, second=0, microsecond=0)


# A Monday 09:00 in New York, in the future of the machine's clock: Calendly's client never asks
# for the past, and every weekday below has working hours.
NOW = _monday_after(datetime.now(UTC))


@dataclass
class Env:
    client: TestClient
    services: Services
    root: str

    def tool(
        self,
        name: str,
        args: dict[str, Any],
        *,
        call_id: str = "call_tool_1",
        workspace: str = "acme",
        caller: str = CALLER,
        agent_id: str = "agent_acme_inbound",
        key: str | None = None,
        signature: str | None = None,
    ) -> httpx.Response:
        body = json.dumps(
            {
                "name": name,
                "call": {
                    "call_id": call_id,
                    "agent_id": agent_id,
                    "call_status": "ongoing",
                    "direction": "inbound",
                    "from_number": caller,
                    "to_number": "+14155550100",
                },
                "args": args,
            }
        ).encode()
        secret = key or (ACME_KEY if workspace == "acme" else SUMMIT_KEY)
        header = signature or sign(body, secret, int(self.services.clock().timestamp() * 1000))
        return self.client.post(
            f"/tools/retell/{workspace}",
            content=body,
            headers={"x-retell-signature": header, "content-type": "application/json"},
        )

    def calcom_bookings(self) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self.root}/calcom/v2/bookings",
            headers={
                "authorization": "Bearer sandbox-acme-calcom-api-key",
                "cal-api-version": "2024-08-13",
            },
            params={"status": "upcoming", "take": 100},
        )
        response.raise_for_status()
        return list(response.json()["data"])

    def calcom_slot_requests(self) -> list[dict[str, list[str]]]:
        """The query of every `GET /v2/slots` the emulator answered, oldest first."""
        response = httpx.get(f"{self.root}/calcom/_sandbox/requests")
        response.raise_for_status()
        return [e["query"] for e in response.json() if e["path"] == "/v2/slots"]

    def fault(self, vendor: str, **spec: Any) -> None:
        httpx.post(f"{self.root}/{vendor}/_sandbox/faults", json=spec).raise_for_status()


@pytest.fixture
def env(engine: Engine, serve: Callable[[ASGIApp], str]) -> Iterator[Env]:
    workspaces = load_workspaces(None, {}, sandbox=True)
    seeds = sandbox_seeds(workspaces)
    clock_seconds = NOW.timestamp

    vendors = {
        "calcom": lambda store: create_calcom_app(
            store,
            event_types=seeds["calcom_event_types"],
            api_keys=seeds["calcom_api_keys"],
            clock=clock_seconds,
        ),
        "calendly": lambda store: create_calendly_app(
            store,
            users=seeds["calendly_users"],
            event_types=seeds["calendly_event_types"],
            clock=clock_seconds,
        ),
        "hubspot": lambda store: create_hubspot_app(
            store,
            seed_properties=seeds["hubspot_properties"],
            seed_owners=seeds["hubspot_owners"],
        ),
        "gohighlevel": lambda store: create_gohighlevel_app(
            store, locations=seeds["gohighlevel_locations"]
        ),
    }
    root = serve(mount_vendors(None, vendors))
    urls = {name: f"{root}/{name}" for name in vendors}
    connectors = {w.id: build_connectors(w, urls) for w in workspaces.values()}
    services = Services(
        engine=engine, workspaces=workspaces, connectors=connectors, clock=lambda: NOW
    )
    with TestClient(create_app(services)) as client:
        yield Env(client, services, root)
    services.close()


def test_check_availability_speaks_real_slots_in_the_callers_zone(env: Env) -> None:
    answer = env.tool("check_availability", {"when": "tomorrow afternoon"}).json()

    assert answer["available"] is True
    assert answer["timezone"] == "America/New_York"
    assert len(answer["slots"]) == 3
    tuesday = (NOW + timedelta(days=1)).date().isoformat()
    for slot in answer["slots"]:
        start = datetime.fromisoformat(slot["start"])
        assert start.date().isoformat() == tuesday
        assert 12 <= start.hour < 17  # afternoon, New York wall clock
        assert slot["spoken"].startswith("Tuesday")
        assert "Eastern" in slot["spoken"]
    assert answer["message"].endswith("Which works best?")


def test_book_meeting_books_once_and_a_retried_tool_call_returns_the_same_booking(
    env: Env,
) -> None:
    offered = env.tool("check_availability", {"when": "tomorrow afternoon"}).json()
    start = offered["slots"][0]["start"]
    args = {"start": start, "name": "Dana Whitfield", "email": "dana@example.com"}

    first = env.tool("book_meeting", args).json()
    again = env.tool("book_meeting", args).json()

    assert first["booked"] is True
    assert again == first
    bookings = env.calcom_bookings()
    assert len(bookings) == 1
    assert bookings[0]["metadata"]["callstate_key"].startswith("acme:retell:call_tool_1:meeting:")
    meetings = env.services.meetings.for_call("acme", "retell", "call_tool_1")
    assert [m.status for m in meetings] == [MeetingStatus.BOOKED]
    assert env.services.owner_counters.assigned("acme", pool_key("inbound-qualifier")) == {
        meetings[0].owner_email: 1
    }


def test_the_same_tool_call_delivered_twice_at_once_makes_one_booking(env: Env) -> None:
    offered = env.tool("check_availability", {"when": "tomorrow morning"}).json()
    args = {"start": offered["slots"][0]["start"], "name": "Dana", "email": "dana@example.com"}
    answers: list[dict[str, Any]] = []

    def book() -> None:
        answers.append(env.tool("book_meeting", args).json())

    threads = [threading.Thread(target=book) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [a["booked"] for a in answers] == [True] * 4
    assert len({a["start"] for a in answers}) == 1
    assert len(env.calcom_bookings()) == 1


def test_two_calls_racing_for_the_last_free_host_get_one_booking_and_alternatives(
    env: Env,
) -> None:
    offered = env.tool("check_availability", {"when": "wednesday at 10am"}).json()
    start = offered["slots"][0]["start"]
    # Jo's 10:00 is taken by someone else first: only Sam can take it, and only once.
    taken = env.tool("book_meeting", {"start": start, "name": "A"}, call_id="call_a").json()
    assert taken["booked"] is True
    answers: list[dict[str, Any]] = []

    def book(call_id: str) -> None:
        args = {"start": start, "name": call_id}
        answers.append(env.tool("book_meeting", args, call_id=call_id).json())

    threads = [threading.Thread(target=book, args=(f"call_{n}",)) for n in ("b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [a for a in answers if a["booked"]]
    losers = [a for a in answers if not a["booked"]]
    assert len(winners) == 1
    assert len(losers) == 1
    assert losers[0]["reason"] == "slot_unavailable"
    assert len(losers[0]["alternatives"]) == 3
    assert all(alt["start"] != start for alt in losers[0]["alternatives"])
    starts = [b["start"] for b in env.calcom_bookings()]
    assert len(starts) == 2  # the two hosts' 10:00, never a third
    hosts = {
        m.owner_email
        for c in ("call_a", "call_b", "call_c")
        for m in env.services.meetings.for_call("acme", "retell", c)
    }
    assert hosts == {"sam.rivera@acme-roofing.test", "jo.chen@acme-roofing.test"}


def test_a_refused_times_alternatives_start_from_the_recheck_answer(env: Env) -> None:
    """Nobody works Saturdays: each host is re-checked over the day from the asked time, and the
    alternatives search reuses the first host's answer instead of asking Cal.com again."""
    saturday = NOW + timedelta(days=5)  # NOW is a Monday 09:00 in New York
    before = len(env.calcom_slot_requests())

    answer = env.tool("book_meeting", {"start": saturday.isoformat()}).json()

    assert answer["reason"] == "slot_unavailable" and len(answer["alternatives"]) == 3
    asked = env.calcom_slot_requests()[before:]
    wire = "%Y-%m-%dT%H:%M:%S.000Z"
    day, week = saturday + timedelta(days=1), saturday + timedelta(days=7)
    assert [(q["eventTypeId"][0], q["start"][0], q["end"][0]) for q in asked] == [
        ("1001", f"{saturday:{wire}}", f"{day:{wire}}"),  # Sam's re-check: his whole day
        ("1002", f"{saturday:{wire}}", f"{day:{wire}}"),  # Jo's
        ("1001", f"{day:{wire}}", f"{week:{wire}}"),  # the search: Sam's day again goes unasked
    ]
    assert env.calcom_bookings() == []


def test_round_robin_follows_the_weights(env: Env) -> None:
    day = NOW + timedelta(days=2)
    for n in range(6):
        start = day.replace(hour=15 + n // 2, minute=30 * (n % 2))
        answer = env.tool(
            "book_meeting", {"start": start.isoformat(), "name": f"Lead {n}"}, call_id=f"rr_{n}"
        ).json()
        assert answer["booked"] is True, answer
    counts = env.services.owner_counters.assigned("acme", pool_key("inbound-qualifier"))
    assert counts == {"sam.rivera@acme-roofing.test": 4, "jo.chen@acme-roofing.test": 2}


def test_a_past_or_unclear_time_gets_words_and_alternatives_never_a_500(env: Env) -> None:
    past = env.tool("book_meeting", {"start": (NOW - timedelta(hours=1)).isoformat()})
    unclear = env.tool("book_meeting", {"start": "whenever"})
    nonsense = env.tool("check_availability", {"when": "the 45th of Smarch"})

    assert past.status_code == unclear.status_code == nonsense.status_code == 200
    assert past.json()["reason"] == "slot_unavailable"
    assert "passed" in past.json()["message"]
    assert unclear.json()["reason"] == "unclear_time"
    assert nonsense.json()["available"] is False
    assert env.calcom_bookings() == []


def test_calendar_down_is_said_in_words_and_books_nothing(env: Env) -> None:
    env.fault("calcom", status=503, times=None)

    answer = env.tool("check_availability", {"when": "tomorrow"}).json()
    booking = env.tool("book_meeting", {"start": (NOW + timedelta(days=1, hours=2)).isoformat()})

    assert answer["reason"] == "calendar_unavailable"
    assert "call you back" in answer["message"]
    assert booking.json()["reason"] == "calendar_unavailable"


def test_our_database_failing_mid_tool_is_said_in_words_and_a_retry_books_once(env: Env) -> None:
    """The meetings table out of reach (a restart, a failover): the caller hears words, not a
    failed tool, the calendar holds nothing, and the tool call retried afterwards books once."""
    start = (NOW + timedelta(days=1, hours=3)).isoformat()
    with env.services.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE meetings RENAME TO meetings_away")

    down = env.tool("book_meeting", {"start": start, "name": "Dana"})

    assert down.status_code == 200 and down.json()["reason"] == "service_unavailable"
    assert "call you back" in down.json()["message"]
    assert env.calcom_bookings() == []
    with env.services.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE meetings_away RENAME TO meetings")
    assert env.tool("book_meeting", {"start": start, "name": "Dana"}).json()["booked"] is True
    assert env.tool("book_meeting", {"start": start, "name": "Dana"}).json()["booked"] is True
    assert len(env.calcom_bookings()) == 1


def test_a_lost_answer_is_looked_up_before_booking_again(env: Env) -> None:
    start = (NOW + timedelta(days=1, hours=3)).isoformat()
    env.fault("calcom", mode="commit_then_drop", method="POST", path="/v2/bookings")

    answer = env.tool("book_meeting", {"start": start, "name": "Dana"}).json()

    assert answer["booked"] is True
    assert len(env.calcom_bookings()) == 1


def test_forged_or_stale_signatures_are_refused_and_nothing_is_booked(env: Env) -> None:
    start = (NOW + timedelta(days=1, hours=3)).isoformat()
    forged = env.tool("book_meeting", {"start": start}, key="not-the-key")
    stale_at = int((NOW - timedelta(minutes=10)).timestamp() * 1000)
    stale = env.tool("book_meeting", {"start": start}, signature=sign(b"{}", ACME_KEY, stale_at))

    assert forged.status_code == stale.status_code == 401
    assert env.calcom_bookings() == []
    assert env.services.meetings.for_call("acme", "retell", "call_tool_1") == []


def test_malformed_and_unknown_tools_get_a_clear_400(env: Env) -> None:
    body = b'{"name": "book_meeting", "args": {}}'
    header = sign(body, ACME_KEY, int(NOW.timestamp() * 1000))
    missing_call = env.client.post(
        "/tools/retell/acme", content=body, headers={"x-retell-signature": header}
    )
    unknown = env.tool("transfer_money", {})

    assert missing_call.status_code == 400
    assert "call" in missing_call.json()["detail"]
    assert unknown.status_code == 400


def test_calendly_books_through_the_scheduling_api(env: Env) -> None:
    offered = env.tool(
        "check_availability",
        {"when": "tomorrow morning"},
        workspace="summit",
        agent_id="agent_summit_inbound",
        caller="+17205550142",  # Denver
    ).json()
    assert offered["available"] is True
    assert "Mountain" in offered["slots"][0]["spoken"]

    answer = env.tool(
        "book_meeting",
        {"start": offered["slots"][0]["start"], "name": "Riley", "email": "riley@example.com"},
        workspace="summit",
        agent_id="agent_summit_inbound",
        caller="+17205550142",
        call_id="call_summit_1",
    ).json()

    assert answer["booked"] is True
    meetings = env.services.meetings.for_call("summit", "retell", "call_summit_1")
    assert meetings[0].vendor == "calendly"
    assert meetings[0].booking_id is not None


def test_the_tools_reuse_the_callers_record_read_by_the_inbound_webhook(env: Env) -> None:
    body = json.dumps(
        {
            "event": "call_inbound",
            "call_inbound": {
                "call_id": "call_tool_1",
                "from_number": CALLER,
                "to_number": "+14155550100",
            },
        }
    ).encode()
    header = sign(body, ACME_KEY, int(NOW.timestamp() * 1000))
    inbound = env.client.post(
        "/webhooks/retell/acme/inbound", content=body, headers={"x-retell-signature": header}
    )
    assert inbound.status_code == 200

    env.tool("check_availability", {"when": "tomorrow"})
    env.tool("check_availability", {"when": "wednesday"})

    reads = [
        e
        for e in httpx.get(f"{env.root}/hubspot/_sandbox/requests").json()
        if e["method"] == "GET" and "/contacts/" in e["path"]
    ]
    assert len(reads) == 1  # one CRM read for the whole call
