"""`GoHighLevelHttp`: one location's HTTP session: requests, error classification, parsing.

No retries here: the executor owns them (research/crm.md §5.2). Classification:
400/401/403/404/422 → `Permanent` carrying the vendor's message, 408/5xx and transport
failures → `Transient`, 429 → `RateLimited`. GoHighLevel documents neither a 429 body nor
`Retry-After` (crm.md §2.2, §7), so the wait comes from, in order: `Retry-After` if one is
sent; the daily reset when the daily budget is spent (`X-RateLimit-Daily-Remaining: 0`, the
official SDK's test; `x-ratelimit-daily-reset` in ms when present, else the longest wait we
allow, so the executor parks the effect); else one burst interval
(`X-RateLimit-Interval-Milliseconds`, 10 s by the documented limits).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from callstate.connectors.errors import ConnectorError, RateLimited
from callstate.connectors.gohighlevel import api
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
VENDOR = "gohighlevel"
PUBLIC_API = "https://services.leadconnectorhq.com"
BURST_INTERVAL = 10.0
BURST = Budget(100, BURST_INTERVAL)


class GoHighLevelHttp(VendorHttp):
    """`gate` spends the location's shared request budget (100 per 10 s per location,
    research/crm.md §2.2) before each request, across every process on the database."""

    vendor = VENDOR

    def __init__(
        self,
        base_url: str,
        token: str,
        transport: httpx.BaseTransport | None = None,
        *,
        gate: Gate | None = None,
        budget: Budget = BURST,
    ) -> None:
        super().__init__(
            base_url,
            headers={
                "authorization": f"Bearer {token}",
                "version": api.VERSION,
                "accept": "application/json",
            },
            transport=transport,
            gate=gate,
        )
        self._bucket = (account_key(VENDOR, token), budget)

    def buckets(self, method: str, path: str) -> Sequence[tuple[str, Budget]]:
        return (self._bucket,)

    def error_for(self, response: httpx.Response) -> ConnectorError:
        return error_for(response)


def parse(model: type[_W], response: httpx.Response) -> _W:
    return parse_response(VENDOR, model, response)


def error_for(response: httpx.Response) -> ConnectorError:
    message = error_message(response)
    if response.status_code == 429:
        return RateLimited(VENDOR, message, retry_after=retry_after(response.headers))
    return classify(VENDOR, response, message)


def retry_after(headers: httpx.Headers) -> float:
    if headers.get("retry-after"):
        return parse_retry_after(
            headers["retry-after"], now=lambda: datetime.now(UTC), default=BURST_INTERVAL
        )
    if headers.get("x-ratelimit-daily-remaining") == "0":
        reset = header_seconds(headers.get("x-ratelimit-daily-reset"))
        return MAX_RETRY_AFTER if reset is None else min(reset / 1000, MAX_RETRY_AFTER)
    interval = header_seconds(headers.get("x-ratelimit-interval-milliseconds"))
    return BURST_INTERVAL if interval is None else min(interval / 1000, MAX_RETRY_AFTER)


def error_message(response: httpx.Response) -> str:
    try:
        error = api.ErrorBody.model_validate_json(response.content)
    except ValidationError:
        return f"HTTP {response.status_code}"
    text = "; ".join(error.message) if isinstance(error.message, list) else error.message
    reference = f" (traceId {error.trace_id})" if error.trace_id else ""
    return f"HTTP {response.status_code}: {text or error.error or 'no message'}{reference}"
