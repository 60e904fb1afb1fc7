"""Cal.com webhook ingress: `verify_calcom_signature` (hex HMAC-SHA256 of the raw body) and
`parse_calcom_webhook` on a payload in Cal.com's recorded shape, and on the emulator's own
signed deliveries after a booking made through the connector."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from callstate.connectors.calcom.webhook import (
    SIGNATURE_HEADER,
    parse_calcom_webhook,
    verify_calcom_signature,
)
from callstate.domain.calendar import Attendee, BookingChangeKind, BookingStatus, Slot
from tests.connectors.calcom.conftest import CalSandbox

OnSpec = Callable[[str, str], list[dict[str, Any]]]
SECRET = "whsec-calcom-test"  # a test secret

# BOOKING_CREATED as Cal.com sends it without a payload template (CAL-DOCS webhooks.mdx
# example, CAL-CODE sendPayload.ts; research/calendar_slack.md §1.7), callstate's key in metadata.
RECORDED_CREATED: dict[str, Any] = {
    "triggerEvent": "BOOKING_CREATED",
    "createdAt": "2026-10-26T12:03:11.842Z",
    "payload": {
        "type": "intro-ana",
        "title": "Intro call with Ana between Ana Ruiz and Casey Caller",
        "description": "",
        "additionalNotes": "",
        "customInputs": {},
        "startTime": "2026-10-28T18:00:00Z",
        "endTime": "2026-10-28T18:30:00Z",
        "organizer": {
            "id": 101,
            "name": "Ana Ruiz",
            "email": "ana@acme.example",
            "username": "ana",
            "timeZone": "America/New_York",
            "language": {"locale": "en"},
            "timeFormat": "h:mma",
            "utcOffset": -240,
        },
        "responses": {
            "name": {"label": "your_name", "value": "Casey Caller"},
            "email": {"label": "email_address", "value": "casey@example.com"},
            "location": {
                "label": "location",
                "value": {"optionValue": "", "value": "integrations:daily"},
            },
            "notes": {"label": "additional_notes"},
            "guests": {"label": "additional_guests"},
            "rescheduleReason": {"label": "reason_for_reschedule"},
        },
        "userFieldsResponses": {},
        "attendees": [
            {
                "email": "casey@example.com",
                "name": "Casey Caller",
                "firstName": "",
                "lastName": "",
                "timeZone": "America/Denver",
                "language": {"locale": "en"},
                "utcOffset": -360,
                "phoneNumber": "+1 303 555 0123",
            }
        ],
        "location": "integrations:daily",
        "destinationCalendar": None,
        "hideCalendarNotes": False,
        "requiresConfirmation": False,
        "eventTypeId": 1001,
        "seatsShowAttendees": True,
        "seatsPerTimeSlot": None,
        "uid": "2NtaeaVcKfpmSZ4CthFdfk",
        "bookingId": 91,
        "length": 30,
        "status": "ACCEPTED",
        "metadata": {
            "callstate_key": "call-42:book",
            "videoCallUrl": "https://app.cal.com/video/x",
        },
    },
}


def encoded(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def signature(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signature_good_bad_and_missing() -> None:
    body = encoded(RECORDED_CREATED)
    assert verify_calcom_signature(SECRET, body, signature(body))
    assert verify_calcom_signature(SECRET, body, signature(body).upper())  # hex case is not data
    assert not verify_calcom_signature(SECRET, body, signature(body, "other-secret"))
    assert not verify_calcom_signature(SECRET, body + b" ", signature(body))  # raw bytes count
    assert not verify_calcom_signature(SECRET, body, None)
    assert not verify_calcom_signature(SECRET, body, "")
    assert not verify_calcom_signature(SECRET, body, "no-secret-provided")  # Cal.com, no secret
    assert not verify_calcom_signature("", body, signature(body, ""))  # we always need a secret


def test_parse_a_recorded_booking_created() -> None:
    change = parse_calcom_webhook(encoded(RECORDED_CREATED))
    assert change.kind is BookingChangeKind.CREATED
    assert change.dedupe_id == "BOOKING_CREATED:2NtaeaVcKfpmSZ4CthFdfk:2026-10-26T12:03:11.842Z"
    assert change.occurred_at == datetime(2026, 10, 26, 12, 3, 11, 842000, tzinfo=UTC)
    booking = change.booking
    assert (booking.vendor, booking.booking_id, booking.event_type) == (
        "calcom",
        "2NtaeaVcKfpmSZ4CthFdfk",
        "1001",
    )
    assert booking.start == datetime(2026, 10, 28, 18, tzinfo=UTC)
    assert booking.end == datetime(2026, 10, 28, 18, 30, tzinfo=UTC)
    assert booking.status is BookingStatus.ACCEPTED
    assert (booking.host_email, booking.attendee_email, booking.key) == (
        "ana@acme.example",
        "casey@example.com",
        "call-42:book",
    )
    assert (change.attendee_name, change.attendee_phone) == ("Casey Caller", "+13035550123")
    assert change.previous_booking_id is None


def test_parse_cancelled_and_rescheduled() -> None:
    cancelled = copy.deepcopy(RECORDED_CREATED)
    cancelled["triggerEvent"] = "BOOKING_CANCELLED"
    cancelled["payload"].update(status="CANCELLED", cancellationReason="caller asked")
    change = parse_calcom_webhook(encoded(cancelled))
    assert (change.kind, change.booking.status) == (BookingChangeKind.CANCELLED, "cancelled")
    assert change.dedupe_id.startswith("BOOKING_CANCELLED:2NtaeaVcKfpmSZ4CthFdfk:")
    moved = copy.deepcopy(RECORDED_CREATED)
    moved["triggerEvent"] = "BOOKING_RESCHEDULED"
    moved["payload"].update(uid="newUid123", rescheduleUid="2NtaeaVcKfpmSZ4CthFdfk")
    change = parse_calcom_webhook(encoded(moved))
    assert change.kind is BookingChangeKind.RESCHEDULED
    assert (change.booking.booking_id, change.previous_booking_id) == (
        "newUid123",
        "2NtaeaVcKfpmSZ4CthFdfk",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (encoded({**RECORDED_CREATED, "triggerEvent": "MEETING_ENDED"}), "unsupported"),
        (
            encoded({"triggerEvent": "BOOKING_CREATED", "createdAt": "2026-10-26T12:00:00Z"}),
            "payload",
        ),
        (
            encoded({**RECORDED_CREATED, "payload": {**RECORDED_CREATED["payload"], "uid": None}}),
            "malformed Cal.com BOOKING_CREATED payload",
        ),
        (
            encoded({**RECORDED_CREATED, "createdAt": "yesterday"}),
            "malformed Cal.com BOOKING_CREATED payload",
        ),
        (
            encoded(
                {
                    **RECORDED_CREATED,
                    "payload": {**RECORDED_CREATED["payload"], "startTime": "2026-10-28T18:00:00"},
                }
            ),
            "malformed",
        ),
    ],
)
def test_malformed_bodies_raise_value_error(body: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_calcom_webhook(body)


def test_the_emulators_signed_deliveries_parse_to_our_booking(
    calcom: CalSandbox, serve: Callable[[ASGIApp], str], on_spec: OnSpec
) -> None:
    received: list[tuple[bytes, str | None]] = []
    arrived = threading.Condition()

    async def hook(request: Request) -> Response:
        body = await request.body()
        with arrived:
            received.append((body, request.headers.get(SIGNATURE_HEADER)))
            arrived.notify_all()
        return Response(status_code=200)

    receiver = serve(Starlette(routes=[Route("/hook", hook, methods=["POST"])]))
    with calcom.api("2024-08-13") as client:  # webhooks take no version header; harmless
        created = client.post(
            "/v2/webhooks",
            json={
                "subscriberUrl": f"{receiver}/hook",
                "triggers": ["BOOKING_CREATED", "BOOKING_CANCELLED"],
                "active": True,
                "secret": SECRET,
            },
        )
    assert created.status_code == 201, created.text
    calendar = calcom.calendar()
    start = datetime(2026, 10, 28, 18, tzinfo=UTC)
    attendee = Attendee(name="Casey Caller", email="casey@example.com", zone="America/Denver")
    slot = Slot(event_type="1001", start=start, end=start + timedelta(minutes=30))
    booking = calendar.book(slot, attendee, key="call-42:book")
    calendar.cancel(booking.booking_id, "caller asked")
    deadline = time.monotonic() + 10
    with arrived:
        while len(received) < 2 and time.monotonic() < deadline:
            arrived.wait(0.2)
    assert len(received) == 2
    changes = []
    for body, header in received:
        assert verify_calcom_signature(SECRET, body, header)
        changes.append(parse_calcom_webhook(body))
    changes.sort(key=lambda c: c.kind != BookingChangeKind.CREATED)
    made, gone = changes
    assert made.kind is BookingChangeKind.CREATED
    assert made.booking.model_copy(update={"url": None}) == booking
    assert (gone.kind, gone.booking.status) == (BookingChangeKind.CANCELLED, "cancelled")
    assert made.dedupe_id != gone.dedupe_id
    on_spec(calcom.root, "calcom")
