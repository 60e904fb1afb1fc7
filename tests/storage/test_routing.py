"""Round-robin counts on both stores: every recorded assignment counted once, even raced."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

from sqlalchemy import Engine

from callstate.policy.owners import Candidate, order
from callstate.storage.routing import OwnerCounters

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
ANA, BEN, CY = "ana@acme.test", "ben@acme.test", "cy@acme.test"


def test_counts_start_empty_and_each_record_adds_one(engine: Engine) -> None:
    counters = OwnerCounters(engine)
    assert counters.assigned("acme", "inbound") == {}
    assert counters.record("acme", "inbound", ANA, T0) == 1
    assert counters.record("acme", "inbound", ANA, T0) == 2
    assert counters.record("acme", "inbound", BEN, T0) == 1
    assert counters.assigned("acme", "inbound") == {ANA: 2, BEN: 1}


def test_pools_and_workspaces_count_apart(engine: Engine) -> None:
    counters = OwnerCounters(engine)
    counters.record("acme", "inbound", ANA, T0)
    counters.record("acme", "outbound", ANA, T0)
    counters.record("globex", "inbound", ANA, T0)
    counters.record("acme", "inbound", ANA, T0)
    assert counters.assigned("acme", "inbound") == {ANA: 2}
    assert counters.assigned("acme", "outbound") == {ANA: 1}
    assert counters.assigned("globex", "inbound") == {ANA: 1}
    assert counters.assigned("globex", "outbound") == {}


def test_twenty_workers_recording_at_once_count_exactly(engine: Engine) -> None:
    counters = OwnerCounters(engine)
    owners = [ANA, BEN, CY]
    start = Barrier(20, timeout=60)

    def worker(n: int) -> list[tuple[str, int]]:
        start.wait()  # all twenty reach the first insert together
        seen = []
        for i in range(5):
            owner = owners[(n + i) % 3]
            seen.append((owner, counters.record("acme", "inbound", owner, T0)))
        return seen

    with ThreadPoolExecutor(20) as pool:
        results = [r for batch in pool.map(worker, range(20)) for r in batch]
    expected = Counter(owner for owner, _ in results)
    assert sum(expected.values()) == 100
    assert counters.assigned("acme", "inbound") == dict(expected)
    for owner, total in expected.items():  # every new count handed out exactly once
        assert sorted(n for o, n in results if o == owner) == list(range(1, total + 1))


def test_stored_counts_keep_the_policy_fair(engine: Engine) -> None:
    """The booking loop as the tool runs it: read the counts, take the first, record it."""
    counters = OwnerCounters(engine)
    pool = [Candidate(ANA, 3), Candidate(BEN, 1), Candidate(CY, 2)]
    for n in range(12):
        taker = order(pool, counters.assigned("acme", "inbound"), sticky=None)[0]
        counters.record("acme", "inbound", taker, T0 + timedelta(minutes=n))
    assert counters.assigned("acme", "inbound") == {ANA: 6, BEN: 2, CY: 4}
