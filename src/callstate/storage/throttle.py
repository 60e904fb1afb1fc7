"""Token buckets in the database: one vendor account's request budget, held across processes.

Vendors count requests per account (HubSpot 100 or 190 per rolling 10 s per app, search 5/s;
GoHighLevel 100 per 10 s per location), not per process: with several workers on one
PostgreSQL, only a shared budget keeps the sum under the limit (research/crm.md §5.2).

The bucket arithmetic is `domain.budget.Budget`. The row is locked for the read-modify-write
(`FOR UPDATE` on PostgreSQL; SQLite serialises writers anyway).

Every gated vendor request can pass through here, in-call tools included, so on PostgreSQL a
take from an existing bucket with tokens to spare is one statement on its own (`_TAKE`: lock,
refill, spend, in one round trip instead of BEGIN, SELECT, UPDATE and COMMIT). A new bucket or
an empty one takes the transaction below, which creates the row or says how long to wait.

That statement's commit does not wait for the disk: it turns `synchronous_commit` off for its
own transaction, inside the statement, as `dialect.commit_durability` does. A database crash in
the next fraction of a second can lose the last takes, so the vendor may see a few more requests
than the budget in that window, and answers 429, which the connectors honour (Retry-After).
Waiting for the flush on every vendor request would cost more than that rare case.
"""

from __future__ import annotations

from sqlalchemy import Engine, Float, Integer, bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from callstate.domain.budget import Budget
from callstate.storage.tables import RateBucketRow

# The same arithmetic as `take_up_to`'s transaction, in SQL; granted is computed by the statement
# that spends it, so the two can never disagree by a float's last bit.
_TAKE = text(
    """
    WITH durability AS (
        SELECT set_config('synchronous_commit', 'off', true)
    ), bucket AS (
        SELECT tokens, updated FROM rate_buckets, durability WHERE key = :key
        FOR UPDATE OF rate_buckets
    ), refilled AS (
        SELECT round(least(:capacity, tokens + greatest(0.0, :now - updated) * :per_second)
                     ::numeric, 9)::float8 AS tokens,
               updated
        FROM bucket
    )
    UPDATE rate_buckets
    SET tokens = refilled.tokens - least(:want, floor(refilled.tokens)),
        updated = greatest(:now, refilled.updated)
    FROM refilled
    WHERE rate_buckets.key = :key AND refilled.tokens >= 1.0
    RETURNING least(:want, floor(refilled.tokens))::integer AS granted
    """
).bindparams(
    bindparam("capacity", type_=Float),
    bindparam("now", type_=Float),
    bindparam("per_second", type_=Float),
    bindparam("want", type_=Integer),
)


class Throttle:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._one_statement = engine.dialect.name == "postgresql"
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    def take(self, key: str, budget: Budget, now: float) -> float:
        """Take one request from the bucket. 0.0: granted. Else the seconds until one is free
        (nothing is taken; call again then)."""
        granted, wait = self.take_up_to(key, budget, now, 1)
        return 0.0 if granted else wait

    def take_up_to(self, key: str, budget: Budget, now: float, want: int) -> tuple[int, float]:
        """Take between one and `want` requests in one transaction: (how many, 0.0), or
        (0, seconds until one is free) with nothing taken."""
        if self._one_statement:
            with self._autocommit.connect() as connection:
                granted = connection.execute(
                    _TAKE,
                    {
                        "key": key,
                        "capacity": budget.capacity,
                        "now": now,
                        "per_second": budget.per_second,
                        "want": want,
                    },
                ).scalar_one_or_none()
            if granted:
                return int(granted), 0.0
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
