"""The shared request budget: never more than the vendor's limit in any window, on both stores."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from callstate.domain.budget import Budget
from callstate.storage.throttle import Throttle

HUBSPOT = Budget(limit=100, window_seconds=10.0)


def granted_in_windows(times: list[float], window: float) -> int:
    """The most grants in any window starting at a grant (a rolling window's worst case)."""
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_a_simulated_minute_never_exceeds_the_rolling_limit(engine: Engine) -> None:
    throttle = Throttle(engine)
    now, grants = 1_000.0, []
    while now < 1_060.0:  # a greedy client asking every 20 ms for a minute
        if throttle.take("hubspot:app", HUBSPOT, now) == 0.0:
            grants.append(now)
        now += 0.02
    assert granted_in_windows(grants, 10.0) <= 100
    assert len(grants) >= 0.9 * 100 * 6 - 100  # ≥ 90 % of the limit, sustained


def test_a_refusal_says_how_long_to_wait_and_takes_nothing(engine: Engine) -> None:
    throttle = Throttle(engine)
    search = Budget(limit=5, window_seconds=1.0)
    assert throttle.take("hubspot:search", search, 0.0) == 0.0
    wait = throttle.take("hubspot:search", search, 0.0)
    assert 0 < wait <= 1.0
    assert throttle.take("hubspot:search", search, wait) == 0.0
    assert throttle.take("other-account:search", search, 0.0) == 0.0  # buckets are per key


def test_concurrent_takers_share_one_bucket(engine: Engine) -> None:
    throttle = Throttle(engine)
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda _: throttle.take("k", HUBSPOT, 5_000.0), range(40)))
    assert waits.count(0.0) == HUBSPOT.capacity  # the burst, and not one more


def test_a_late_taker_does_not_turn_the_refill_clock_back(engine: Engine) -> None:
    throttle = Throttle(engine)
    budget = Budget(limit=20, window_seconds=10.0)  # bucket of 1, ~1.8 per second
    assert throttle.take("k", budget, 100.0) == 0.0
    assert throttle.take("k", budget, 101.0) == 0.0  # refilled by then
    # A taker that read the clock at 100.5 but got the lock after the one at 101.0:
    assert throttle.take("k", budget, 100.5) > 0.0
    assert throttle.take("k", budget, 101.0) > 0.0  # still empty: no second credit for 100.5-101


def test_concurrent_batch_takers_never_take_more_than_the_bucket_holds(engine: Engine) -> None:
    throttle = Throttle(engine)
    assert throttle.take_up_to("k", HUBSPOT, 7_000.0, 1) == (1, 0.0)  # the bucket exists
    with ThreadPoolExecutor(8) as pool:
        takes = list(pool.map(lambda _: throttle.take_up_to("k", HUBSPOT, 7_000.0, 3), range(24)))
    granted = sum(n for n, _wait in takes)
    assert granted == HUBSPOT.capacity - 1  # what was left, to the token
    assert all(wait > 0 for n, wait in takes if n == 0)
    # Half a second later it has refilled by half of per_second tokens (4.6), no more.
    later = [throttle.take_up_to("k", HUBSPOT, 7_000.5, 3)[0] for _ in range(10)]
    assert sum(later) == int(HUBSPOT.per_second * 0.5) == 4


def test_a_take_leaves_the_connection_committing_durably(engine: Engine) -> None:
    """The one-statement take relaxes its own commit only (PostgreSQL): the pooled connection
    goes back with the server's `synchronous_commit`."""
    throttle = Throttle(engine)
    for _ in range(3):  # the first creates the bucket; the next take from it in one statement
        assert throttle.take("hubspot:app", HUBSPOT, 1_000.0) == 0.0
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:  # the pool's one idle connection: the same one
            setting = connection.exec_driver_sql("SHOW synchronous_commit").scalar_one()
        assert setting == "on"
