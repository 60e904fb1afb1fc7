"""Token buckets in the database: one vendor account's request budget, held across processes.

Vendors count requests per account (HubSpot 100 or 190 per rolling 10 s per app, search 5/s;
GoHighLevel 100 per 10 s per location), not per process: with several workers on one
PostgreSQL, only a shared budget keeps the sum under the limit (research/crm.md §5.2).

The bucket arithmetic is `domain.budget.Budget`. The row is locked for the read-modify-write
(`FOR UPDATE` on PostgreSQL; SQLite serialises writers anyway).
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from callstate.domain.budget import Budget
from callstate.storage.tables import RateBucketRow


class Throttle:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def take(self, key: str, budget: Budget, now: float) -> float:
        """Take one request from the bucket. 0.0: granted. Else the seconds until one is free
        (nothing is taken; call again then)."""
        granted, wait = self.take_up_to(key, budget, now, 1)
        return 0.0 if granted else wait

    def take_up_to(self, key: str, budget: Budget, now: float, want: int) -> tuple[int, float]:
        """Take between one and `want` requests in one transaction: (how many, 0.0), or
        (0, seconds until one is free) with nothing taken."""
        with self._engine.begin() as connection:
            locked = (
                select(RateBucketRow.tokens, RateBucketRow.updated)
                .where(RateBucketRow.key == key)
                .with_for_update()
            )
            row = connection.execute(locked).first()
            granted_new = int(min(want, budget.capacity))
            if row is None:
                try:
                    with connection.begin_nested():
                        connection.execute(
                            insert(RateBucketRow).values(
                                key=key, tokens=budget.capacity - granted_new, updated=now
                            )
                        )
                    return granted_new, 0.0
                except IntegrityError:  # another process created it first: take from it
                    row = connection.execute(locked).one()
            elapsed = max(0.0, now - float(row.updated))
            # Rounded: a taker that slept exactly the wait it was told must not be told to wait
            # a few femtoseconds more (a float clock cannot advance by that little).
            tokens = min(budget.capacity, float(row.tokens) + elapsed * budget.per_second)
            tokens = round(tokens, 9)
            if tokens < 1.0:
                return 0, max((1.0 - tokens) / budget.per_second, 0.001)
            granted = int(min(want, tokens))
            # `now` was read before the lock: a taker that waited behind a later one must not
            # move the refill clock back, or the same seconds would be credited twice.
            connection.execute(
                update(RateBucketRow)
                .where(RateBucketRow.key == key)
                .values(tokens=tokens - granted, updated=max(now, float(row.updated)))
            )
            return granted, 0.0
