"""The ops checks: signature-failure storms and a stale do-not-call registry become incidents,
counted once per period whichever worker runs, and resolve when they clear. `now` is passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from callstate.config.load import load_workspaces
from callstate.config.model import DncPolicy, SignatureAlerts, Workspace
from callstate.execution.ops_checks import REGISTRY_KEY, OpsChecks, period_start
from callstate.execution.services import Services

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a 15-minute period starts here


def acme(**changes: Any) -> Workspace:
    return load_workspaces(None, {}, sandbox=True)["acme"].model_copy(update=changes)


def inbound_only(workspace: Workspace) -> Workspace:
    kept = tuple(
        a for a in workspace.audiences if a.agent is None or a.agent.direction == "inbound"
    )
    return workspace.model_copy(update={"audiences": kept})


class Told(list[str]):
    def __call__(self, incident_id: str) -> None:
        self.append(incident_id)


def services_with(engine: Engine, *workspaces: Workspace) -> Services:
    return Services(
        engine=engine,
        workspaces={w.id: w for w in workspaces},
        connectors={},
        clock=lambda: T0,
    )


@pytest.fixture
def quiet_registry() -> Workspace:
    """acme, with the registry question out of the way of the signature tests."""
    return acme(dnc=DncPolicy(registry_required=False))


def refuse(services: Services, n: int, at: datetime, source: str = "retell") -> None:
    for _ in range(n):
        services.signature_failures.count("acme", source, at)


def test_the_threshold_opens_one_incident(engine: Engine, quiet_registry: Workspace) -> None:
    services = services_with(engine, quiet_registry)
    told = Told()
    checks = OpsChecks(services, told)
    refuse(services, 9, T0)
    assert checks.run("acme", T0 + timedelta(seconds=30)).recorded == []
    refuse(services, 1, T0 + timedelta(minutes=1))
    report = checks.run("acme", T0 + timedelta(minutes=1, seconds=5))
    assert report.recorded == ["signature:retell"]
    [incident_id] = told
    alert = services.incidents.get(incident_id)
    assert alert is not None
    assert (alert.title, alert.occurrences) == ("retell signatures failing", 1)
    assert alert.detail.startswith("10 retell requests refused in the last 15 min")


def test_a_steady_storm_counts_once_per_window_on_any_number_of_workers(
    engine: Engine, quiet_registry: Workspace
) -> None:
    services = services_with(engine, quiet_registry)
    told = Told()
    workers = [OpsChecks(services, told), OpsChecks(services, told)]
    for minute in range(45):  # 3 windows of 20 refusals a minute, checked by both every minute
        now = T0 + timedelta(minutes=minute)
        refuse(services, 20, now)
        for worker in workers:
            worker.run("acme", now + timedelta(seconds=10))
    assert len(told) == 3 and len(set(told)) == 1  # one incident, told once per occurrence
    alert = services.incidents.get(told[0])
    assert alert is not None and alert.occurrences == 3
    assert alert.detail.startswith("300 retell requests refused")  # the last window's count


def test_the_window_slides_and_an_emptied_window_resolves(
    engine: Engine, quiet_registry: Workspace
) -> None:
    services = services_with(engine, quiet_registry)
    told = Told()
    checks = OpsChecks(services, told)
    refuse(services, 6, T0 + timedelta(minutes=13))  # 6 + 6 across a period boundary: one
    refuse(services, 6, T0 + timedelta(minutes=16))  # window of the last 15 minutes sees 12
    assert checks.run("acme", T0 + timedelta(minutes=16, seconds=1)).recorded == [
        "signature:retell"
    ]
    still = checks.run("acme", T0 + timedelta(minutes=27, seconds=59))  # minute 13 still in
    assert still.resolved == []
    cleared = checks.run("acme", T0 + timedelta(minutes=28))  # minute 13 has left the window
    assert cleared.resolved == told
    alert = services.incidents.get(told[0])
    assert alert is not None and alert.resolution is not None
    assert alert.resolution.startswith("signatures verify again")


def test_senders_and_workspaces_are_counted_apart(
    engine: Engine, quiet_registry: Workspace
) -> None:
    summit = load_workspaces(None, {}, sandbox=True)["summit"].model_copy(
        update={"dnc": DncPolicy(registry_required=False)}
    )
    services = services_with(engine, quiet_registry, summit)
    told = Told()
    refuse(services, 5, T0, "retell")
    refuse(services, 5, T0, "calcom")
    for _ in range(9):
        services.signature_failures.count("summit", "retell", T0)
    checks = OpsChecks(services, told)  # run_all reads services.clock: T0
    assert [(r.workspace, r.recorded) for r in checks.run_all()] == [("acme", []), ("summit", [])]
    services.signature_failures.count("summit", "retell", T0)
    assert [r.recorded for r in checks.run_all()] == [[], ["signature:retell"]]
    alert = services.incidents.get(told[0])
    assert alert is not None and alert.workspace == "summit"


def test_the_threshold_and_window_come_from_the_workspace(engine: Engine) -> None:
    workspace = acme(
        dnc=DncPolicy(registry_required=False),
        signature_alerts=SignatureAlerts(threshold=3, window_minutes=1),
    )
    services = services_with(engine, workspace)
    told = Told()
    checks = OpsChecks(services, told)
    refuse(services, 3, T0, "calendly")
    assert checks.run("acme", T0).recorded == ["signature:calendly"]
    alert = services.incidents.get(told[0])
    assert alert is not None and "in the last 1 min" in alert.detail
    assert checks.run("acme", T0 + timedelta(minutes=1)).resolved == told


def test_a_never_imported_registry_alerts_once_per_period_until_imported(
    engine: Engine,
) -> None:
    services = services_with(engine, acme(dnc=DncPolicy()))  # outbound audience: required
    told = Told()
    checks = OpsChecks(services, told)
    assert checks.run("acme", T0).recorded == [REGISTRY_KEY]
    assert checks.run("acme", T0 + timedelta(minutes=1)).recorded == []
    alert = services.incidents.get(told[0])
    assert alert is not None
    assert alert.title == "No do-not-call registry imported"
    assert "callstate dnc import --workspace acme" in alert.detail
    half_quiet = timedelta(seconds=services.alerts.quiet_seconds / 2)
    later = period_start(T0, half_quiet.total_seconds()) + half_quiet
    assert checks.run("acme", later).recorded == [REGISTRY_KEY]  # still stale: counted again
    services.dnc.record_import("acme", numbers=12, source="national 2026-11", now=later)
    resolved = checks.run("acme", later + timedelta(minutes=1)).resolved
    assert resolved == [told[0]] and len(set(told)) == 1
    alert = services.incidents.get(told[0])
    assert alert is not None and alert.occurrences == 2
    assert alert.resolution is not None and "national 2026-11, 12 numbers" in alert.resolution


def test_a_copy_older_than_the_limit_is_stale(engine: Engine) -> None:
    services = services_with(engine, acme(dnc=DncPolicy(registry_max_age_days=31)))
    services.dnc.record_import("acme", numbers=5, source="national", now=T0)
    told = Told()
    checks = OpsChecks(services, told)
    assert checks.run("acme", T0 + timedelta(days=31)).recorded == []  # 31 days: still fresh
    stale = checks.run("acme", T0 + timedelta(days=31, seconds=1))
    assert stale.recorded == [REGISTRY_KEY]
    alert = services.incidents.get(told[0])
    assert alert is not None
    assert alert.title == "Do-not-call registry copy is stale"
    assert alert.detail.startswith("last import 2026-11-24 (national) is 31 days old")


def test_no_registry_needed_without_outbound_calls(engine: Engine) -> None:
    workspace = inbound_only(acme(dnc=DncPolicy()))
    assert not workspace.registry_required
    assert acme(dnc=DncPolicy()).registry_required  # it has an outbound audience
    services = services_with(engine, workspace)
    told = Told()
    assert OpsChecks(services, told).run("acme", T0).recorded == []
    assert told == []


def test_an_open_registry_incident_resolves_when_no_longer_required(engine: Engine) -> None:
    required = services_with(engine, acme(dnc=DncPolicy(registry_required=True)))
    told = Told()
    OpsChecks(required, told).run("acme", T0)
    relaxed = services_with(engine, acme(dnc=DncPolicy(registry_required=False)))
    assert OpsChecks(relaxed, told).run("acme", T0 + timedelta(minutes=1)).resolved == told
