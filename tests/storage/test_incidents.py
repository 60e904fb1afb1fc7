"""Incidents on both stores: one open incident per key however many workers record at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from callstate.storage.incidents import Incidents

KEY = "effect:hubspot:log_call"
T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def record(incidents: Incidents, n: int, workspace: str = "acme") -> str:
    return incidents.record(
        workspace,
        KEY,
        title="log_call failing at hubspot",
        detail=f"hubspot: 400 Property values were not valid (call {n})",
        subject=f"call {n}",
        now=T0 + timedelta(seconds=n),
    )


def test_concurrent_failures_open_one_incident_and_count_them_all(engine: Engine) -> None:
    incidents = Incidents(engine)
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = set(pool.map(lambda n: record(incidents, n), range(40)))
    assert len(ids) == 1
    alert = incidents.get(ids.pop())
    assert alert is not None
    assert alert.occurrences == 40
    assert not alert.is_resolved()


def test_resolving_closes_it_and_the_next_failure_opens_a_new_one(engine: Engine) -> None:
    incidents = Incidents(engine)
    first = record(incidents, 1)
    assert record(incidents, 2) == first
    assert incidents.resolve("other", [KEY], resolution="x", now=T0) == []  # per workspace
    assert incidents.resolve("acme", [KEY], resolution="succeeded again", now=T0) == [first]
    assert incidents.resolve("acme", [KEY], resolution="again", now=T0) == []  # idempotent
    resolved = incidents.get(first)
    assert resolved is not None and resolved.resolution == "succeeded again"
    assert resolved.occurrences == 2
    second = record(incidents, 3)
    assert second != first
    assert incidents.close(second, resolution="quiet", now=T0) is True
    assert incidents.close(second, resolution="quiet", now=T0) is False


def test_workspaces_have_their_own_incidents(engine: Engine) -> None:
    incidents = Incidents(engine)
    assert record(incidents, 1, "acme") != record(incidents, 1, "globex")
