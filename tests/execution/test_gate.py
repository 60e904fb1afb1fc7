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
