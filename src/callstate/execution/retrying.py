"""Durable retries of one vendor call inside a DBOS workflow, for the workflows that are not a
call's plan (alerts, digests, review actions): a rate limit waits `Retry-After` (or the backoff,
whichever is longer), a transient error backs off, and every wait is a `DBOS.sleep`, so a crash
resumes the count instead of restarting it. `work` is a DBOS step: each try is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from dbos import DBOS

from callstate.connectors.errors import ConnectorError, RateLimited, Transient
from callstate.execution.services import RetryPolicy

log = logging.getLogger(__name__)
ATTEMPTS = 8
_T = TypeVar("_T")


class GaveUpError(Exception):
    """Every try was rate limited or failed transiently."""


def retrying(
    policy: RetryPolicy, key: str, work: Callable[[], _T], *, attempts: int = ATTEMPTS
) -> _T:
    """`work()`'s result. Raises `GaveUpError` after `attempts` transient failures, and any
    other `ConnectorError` (a refusal: retrying repeats it) at once. `key` spreads the jitter."""
    error: ConnectorError | None = None
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except RateLimited as exc:
            error, delay = exc, max(exc.retry_after, policy.delay(attempt, key))
        except Transient as exc:
            error, delay = exc, policy.delay(attempt, key)
        if attempt < attempts:
            DBOS.sleep(delay)
    raise GaveUpError(f"gave up after {attempts} tries: {error}")


def delivered(policy: RetryPolicy, key: str, write: Callable[[], _T], *, what: str) -> _T | None:
    """A message that must not stop its workflow: retried as `retrying` does; refused (the
    channel is gone, a scope is missing) or given up on, it is logged and None is returned."""
    try:
        return retrying(policy, key, write)
    except (ConnectorError, GaveUpError) as exc:
        log.warning("%s not delivered: %s", what, exc)
        return None
