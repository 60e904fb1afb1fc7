"""User webhooks: `POST/GET /v2/webhooks`, `GET/DELETE /v2/webhooks/{id}`, and signed
deliveries of BOOKING_CREATED / BOOKING_CANCELLED / BOOKING_RESCHEDULED.

Delivery as Cal.com does it (research/calendar_slack.md §1.7, CAL-CODE sendPayload.ts): one
JSON POST `{"triggerEvent", "createdAt", "payload": {...}}` per active subscription with the
trigger, header `X-Cal-Signature-256` = hex HMAC-SHA256 of the raw body keyed with the
subscription's secret (the literal `no-secret-provided` without one), no timestamp, no retry.
Deliveries run on a daemon thread after the booking is committed; each attempt is kept in
`Webhooks.attempts` for tests. The HMAC here is our own, independent of the connector's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from callstate.sandbox.calcom.errors import CalError
from callstate.sandbox.calcom.wire import WebhookBody, iso, parse_time
from callstate.sandbox.store import Doc, Store

SIGNATURE_HEADER = "X-Cal-Signature-256"
NO_SECRET = "no-secret-provided"  # noqa: S105 - Cal.com's literal header value without a secret
_USER_ID = 101  # the webhooks belong to the key's user; one account in the sandbox


def sign(body: bytes, secret: str | None) -> str:
    if not secret:
        return NO_SECRET
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _wh_time(value: str) -> str:
    """Webhook times are `2026-10-30T13:00:00Z` (dayjs().utc().format(), no milliseconds)."""
    return parse_time(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _offset_minutes(zone: str, at: str) -> int:
    delta = parse_time(at).astimezone(ZoneInfo(zone)).utcoffset()
    return 0 if delta is None else int(delta.total_seconds() // 60)


def booking_payload(booking: Doc, trigger: str) -> Doc:
    """The `payload` Cal.com sends for a booking trigger (fields callstate may read and the
    ones every booking payload has; CAL-DOCS webhooks.mdx example)."""
    host = booking["hosts"][0]
    language = {"translate": {}, "locale": "en"}
    attendees = [
        {
            "email": a["email"],
            "name": a["name"],
            "firstName": "",
            "lastName": "",
            "timeZone": a["timeZone"],
            "language": {"locale": a.get("language", "en")},
            "utcOffset": _offset_minutes(a["timeZone"], booking["start"]),
            **({"phoneNumber": a["phoneNumber"]} if a.get("phoneNumber") else {}),
        }
        for a in booking["attendees"]
    ]
    fields = booking.get("bookingFieldsResponses", {})
    payload: Doc = {
        "type": booking["eventType"]["slug"],
        "title": booking["title"],
        "description": booking.get("description", ""),
        "additionalNotes": "",
        "customInputs": {},
        "startTime": _wh_time(booking["start"]),
        "endTime": _wh_time(booking["end"]),
        "organizer": {
            "id": host["id"],
            "name": host["name"],
            "email": host["email"],
            "username": host["username"],
            "timeZone": host["timeZone"],
            "language": language,
            "timeFormat": "h:mma",
            "utcOffset": _offset_minutes(host["timeZone"], booking["start"]),
        },
        "responses": {
            "name": {"label": "your_name", "value": fields.get("name", "")},
            "email": {"label": "email_address", "value": fields.get("email", "")},
        },
        "userFieldsResponses": {},
        "attendees": attendees,
        "location": booking["location"],
        "destinationCalendar": None,
        "hideCalendarNotes": False,
        "requiresConfirmation": False,
        "eventTypeId": booking["eventType"]["id"],
        "seatsShowAttendees": True,
        "seatsPerTimeSlot": None,
        "uid": booking["uid"],
        "bookingId": booking["id"],
        "length": booking["duration"],
        "status": booking["status"].upper(),
        "metadata": {**booking.get("metadata", {}), "videoCallUrl": booking["location"]},
    }
    if trigger == "BOOKING_CANCELLED":
        payload["cancellationReason"] = booking.get("cancellationReason", "")
    if trigger == "BOOKING_RESCHEDULED":
        payload["rescheduleUid"] = booking.get("rescheduledFromUid")
    return payload


class Webhooks:
    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock
        self.attempts: list[Doc] = []
        self._lock = threading.Lock()

    def create(self, body: WebhookBody) -> Doc:
        with self._store.transaction() as tx:
            doc: Doc = {
                "id": tx.next_value("webhook"),
                "userId": _USER_ID,
                "subscriberUrl": body.subscriberUrl,
                "triggers": body.triggers,
                "active": body.active,
                "payloadTemplate": body.payloadTemplate or "",
            }
            if body.secret:
                doc["secret"] = body.secret
            tx.put("webhooks", str(doc["id"]), doc)
        return doc

    def all(self) -> list[Doc]:
        return [doc for _, doc in self._store.scan("webhooks")]

    def get(self, webhook_id: int) -> Doc:
        doc = self._store.get("webhooks", str(webhook_id))
        if doc is None:
            raise CalError(404, f"Webhook with id {webhook_id} not found")
        return doc

    def delete(self, webhook_id: int) -> Doc:
        doc = self.get(webhook_id)
        with self._store.transaction() as tx:
            tx.delete("webhooks", str(webhook_id))
        return doc

    def booking_changed(self, trigger: str, booking: Doc) -> None:
        """Queue one signed POST per subscription to the trigger (after the commit)."""
        created = iso(datetime.fromtimestamp(self._clock(), UTC))
        for hook in self.all():
            if not hook["active"] or trigger not in hook["triggers"]:
                continue
            event = {
                "triggerEvent": trigger,
                "createdAt": created,
                "payload": booking_payload(booking, trigger),
            }
            body = json.dumps(event, separators=(",", ":")).encode()
            threading.Thread(target=self._post, args=(hook, body), daemon=True).start()

    def _post(self, hook: Doc, body: bytes) -> None:
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: sign(body, hook.get("secret")),
        }
        attempt: dict[str, Any] = {
            "webhook_id": hook["id"],
            "url": hook["subscriberUrl"],
            "body": body,
        }
        try:
            response = httpx.post(hook["subscriberUrl"], content=body, headers=headers, timeout=10)
            attempt["status"] = response.status_code
        except httpx.HTTPError as exc:  # no retry: Cal.com records the failure and moves on
            attempt["error"] = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.attempts.append(attempt)


def webhooks_router(webhooks: Webhooks) -> APIRouter:
    router = APIRouter(prefix="/v2/webhooks")

    @router.post("", status_code=201)
    def create(body: WebhookBody) -> JSONResponse:
        return JSONResponse({"status": "success", "data": webhooks.create(body)}, status_code=201)

    @router.get("")
    def list_webhooks() -> JSONResponse:
        return JSONResponse({"status": "success", "data": webhooks.all()})

    @router.get("/{webhook_id}")
    def get_webhook(webhook_id: int) -> JSONResponse:
        return JSONResponse({"status": "success", "data": webhooks.get(webhook_id)})

    @router.delete("/{webhook_id}")
    def delete_webhook(webhook_id: int) -> JSONResponse:
        return JSONResponse({"status": "success", "data": webhooks.delete(webhook_id)})

    return router
