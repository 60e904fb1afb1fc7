"""Calendly webhooks: the signature check and parsing, on deliveries the emulator signed."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callstate.connectors.calendly.webhook import (
    parse_calendly_webhook,
    verify_calendly_signature,
)
from callstate.domain.calendar import Attendee, BookingChangeKind, BookingStatus, Slot
from callstate.sandbox.calendly import ANA, SANDBOX_EVENT_TYPES, SANDBOX_ORGANIZATION
from tests.connectors.calendly.conftest import CalendlySandbox

SECRET = "whsec-calendly-test"
HOOK = "http://127.0.0.1:9/calendly/webhook"
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
BODY = b'{"event":"invitee.created"}'
CALLER = Attendee(
    name="Carla Diaz", email="carla@example.com", zone="America/Chicago", phone="+13125550142"
)
SLOT = Slot(
    event_type=SANDBOX_EVENT_TYPES[0].uri,
    start=datetime(2026, 11, 2, 15, tzinfo=UTC),
    end=datetime(2026, 11, 2, 15, 30, tzinfo=UTC),
)


def signed(body: bytes, at: datetime, secret: str = SECRET) -> str:
    timestamp = int(at.timestamp())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


# -- signature ----------------------------------------------------------------------------------


def test_a_fresh_signature_by_the_key_is_good() -> None:
    assert verify_calendly_signature(SECRET, BODY, signed(BODY, NOW), now=NOW)
    assert verify_calendly_signature(
        SECRET, BODY, signed(BODY, NOW - timedelta(seconds=179)), now=NOW
    )


@pytest.mark.parametrize(
    ("body", "header"),
    [
        pytest.param(BODY, signed(BODY, NOW, secret="another-key"), id="wrong-key"),
        pytest.param(BODY + b" ", signed(BODY, NOW), id="tampered-body"),
        pytest.param(BODY, signed(BODY, NOW - timedelta(seconds=181)), id="stale"),
        pytest.param(BODY, signed(BODY, NOW + timedelta(seconds=181)), id="from-the-future"),
        pytest.param(BODY, None, id="missing"),
        pytest.param(BODY, "", id="empty"),
        pytest.param(BODY, "v1=abc,t=1", id="malformed"),
        pytest.param(BODY, signed(BODY, NOW).replace("v1=", "v0="), id="unknown-scheme"),
    ],
)
def test_bad_or_stale_signatures_are_refused(body: bytes, header: str | None) -> None:
    assert not verify_calendly_signature(SECRET, body, header, now=NOW)


def test_the_tolerance_is_a_parameter() -> None:
    old = signed(BODY, NOW - timedelta(seconds=600))
    assert not verify_calendly_signature(SECRET, BODY, old, now=NOW)
    assert verify_calendly_signature(SECRET, BODY, old, now=NOW, tolerance_seconds=900)


# -- deliveries from the emulator -----------------------------------------------------------


def subscribe(sandbox: CalendlySandbox) -> None:
    with sandbox.api() as api:
        created = api.post(
            "/webhook_subscriptions",
            json={
                "url": HOOK,
                "events": ["invitee.created", "invitee.canceled"],
                "organization": SANDBOX_ORGANIZATION.uri,
                "scope": "organization",
                "signing_key": SECRET,
            },
        )
    assert created.status_code == 201


def delivered(sandbox: CalendlySandbox, index: int) -> tuple[bytes, str]:
    url, body, headers = sandbox.deliveries[index]
    assert url == HOOK
    return body, headers["Calendly-Webhook-Signature"]


def test_a_created_and_a_canceled_delivery_verify_and_parse(calendly: CalendlySandbox) -> None:
    subscribe(calendly)
    calendar = calendly.calendar()
    booking = calendar.book(SLOT, CALLER, key="call_1:book")
    body, header = delivered(calendly, 0)
    assert verify_calendly_signature(SECRET, body, header, now=calendly.clock.now())
    created = parse_calendly_webhook(body)
    assert created.kind is BookingChangeKind.CREATED and created.vendor == "calendly"
    assert created.booking == booking
    assert (created.attendee_name, created.attendee_phone) == ("Carla Diaz", "+13125550142")
    assert created.occurred_at == calendly.clock.now()
    assert created.dedupe_id.startswith("invitee.created:https://api.calendly.com/")

    calendly.clock.advance(minutes=5)
    calendar.cancel(booking.booking_id, "caller asked")
    body, header = delivered(calendly, 1)
    assert verify_calendly_signature(SECRET, body, header, now=calendly.clock.now())
    assert not verify_calendly_signature(
        SECRET, body, header, now=calendly.clock.now() + timedelta(minutes=4)
    )
    cancelled = parse_calendly_webhook(body)
    assert cancelled.kind is BookingChangeKind.CANCELLED
    assert cancelled.booking.status is BookingStatus.CANCELLED
    assert cancelled.booking.booking_id == booking.booking_id
    assert cancelled.dedupe_id != created.dedupe_id
    calendly.on_spec()


def test_a_reschedule_is_two_changes_as_calendly_sends_it(calendly: CalendlySandbox) -> None:
    """Calendly reschedules as `invitee.canceled` (rescheduled: true) of the old invitee and
    `invitee.created` (old_invitee set) of the new; the emulator cannot reschedule, so the two
    deliveries are its own created/canceled ones with the reschedule fields Calendly sets."""
    subscribe(calendly)
    calendar = calendly.calendar()
    old = calendar.book(SLOT, CALLER, key="call_2:book")
    moved = SLOT.model_copy(update={"start": SLOT.start + timedelta(hours=1)})
    new = calendar.book(
        moved.model_copy(update={"end": moved.start + timedelta(minutes=30)}),
        CALLER,
        key="call_2:book",
    )
    calendar.cancel(old.booking_id, "rescheduled")
    old_created: dict[str, Any] = json.loads(delivered(calendly, 0)[0])
    new_created: dict[str, Any] = json.loads(delivered(calendly, 1)[0])
    old_canceled: dict[str, Any] = json.loads(delivered(calendly, 2)[0])
    old_canceled["payload"].update(rescheduled=True, new_invitee=new_created["payload"]["uri"])
    new_created["payload"]["old_invitee"] = old_created["payload"]["uri"]

    retired = parse_calendly_webhook(json.dumps(old_canceled).encode())
    assert retired.kind is BookingChangeKind.RESCHEDULED
    assert retired.booking.booking_id == old.booking_id
    assert retired.booking.status is BookingStatus.CANCELLED
    assert retired.previous_booking_id is None

    moved_to = parse_calendly_webhook(json.dumps(new_created).encode())
    assert moved_to.kind is BookingChangeKind.RESCHEDULED
    assert moved_to.booking.booking_id == new.booking_id
    assert moved_to.booking.status is BookingStatus.ACCEPTED
    assert moved_to.previous_booking_id == old.booking_id
    assert moved_to.booking.key == "call_2:book"
    calendly.on_spec()


# -- malformed input ----------------------------------------------------------------------------


def minimal(event: str = "invitee.created", **payload: Any) -> bytes:
    body = {
        "event": event,
        "created_at": "2026-11-24T16:00:00.000000Z",
        "created_by": ANA.uri,
        "payload": {
            "uri": "https://api.calendly.com/scheduled_events/E1/invitees/I1",
            "email": "carla@example.com",
            "name": "Carla Diaz",
            "status": "active",
            "event": "https://api.calendly.com/scheduled_events/E1",
            "text_reminder_number": "not a phone",
            "scheduled_event": {
                "uri": "https://api.calendly.com/scheduled_events/E1",
                "status": "active",
                "start_time": "2026-11-02T15:00:00.000000Z",
                "end_time": "2026-11-02T15:30:00.000000Z",
                "event_type": SANDBOX_EVENT_TYPES[0].uri,
            },
            **payload,
        },
    }
    return json.dumps(body).encode()


def test_a_minimal_delivery_parses_and_a_bad_phone_is_dropped() -> None:
    change = parse_calendly_webhook(minimal())
    assert change.kind is BookingChangeKind.CREATED
    assert change.booking.host_email is None and change.attendee_phone is None
    assert change.booking.key is None


@pytest.mark.parametrize(
    ("body", "says"),
    [
        pytest.param(b"not json", "not a Calendly invitee webhook", id="not-json"),
        pytest.param(b"[]", "not a Calendly invitee webhook", id="not-an-object"),
        pytest.param(
            minimal(scheduled_event=None), "payload.scheduled_event", id="no-scheduled-event"
        ),
        pytest.param(
            minimal("routing_form_submission.created"),
            "unsupported Calendly webhook event 'routing_form_submission.created'",
            id="other-event",
        ),
        pytest.param(minimal(uri=None), "payload.uri", id="no-invitee-uri"),
    ],
)
def test_malformed_deliveries_raise_value_error(body: bytes, says: str) -> None:
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_calendly_webhook(body)
