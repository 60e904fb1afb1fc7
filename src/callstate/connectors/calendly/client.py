"""`CalendlyHttp`: one personal access token's HTTP session: requests, errors, parsing.

No retries here: the executor owns them. Classification (research/calendar_slack.md §2.5):
429 → `RateLimited`, waiting `Retry-After` if sent, else `X-RateLimit-Reset` (seconds until
the window resets, the header Calendly documents), else a minute; 408/5xx and transport
failures → `Transient`; other 4xx → `Permanent` carrying Calendly's `title`, `message` and
`details`. The adapter reads refusals it gives meaning to (a taken slot, a plan without the
Scheduling API) from `send` responses before falling back to `error_for`.

Budgets: every request spends the token's 500 a minute; `POST /invitees` also spends its own
10 a minute (§2.2). Its 50 an hour and 100 a day are left to Calendly's 429 and reset header:
a token bucket sized for a day would refuse the sixth booking of a quiet morning.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from callstate.connectors.calendly import api
from callstate.connectors.errors import ConnectorError, RateLimited
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
VENDOR = "calendly"
BUDGET = Budget(500, 60.0)  # per user, paid plans (§2.5)
INVITEES_BUDGET = Budget(10, 60.0)  # POST /invitees, paid non-Enterprise (§2.2)
DEFAULT_WAIT = 60.0


class CalendlyHttp(VendorHttp):
    """`gate` spends the token's shared request budgets before each request, across every
    process on the database. A `path` may be a resource URI (`https://api.calendly.com/...`):
    it is served by this session's base URL."""

    vendor = VENDOR

    def __init__(
        self,
        base_url: str,
        token: str,
        transport: httpx.BaseTransport | None = None,
        *,
        gate: Gate | None = None,
    ) -> None:
        super().__init__(
            base_url,
            headers={"authorization": f"Bearer {token}", "accept": "application/json"},
            transport=transport,
            gate=gate,
        )
        self._account = account_key(VENDOR, token)

    def buckets(self, method: str, path: str) -> Sequence[tuple[str, Budget]]:
        if method == "POST" and path == "/invitees":
            return ((self._account, BUDGET), (f"{self._account}:invitees", INVITEES_BUDGET))
        return ((self._account, BUDGET),)

    def error_for(self, response: httpx.Response) -> ConnectorError:
        return error_for(response)

    def send(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return super().send(method, path_of(path), json=json, params=params, headers=headers)


def path_of(uri: str) -> str:
    """A resource URI's path; Calendly's URIs are names, the base URL says where to ask."""
    if uri.startswith(api.PUBLIC_API + "/"):
        return uri[len(api.PUBLIC_API) :]
    if uri.startswith("/"):
        return uri
    raise ValueError(f"not a Calendly API URI: {uri!r}")


def parse(model: type[_W], response: httpx.Response) -> _W:
    return parse_response(VENDOR, model, response)


def error_body(response: httpx.Response) -> api.ErrorBody:
    try:
        return api.ErrorBody.model_validate_json(response.content)
    except ValidationError:
        return api.ErrorBody()


def error_for(response: httpx.Response) -> ConnectorError:
    message = error_message(response)
    if response.status_code == 429:
        return RateLimited(VENDOR, message, retry_after=retry_after(response.headers))
    return classify(VENDOR, response, message)


def retry_after(headers: httpx.Headers) -> float:
    if headers.get("retry-after"):
        return parse_retry_after(
            headers["retry-after"], now=lambda: datetime.now(UTC), default=DEFAULT_WAIT
        )
    reset = header_seconds(headers.get("x-ratelimit-reset"))
    return DEFAULT_WAIT if reset is None else min(reset, MAX_RETRY_AFTER)


def error_message(response: httpx.Response) -> str:
    body = error_body(response)
    if not body.title and not body.message:
        return f"HTTP {response.status_code}"
    details = "; ".join(
        f"{d.parameter + ': ' if d.parameter else ''}{d.message or d.code or ''}"
        for d in body.details
    )
    text = f"HTTP {response.status_code}: {body.title}: {body.message}"
    return f"{text} ({details})" if details else text
