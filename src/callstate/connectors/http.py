"""The one httpx client builder and the one status → error classification."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

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
