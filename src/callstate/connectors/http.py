"""The one httpx client builder, the one status → error classification, and `VendorHttp`: one
vendor account's session (budget spent before each request, transport failures as `Transient`,
non-2xx as the vendor's classified error, 2xx bodies parsed into wire models)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from callstate.connectors.errors import ConnectorError, Permanent, RateLimited, Transient
from callstate.domain.budget import Budget

# Called before each request with (bucket key, the vendor's budget); returns when the request
# may go, raises `RateLimited` when the wait is long. Shared by every process (execution.gate).
Gate = Callable[[str, Budget], None]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_RETRY_AFTER = 3600.0


def build_client(
    base_url: str,
    *,
    headers: dict[str, str],
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """A client for one vendor account: its own token, never shared across workspaces."""
    return httpx.Client(
        base_url=base_url,
        headers={"user-agent": "callstate", **headers},
        timeout=timeout,
        transport=transport,
        follow_redirects=False,
    )


_W = TypeVar("_W", bound=BaseModel)


def account_key(vendor: str, token: str) -> str:
    """Names a vendor account's request budget without the token: the budget belongs to the
    token's account, so two workspaces on one token share it."""
    return f"{vendor}:{hashlib.sha256(token.encode()).hexdigest()[:16]}"


def parse_response(vendor: str, model: type[_W], response: httpx.Response) -> _W:
    """A 2xx body in the wire model; a body that does not fit is the vendor's change, not ours
    to retry."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as exc:
        raise Permanent(vendor, f"unexpected response shape: {exc}") from exc


def parse_retry_after(value: str | None, *, now: Callable[[], datetime], default: float) -> float:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP date), capped."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        seconds = (when - now()).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def classify(vendor: str, response: httpx.Response, message: str) -> ConnectorError:
    """429 → RateLimited, 408/5xx → Transient, other 4xx → Permanent."""
    status = response.status_code
    if status == 429:
        retry_after = parse_retry_after(
            response.headers.get("retry-after"), now=lambda: datetime.now(UTC), default=10.0
        )
        return RateLimited(vendor, message, retry_after=retry_after)
    if status == 408 or status >= 500:
        return Transient(vendor, message, status=status)
    return Permanent(vendor, message, status=status)


@contextmanager
def transport_errors(vendor: str) -> Iterator[None]:
    """Network failures are transient: the request may or may not have been applied."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise Transient(vendor, f"timed out: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        raise Transient(vendor, f"connection failed: {type(exc).__name__}: {exc}") from exc


def header_seconds(value: str | None) -> float | None:
    """A non-negative number from a rate-limit header (`X-RateLimit-Reset…`), or None."""
    try:
        return None if value is None else max(float(value), 0.0)
    except ValueError:
        return None


class VendorHttp:
    """One vendor account over HTTP. Subclasses set `vendor`, say which budgets a request
    spends (`buckets`) and how an error response reads (`error_for`); no retries here: the
    executor owns them."""

    vendor: str

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str],
        transport: httpx.BaseTransport | None = None,
        gate: Gate | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._gate = gate
        self._client = build_client(self.base_url, headers=headers, transport=transport)

    def close(self) -> None:
        self._client.close()

    def buckets(self, method: str, path: str) -> Sequence[tuple[str, Budget]]:
        """The (bucket key, budget) pairs this request spends."""
        raise NotImplementedError

    def error_for(self, response: httpx.Response) -> ConnectorError:
        return classify(self.vendor, response, f"HTTP {response.status_code}")

    def send(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The response whatever its status, after spending the budgets."""
        if self._gate is not None:
            for key, budget in self.buckets(method, path):
                self._gate(key, budget)
        with transport_errors(self.vendor):
            return self._client.request(method, path, json=json, params=params, headers=headers)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The response on 2xx, else the classified error."""
        response = self.send(method, path, json=json, params=params, headers=headers)
        if response.is_success:
            return response
        raise self.error_for(response)

    def call(
        self,
        model: type[_W],
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> _W:
        response = self.request(method, path, json=json, params=params, headers=headers)
        return parse_response(self.vendor, model, response)

    def find(self, model: type[_W], path: str, params: dict[str, str] | None = None) -> _W | None:
        """GET that treats 404 as "not there"."""
        response = self.send("GET", path, params=params)
        if response.status_code == 404:
            return None
        if not response.is_success:
            raise self.error_for(response)
        return parse_response(self.vendor, model, response)
