"""`CalcomHttp`: one Cal.com API key's HTTP session: requests, error classification, parsing.

No retries here: the executor owns them. Classification (research/calendar_slack.md §1.2, §1.5):
- 429 → `RateLimited`; Cal.com's throttler sends no `Retry-After`, so the wait is
  `X-RateLimit-Reset-<Name>` (seconds until the window or block expires, not an epoch; §1.2),
  the longest of them when several named limits answer, else `Retry-After`, else 60 s;
- a refused booking (`slot_taken=True`): 409 (`booking_conflict_error`, the race) and the 400s
  whose message says the host is busy, the start is past or out of bounds → `SlotTaken`;
- 408/5xx and transport failures → `Transient`; other 4xx → `Permanent` with the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from callstate.connectors.calcom import api
from callstate.connectors.errors import ConnectorError, RateLimited, SlotTaken
from callstate.connectors.http import (
    MAX_RETRY_AFTER,
    Gate,
    VendorHttp,
    account_key,
    classify,
    header_seconds,
    parse_response,
    parse_retry_after,
)
from callstate.domain.budget import Budget

_W = TypeVar("_W", bound=BaseModel)
VENDOR = "calcom"
PUBLIC_API = "https://api.cal.com"
BUDGET = Budget(120, 60.0)  # per API key (§1.2)
DEFAULT_WAIT = 60.0  # the throttler's block duration
# Lower-cased fragments of the messages Cal.com gives a booking it refuses for time reasons
# (CAL-CODE bookings/2024-08-13/services/errors.service.ts, handleNewBooking; §1.5, §4).
SLOT_TAKEN_MARKERS = (
    "already has booking at this time",
    "not available",
    "no_available_users_found_error",
    "hosts_unavailable_for_booking",
    "booking_conflict_error",
    "booking_time_out_of_bounds_error",
    'booked at the "start" time',
    "minimum booking notice",
    "in the past",
    "no more seats left",
)


class CalcomHttp(VendorHttp):
    """`gate` spends the key's shared request budget before each request, across every
    process on the database."""

    vendor = VENDOR

    def __init__(
        self,
        base_url: str,
        api_key: str,
        transport: httpx.BaseTransport | None = None,
        *,
        gate: Gate | None = None,
        budget: Budget = BUDGET,
    ) -> None:
        super().__init__(
            base_url,
            headers={"authorization": f"Bearer {api_key}", "accept": "application/json"},
            transport=transport,
            gate=gate,
        )
        self._bucket = (account_key(VENDOR, api_key), budget)

    def buckets(self, method: str, path: str) -> Sequence[tuple[str, Budget]]:
        return (self._bucket,)

    def error_for(self, response: httpx.Response) -> ConnectorError:
        return error_for(response)

    def call_version(
        self,
        model: type[_W],
        method: str,
        path: str,
        *,
        version: str,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        slot_taken: bool = False,
    ) -> _W:
        """The parsed 2xx body of the endpoint family's `cal-api-version`, else the classified
        error (`slot_taken`: a refused booking reads as `SlotTaken`)."""
        headers = {"cal-api-version": version}
        response = self.send(method, path, json=json, params=params, headers=headers)
        if not response.is_success:
            raise error_for(response, slot_taken=slot_taken)
        return parse_response(VENDOR, model, response)


def error_for(response: httpx.Response, *, slot_taken: bool = False) -> ConnectorError:
    message = error_message(response)
    status = response.status_code
    if status == 429:
        return RateLimited(VENDOR, message, retry_after=retry_after(response.headers))
    lowered = message.lower()
    if slot_taken and (
        status == 409 or (status == 400 and any(m in lowered for m in SLOT_TAKEN_MARKERS))
    ):
        return SlotTaken(VENDOR, message, status=status)
    return classify(VENDOR, response, message)


def retry_after(headers: httpx.Headers) -> float:
    resets = [
        header_seconds(value)
        for name, value in headers.items()
        if name.lower().startswith("x-ratelimit-reset")
    ]
    waits = [wait for wait in resets if wait is not None]
    if waits:
        return min(max(waits), MAX_RETRY_AFTER)
    return parse_retry_after(
        headers.get("retry-after"), now=lambda: datetime.now(UTC), default=DEFAULT_WAIT
    )


def error_message(response: httpx.Response) -> str:
    try:
        error = api.ErrorBody.model_validate_json(response.content).error
    except ValidationError:
        return f"HTTP {response.status_code}"
    details = error.details.get("message") if isinstance(error.details, dict) else None
    text = error.message
    if isinstance(details, list):  # validation failures list each problem in details
        text = "; ".join(str(d) for d in details)
    code = f" ({error.code})" if error.code else ""
    return f"HTTP {response.status_code}{code}: {text or 'no message'}"
