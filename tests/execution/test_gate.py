"""The shared request budget in front of a vendor: waits, then refuses long waits durably."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from callstate.connectors.errors import RateLimited
from callstate.connectors.gohighlevel.client import GoHighLevelHttp
from callstate.connectors.hubspot.client import HubSpotHttp
from callstate.domain.budget import Budget
from callstate.execution.gate import RequestGate
from callstate.sandbox.gohighlevel import GoHighLevelRateLimit
from callstate.sandbox.gohighlevel.seeds import SANDBOX_LOCATION_ID, SANDBOX_TOKEN
from callstate.sandbox.hubspot import HubSpotRateLimit
from callstate.storage.throttle import Throttle


class FakeTime:
    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_short_waits_are_slept_long_ones_become_rate_limited(engine: Engine) -> None:
    time = FakeTime()
    gate = RequestGate(Throttle(engine), clock=lambda: time.now, sleep=time.sleep, max_wait=1.0)
    budget = Budget(limit=20, window_seconds=10.0)  # a bucket of 1, ~1.8 per second
    gate("hubspot:acct:api", budget)
    gate("hubspot:acct:api", budget)
    assert len(time.slept) == 1 and 0 < time.slept[0] < 1.0
    slow = Budget(limit=2, window_seconds=10.0)  # one request per ~10 s
    gate("hubspot:other:api", slow)
    with pytest.raises(RateLimited) as refused:
        gate("hubspot:other:api", slow)
    assert refused.value.vendor == "hubspot" and refused.value.retry_after > 1.0


def test_a_burst_through_the_gate_gets_no_429(
    engine: Engine, make_sandbox: Callable[..., str]
) -> None:
    limit = HubSpotRateLimit(max_per_interval=20, interval_seconds=1.0)
    base = make_sandbox(hubspot_rate_limit=limit) + "/hubspot"
    http = HubSpotHttp(base, "sandbox", gate=RequestGate(Throttle(engine)), budget=Budget(20, 1.0))
    try:
        for _ in range(50):  # 2.5 windows' worth, as fast as the gate lets them go
            response = http.request("GET", "/crm/v3/objects/contacts", params={"limit": "1"})
            assert response is not None and response.status_code == 200
    finally:
        http.close()


def test_a_gohighlevel_burst_through_the_gate_gets_no_429(
    engine: Engine, make_sandbox: Callable[..., str]
) -> None:
    limit = GoHighLevelRateLimit(max_per_interval=20, interval_seconds=1.0)
    base = make_sandbox(gohighlevel_rate_limit=limit) + "/gohighlevel"
    gate = RequestGate(Throttle(engine))
    http = GoHighLevelHttp(base, SANDBOX_TOKEN, gate=gate, budget=Budget(20, 1.0))
    try:
        for _ in range(50):
            response = http.request("GET", f"/locations/{SANDBOX_LOCATION_ID}")
            assert response.status_code == 200
    finally:
        http.close()


def rolling_max(times: list[float], window: float) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


@pytest.mark.parametrize(
    "budget",
    [Budget(limit=100, window_seconds=10.0), Budget(limit=5, window_seconds=1.0)],
    ids=["hubspot", "search"],
)
def test_spare_tokens_never_push_a_window_over_the_limit(engine: Engine, budget: Budget) -> None:
    """A greedy process spending its spare tokens as late as they last still stays under the
    vendor's rolling limit."""
    time = FakeTime()
    gate = RequestGate(Throttle(engine), clock=lambda: time.now, sleep=time.sleep, max_wait=60)
    used: list[float] = []
    end = time.now + 6 * budget.window_seconds
    late = budget.reservation_seconds * 0.99
    while time.now < end:
        gate("hubspot:acct:api", budget)
        used.append(time.now)
        time.now += late if len(used) % 3 else 0.001  # spend spares at the last moment
    assert rolling_max(used, budget.window_seconds) <= budget.limit
    assert (
        len(used) >= 0.5 * budget.limit * 5
    )  # the client paced itself; the gate did not starve it


def test_one_transaction_serves_a_lookup_of_three_requests(engine: Engine) -> None:
    calls: list[int] = []

    class Counting(Throttle):
        def take_up_to(self, key: str, budget: Budget, now: float, want: int) -> tuple[int, float]:
            calls.append(want)
            return super().take_up_to(key, budget, now, want)

    time = FakeTime()
    gate = RequestGate(Counting(engine), clock=lambda: time.now, sleep=time.sleep)
    hubspot = Budget(limit=100, window_seconds=10.0)
    for _ in range(3):
        gate("hubspot:acct:api", hubspot)
    assert calls == [3]
    time.now += hubspot.reservation_seconds  # the spares are gone by then
    gate("hubspot:acct:api", hubspot)
    assert calls == [3, 3]
