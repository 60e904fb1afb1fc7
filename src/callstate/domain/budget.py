"""A vendor's published request limit, as a token bucket that never exceeds it."""

from __future__ import annotations

import math
from dataclasses import dataclass

MARGIN = 0.97  # room for clock and network jitter between us and the vendor's counter


@dataclass(frozen=True, slots=True)
class Budget:
    """`limit` requests per `window_seconds`, the way the vendor counts (a rolling window).

    A token bucket is not a rolling window: a full bucket plus one window's refill could exceed
    the limit. So the bucket holds `capacity` = max(1, 5 % of the limit) and refills at
    (limit - capacity) * MARGIN per window: at most ~97 % of the limit in any window, about
    92 % sustained.
    """

    limit: int
    window_seconds: float

    @property
    def capacity(self) -> float:
        return float(max(1, math.floor(self.limit * 0.05)))

    @property
    def per_second(self) -> float:
        return (self.limit - self.capacity) * MARGIN / self.window_seconds

    @property
    def reservation_seconds(self) -> float:
        """How long a process may hold tokens it took ahead of use. A token spent up to this
        late still keeps every rolling window under the limit: capacity + per_second *
        (window + hold) <= limit holds for hold <= window * (1 / MARGIN - 1); 90 % of that."""
        return self.window_seconds * (1.0 / MARGIN - 1.0) * 0.9
