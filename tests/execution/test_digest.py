"""The worker's digest check: each due (workspace, local day) is started once per process, in
the workspace's zone; the workflow id (`digest:<workspace>:<date>`) is what makes a start by
another process, or after a restart, harmless."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from callstate.execution.digest import DigestScheduler, digest_workflow_id
from callstate.execution.services import Services
from tests.policy.test_inbound import make_workspace


def test_each_due_day_is_started_once_in_its_zone(engine: Engine) -> None:
    acme = make_workspace(digest={"at": "08:00"})  # New York
    tokyo = make_workspace(id="tokyo", timezone="Asia/Tokyo", digest={"at": "08:00"})
    quiet = make_workspace(id="quiet", digest={"at": "08:00", "enabled": False})
    now = [datetime(2026, 3, 8, 11, 0, tzinfo=UTC)]  # 07:00 EDT (DST began at 07:00 UTC)
    services = Services(
        engine=engine,
        workspaces={w.id: w for w in (acme, tokyo, quiet)},
        connectors={},
        clock=lambda: now[0],
    )
    started: list[tuple[str, date]] = []
    scheduler = DigestScheduler(services, lambda ws, day: started.append((ws, day)))
    assert scheduler.run() == ["digest:tokyo:2026-03-07"]  # 20:00 in Tokyo
    now[0] = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)  # 08:00 EDT
    assert scheduler.run() == ["digest:acme:2026-03-07"]
    assert scheduler.run() == []  # the same day again: not restarted by this process
    now[0] = datetime(2026, 3, 8, 23, 0, tzinfo=UTC)  # 08:00 on the 9th in Tokyo
    assert scheduler.run() == ["digest:tokyo:2026-03-08"]
    assert started == [
        ("tokyo", date(2026, 3, 7)),
        ("acme", date(2026, 3, 7)),
        ("tokyo", date(2026, 3, 8)),
    ]
    assert digest_workflow_id("acme", date(2026, 3, 7)) == "digest:acme:2026-03-07"
