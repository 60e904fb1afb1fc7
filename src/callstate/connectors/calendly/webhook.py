"""Calendly webhook deliveries: signature verification and parsing into a `BookingChange`.

Signature (research/calendar_slack.md §2.4): header `Calendly-Webhook-Signature:
t=<unix seconds>,v1=<hex HMAC-SHA256(signing key, "<t>.<raw body>")>`. The check is pure and
constant-time; a timestamp more than `tolerance_seconds` old (180 s, Calendly's samples) or
that far in the future (a clock that runs ahead) is refused, which bounds replays.

Parsing, and how a reschedule is modelled. Calendly has no reschedule event: a reschedule is
two deliveries, `invitee.canceled` for the old invitee with `rescheduled: true` (and
`new_invitee` set), then `invitee.created` for the new one with `old_invitee` set (§2.4). We
keep the two, as Calendly sends them, and label both RESCHEDULED so that neither reads as a
lost or a brand-new meeting:
- `invitee.created`, no `old_invitee` → CREATED;
- `invitee.created` with `old_invitee` → RESCHEDULED, `booking` = the new event,
  `previous_booking_id` = the old event's URI (from the old invitee's URI);
- `invitee.canceled` with `rescheduled: true` → RESCHEDULED, `booking` = the old event (status
  cancelled), `previous_booking_id` None: the half that retires the old booking; the other
  half names it;
- `invitee.canceled` otherwise → CANCELLED.
`dedupe_id` = `<event name>:<invitee URI>:<created_at>`: Calendly sends no delivery id, and an
invitee is created once and canceled once, so the name and invitee identify the change.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from pydantic import ValidationError

from callstate.connectors.calendly import api, mapping
from callstate.domain.calendar import BookingChange, BookingChangeKind, BookingStatus

_HEADER = re.compile(r"t=(\d{1,12}),v1=([0-9a-f]{64})")
_KINDS = ("invitee.created", "invitee.canceled")


def verify_calendly_signature(
    secret: str, body: bytes, header: str | None, *, now: datetime, tolerance_seconds: int = 180
) -> bool:
    """True when `secret` signed `body` within `tolerance_seconds` of `now`."""
    if not header:
        return False
    fields = {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in header.split(","))}
    match = _HEADER.fullmatch(f"t={fields.get('t', '')},v1={fields.get('v1', '').lower()}")
    if match is None:
        return False
    timestamp = int(match.group(1))
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        return False
    message = match.group(1).encode() + b"." + body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match.group(2))


def parse_calendly_webhook(body: bytes) -> BookingChange:
    """The change an `invitee.created` / `invitee.canceled` delivery reports.

    Raises `ValueError` saying what is wrong when the body is not such a delivery.
    """
    try:
        envelope = api.WebhookEnvelope.model_validate_json(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise ValueError(f"not a Calendly invitee webhook: {problems}") from None
    if envelope.event not in _KINDS:
        raise ValueError(f"unsupported Calendly webhook event {envelope.event!r}")
    invitee = envelope.payload
    booking = mapping.to_booking(invitee.scheduled_event, invitee, key=None)
    previous = None
    if envelope.event == "invitee.created":
        kind = BookingChangeKind.CREATED
        if invitee.old_invitee:
            kind, previous = (
                BookingChangeKind.RESCHEDULED,
                mapping.event_of_invitee(invitee.old_invitee),
            )
    else:
        kind = BookingChangeKind.RESCHEDULED if invitee.rescheduled else BookingChangeKind.CANCELLED
        # The event may still read active when only the invitee was canceled: it is gone for us.
        booking = booking.model_copy(update={"status": BookingStatus.CANCELLED})
    return BookingChange(
        vendor=mapping.VENDOR,
        kind=kind,
        dedupe_id=f"{envelope.event}:{invitee.uri}:{mapping.utc_text(envelope.created_at)}",
        occurred_at=envelope.created_at,
        booking=booking,
        previous_booking_id=previous,
        attendee_name=invitee.name,
        attendee_phone=mapping.phone_or_none(invitee.text_reminder_number),
    )
