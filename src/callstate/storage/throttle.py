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
        with self._engine.begin() as connection:
            locked = (
                select(RateBucketRow.tokens, RateBucketRow.updated)
                .where(RateBucketRow.key == key)
                .with_for_update()
            )
            row = connection.execute(locked).first()
            if row is None:
                try:
                    with connection.begin_nested():
                        connection.execute(
                            insert(RateBucketRow).values(
                                key=key, tokens=budget.capacity - 1, updated=now
                            )
                        )
                    return 0.0
                except IntegrityError:  # another process created it first: take from it
                    row = connection.execute(locked).one()
            elapsed = max(0.0, now - float(row.updated))
            tokens = min(budget.capacity, float(row.tokens) + elapsed * budget.per_second)
            if tokens < 1.0:
                return (1.0 - tokens) / budget.per_second
            # `now` was read before the lock: a taker that waited behind a later one must not
            # move the refill clock back, or the same seconds would be credited twice.
            connection.execute(
                update(RateBucketRow)
                .where(RateBucketRow.key == key)
                .values(tokens=tokens - 1.0, updated=max(now, float(row.updated)))
            )
            return 0.0
