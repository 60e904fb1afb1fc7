"""HubSpot emulator rate limits: the 10-second burst window, the separate 5-per-second search
limit (429 `policyName: SECONDLY`, never `X-HubSpot-RateLimit-*` headers on search) and the daily
budget both share (research/crm.md §0.3, §1.2)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from starlette.types import ASGIApp

from callstate.sandbox.hubspot import HubSpotRateLimit
from tests.sandbox.test_hubspot_emulator import AUTH, FakeClock, Spec, serve_hubspot

SEARCH: dict[str, list[object]] = {"filterGroups": []}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limited(
    serve: Callable[[ASGIApp], str], clock: FakeClock
) -> Iterator[tuple[str, httpx.Client]]:
    limit = HubSpotRateLimit(max_per_interval=3, daily=1000)
    base = serve_hubspot(serve, rate_limit=limit, clock=clock)
    with httpx.Client(base_url=f"{base}/hubspot", headers=AUTH, timeout=10) as hub:
        yield base, hub


def rate_headers(response: httpx.Response) -> list[str]:
    return [h for h in response.headers if h.lower().startswith("x-hubspot-ratelimit")]


def test_search_has_its_own_five_per_second_limit(
    limited: tuple[str, httpx.Client], clock: FakeClock, on_spec: Spec
) -> None:
    base, hub = limited
    paths = ["/crm/v3/objects/contacts/search", "/crm/objects/2026-09/deals/search"] * 3
    answers = [hub.post(path, json=SEARCH) for path in paths]
    assert [a.status_code for a in answers] == [200] * 5 + [429]  # one account-wide budget
    refused = answers[-1]
    assert refused.json()["policyName"] == "SECONDLY"
    assert refused.json()["errorType"] == "RATE_LIMIT"
    assert not any(rate_headers(a) for a in answers)  # search never carries the headers
    assert "retry-after" not in refused.headers  # unverified for HubSpot (crm.md §7)

    # The 10-second budget is untouched by search...
    listed = hub.get("/crm/v3/objects/contacts")
    assert listed.status_code == 200
    assert listed.headers["X-HubSpot-RateLimit-Remaining"] == "2"
    # ...and the search window is one second long.
    clock.now += 0.5
    assert hub.post(paths[0], json=SEARCH).status_code == 429
    clock.now += 0.51
    assert hub.post(paths[0], json=SEARCH).status_code == 200
    on_spec(base, "hubspot")


def test_a_spent_ten_second_window_leaves_search_alone(
    limited: tuple[str, httpx.Client], clock: FakeClock, on_spec: Spec
) -> None:
    base, hub = limited
    assert [hub.get("/crm/v3/pipelines/deals").status_code for _ in range(4)] == [
        200,
        200,
        200,
        429,
    ]
    refused = hub.get("/crm/owners/2026-09")
    assert refused.status_code == 429
    assert refused.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert hub.post("/crm/v3/objects/calls/search", json=SEARCH).status_code == 200
    clock.now += 10.0
    assert hub.get("/automation/v4/sequences", params={"userId": "9001"}).status_code == 200
    on_spec(base, "hubspot")


def test_search_counts_toward_the_daily_budget(
    serve: Callable[[ASGIApp], str], clock: FakeClock, on_spec: Spec
) -> None:
    base = serve_hubspot(serve, rate_limit=HubSpotRateLimit(daily=3), clock=clock)
    with httpx.Client(base_url=f"{base}/hubspot", headers=AUTH, timeout=10) as hub:
        assert hub.post("/crm/v3/objects/contacts/search", json=SEARCH).status_code == 200
        first = hub.get("/crm/v3/objects/contacts")
        assert first.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "1"
        assert hub.post("/crm/v3/objects/deals/search", json=SEARCH).status_code == 200
        spent = [
            hub.get("/crm/v3/owners"),
            hub.post("/crm/v3/objects/contacts/search", json=SEARCH),
        ]
        assert [r.status_code for r in spent] == [429, 429]
        assert [r.json()["policyName"] for r in spent] == ["DAILY", "DAILY"]
        assert rate_headers(spent[0]) and not rate_headers(spent[1])
    on_spec(base, "hubspot")


def test_limits_pass_through_create_sandbox_app(
    make_sandbox: Callable[..., str], on_spec: Spec
) -> None:
    limit = HubSpotRateLimit(max_per_interval=1, search_per_second=1)
    base = make_sandbox(hubspot_rate_limit=limit)
    with httpx.Client(base_url=f"{base}/hubspot", headers=AUTH, timeout=10) as hub:
        searches = [hub.post("/crm/v3/objects/contacts/search", json=SEARCH) for _ in range(2)]
        # Back to back on loopback: well inside one second.
        assert [s.status_code for s in searches] == [200, 429]
        assert searches[1].json()["policyName"] == "SECONDLY"
        gets = [hub.get("/crm/v3/objects/contacts") for _ in range(2)]
        assert [g.status_code for g in gets] == [200, 429]
        assert gets[1].json()["policyName"] == "TEN_SECONDLY_ROLLING"
    on_spec(base, "hubspot")


def test_without_a_limit_nothing_is_refused(sandbox: str, on_spec: Spec) -> None:
    with httpx.Client(base_url=f"{sandbox}/hubspot", headers=AUTH, timeout=10) as hub:
        answers = [hub.post("/crm/v3/objects/deals/search", json=SEARCH) for _ in range(8)]
        assert {a.status_code for a in answers} == {200}
        assert hub.get("/crm/v3/objects/deals").headers["X-HubSpot-RateLimit-Max"] == "100"
    on_spec(sandbox, "hubspot")
