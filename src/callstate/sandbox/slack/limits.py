"""Slack's rate limits as the emulator applies them: the per-channel posting limit and the
per-method tiers (research/calendar_slack.md §3.2, §3.3; api.slack.com "Rate limits").

- `chat.postMessage` is "special": about one message per second per channel, short bursts
  tolerated (`ChannelLimiter`, a token bucket per channel).
- Every other method sits in a tier, a per-minute budget per method and workspace: Tier 1
  1/min, Tier 2 20/min, Tier 3 50/min, Tier 4 100/min (`MethodLimiter`, a token bucket per
  method holding a minute's budget, so a burst of the whole budget passes, then one call per
  `60/budget` seconds). Methods Slack calls "special" with generous limits (`auth.test`,
  `chat.getPermalink`) are not limited.

Over a limit the answer is HTTP 429 with `Retry-After: <whole seconds>` and body
`{"ok": false, "error": "ratelimited"}`. Both limiters are off unless a `SlackRateLimit` is
given; the tiers only when it says `method_tiers=True` (or names methods in `per_minute`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
# Tiers from the method pages (research §3.2 table and its sources paragraph).
METHOD_TIERS: dict[str, int] = {
    "chat.update": 3,
    "conversations.history": 3,
    "conversations.info": 3,
    "conversations.list": 2,
    "conversations.open": 3,
    "conversations.replies": 3,
    "files.completeUploadExternal": 4,
    "files.getUploadURLExternal": 4,
    "files.info": 4,
    "users.info": 4,
    "users.list": 2,
    "users.lookupByEmail": 3,
}


@dataclass(frozen=True)
class SlackRateLimit:
    """The emulated limits.

    `per_channel_per_second`/`burst`: chat.postMessage per channel ("1 message per second,
    short bursts tolerated"). `method_tiers`: also enforce the tier budgets of
    `METHOD_TIERS`; `per_minute` overrides or adds budgets by method name (with or without
    the tiers), e.g.
    `{"conversations.history": 1}` for the 2025 limits on non-Marketplace commercial apps
    (research §3.3).
    """

    per_channel_per_second: float = 1.0
    burst: int = 1
    method_tiers: bool = False
    per_minute: Mapping[str, int] = field(default_factory=dict, hash=False)


class RateLimitedError(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after


class _Buckets:
    """Token buckets by key; `take` raises `RateLimitedError` with the whole-second wait."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def take(self, key: str, *, rate: float, burst: float) -> None:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + max(0.0, now - last) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                raise RateLimitedError(max(1.0, math.ceil((1.0 - tokens) / rate)))
            self._buckets[key] = (tokens - 1.0, now)


class ChannelLimiter:
    """chat.postMessage per channel; inert when no `SlackRateLimit` is configured."""

    def __init__(self, limit: SlackRateLimit | None, clock: Callable[[], float]) -> None:
        self._limit = limit
        self._buckets = _Buckets(clock)

    def reset(self) -> None:
        self._buckets.reset()

    def take(self, channel: str) -> None:
        if self._limit is None:
            return
        rate = self._limit.per_channel_per_second
        self._buckets.take(channel, rate=rate, burst=float(self._limit.burst))


class MethodLimiter:
    """Per-method budgets: the tiers when `method_tiers` is set, plus `per_minute`."""

    def __init__(self, limit: SlackRateLimit | None, clock: Callable[[], float]) -> None:
        self._budgets: dict[str, int] = {}
        if limit is not None:
            if limit.method_tiers:
                self._budgets = {m: TIER_PER_MINUTE[t] for m, t in METHOD_TIERS.items()}
            self._budgets.update(limit.per_minute)
        self._buckets = _Buckets(clock)

    def reset(self) -> None:
        self._buckets.reset()

    def take(self, method: str) -> None:
        budget = self._budgets.get(method)
        if budget is None:
            return
        self._buckets.take(method, rate=budget / 60.0, burst=float(budget))
