"""Cal.com webhook ingress: signature check and parse into a vendor-free `BookingChange`.

Signature (research/calendar_slack.md §1.7, CAL-CODE sendPayload.ts): `X-Cal-Signature-256` is
the lower-case hex HMAC-SHA256 of the raw body keyed with the subscription's secret; no
timestamp, no prefix; without a secret Cal.com sends the literal `no-secret-provided`, which
never verifies here. No timestamp means no replay protection: deliveries are deduped on
`(triggerEvent, payload.uid, createdAt)`, which `dedupe_id` carries.

Body: `{"triggerEvent", "createdAt", "payload": {uid, eventTypeId, startTime, endTime, status,
organizer{email}, attendees[{name, email, phoneNumber?}], metadata, rescheduleUid?}}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from callstate.connectors.calcom import api
from callstate.connectors.calcom.mapping import VENDOR, utc
from callstate.domain.calendar import Booking, BookingChange, BookingChangeKind, BookingStatus
from callstate.domain.values import InvalidPhoneError, to_e164

SIGNATURE_HEADER = "X-Cal-Signature-256"
_KINDS = {
    "BOOKING_CREATED": BookingChangeKind.CREATED,
    "BOOKING_CANCELLED": BookingChangeKind.CANCELLED,
    "BOOKING_RESCHEDULED": BookingChangeKind.RESCHEDULED,
}
_STATUS = {
    "ACCEPTED": BookingStatus.ACCEPTED,
    "PENDING": BookingStatus.PENDING,
    "AWAITING_HOST": BookingStatus.PENDING,
    "CANCELLED": BookingStatus.CANCELLED,
    "REJECTED": BookingStatus.CANCELLED,
}


def verify_calcom_signature(secret: str, body: bytes, header: str | None) -> bool:
    """True when `header` is the hex HMAC-SHA256 of `body` under `secret` (constant-time)."""
    if not secret or not header:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.strip().lower())


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Person(_Wire):
    email: str | None = None
    name: str | None = None
    phoneNumber: str | None = None  # noqa: N815 - Cal.com's field names


class _Payload(_Wire):
    uid: str
    eventTypeId: int  # noqa: N815
    startTime: str  # noqa: N815
    endTime: str  # noqa: N815
    status: str | None = None
    organizer: _Person | None = None
    attendees: list[_Person] = []
    metadata: dict[str, Any] | None = None
    rescheduleUid: str | None = None  # noqa: N815


class _Event(_Wire):
    triggerEvent: str  # noqa: N815
    createdAt: str  # noqa: N815
    payload: _Payload


def parse_calcom_webhook(body: bytes) -> BookingChange:
    """The booking change a verified delivery reports. Raises `ValueError` naming the problem
    for a body that is not JSON, a trigger callstate does not handle, or missing fields."""
    try:
        raw = json.loads(body)
    except ValueError as exc:
        raise ValueError(f"Cal.com webhook body is not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError("Cal.com webhook body is not a JSON object")
    trigger = raw.get("triggerEvent")
    if trigger not in _KINDS:
        raise ValueError(f"unsupported Cal.com triggerEvent {trigger!r}; expected {sorted(_KINDS)}")
    try:
        event = _Event.model_validate(raw)
    except ValidationError as exc:
        raise ValueError(f"malformed Cal.com {trigger} payload: {exc}") from exc
    try:
        return _change(trigger, event)
    except ValueError as exc:  # a time without offset, an id pydantic refuses
        raise ValueError(f"malformed Cal.com {trigger} payload: {exc}") from exc


def _change(trigger: str, event: _Event) -> BookingChange:
    payload = event.payload
    kind = _KINDS[trigger]
    status = _STATUS.get((payload.status or "").upper())
    if status is None:
        status = (
            BookingStatus.CANCELLED
            if kind is BookingChangeKind.CANCELLED
            else BookingStatus.ACCEPTED
        )
    attendee = payload.attendees[0] if payload.attendees else _Person()
    key = (payload.metadata or {}).get(api.KEY_FIELD)
    booking = Booking(
        vendor=VENDOR,
        booking_id=payload.uid,
        event_type=str(payload.eventTypeId),
        start=utc(payload.startTime),
        end=utc(payload.endTime),
        status=status,
        host_email=payload.organizer.email if payload.organizer else None,
        attendee_email=attendee.email or None,
        key=key if isinstance(key, str) else None,
    )
    return BookingChange(
        vendor=VENDOR,
        kind=kind,
        dedupe_id=f"{trigger}:{payload.uid}:{event.createdAt}",
        occurred_at=utc(event.createdAt),
        booking=booking,
        previous_booking_id=payload.rescheduleUid
        if kind is BookingChangeKind.RESCHEDULED
        else None,
        attendee_name=attendee.name or None,
        attendee_phone=_phone(attendee.phoneNumber),
    )


def _phone(raw: str | None) -> str | None:
    """A phone Cal.com took is usually E.164 already; one we cannot read is dropped, not fatal."""
    if not raw:
        return None
    try:
        return to_e164(raw)
    except InvalidPhoneError:
        return None
