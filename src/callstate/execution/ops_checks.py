"""Periodic operations checks that open (and resolve) incidents no call event would raise.

Two per workspace, every `CALLSTATE_OPS_CHECK_SECONDS` on each worker (and on demand):

- **Signature failures**: refusals of one sender (Retell, Cal.com, Calendly, Slack) in the last
  `signature_alerts.window_minutes` reaching `signature_alerts.threshold` open incident
  `signature:<sender>`; the window falling under the threshold resolves it.
- **A stale do-not-call registry**: a workspace that must scrub against the national registry
  (`Workspace.registry_required`) whose newest import is older than `dnc.registry_max_age_days`,
  or that never imported one, opens `dnc:registry-stale`; a fresh import resolves it.

A check runs every minute on every worker, but an occurrence is counted at most once per period
(`OpsMarks.claim`): once per signature window during a storm, once per half the alerts' quiet
spell while the registry stays stale (so the watcher never closes a still-stale incident as
"quiet"). A crash between recording an occurrence and starting its watcher leaves that alert to
the next period's occurrence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from callstate.config.model import Workspace
from callstate.execution.services import Services
from callstate.storage.ops_marks import OpsMarks
from callstate.storage.signature_failures import SignatureSource, window

log = logging.getLogger(__name__)
REGISTRY_KEY = "dnc:registry-stale"
_KEEP = timedelta(days=2)  # counts and marks older than this are never read again


def signature_key(source: SignatureSource) -> str:
    return f"signature:{source.value}"


def period_start(now: datetime, seconds: float) -> datetime:
    """The start of the epoch-aligned period of `seconds` that `now` falls in (the same on
    every worker, whatever minute each one's timer fires in)."""
    step = max(60, int(seconds))
    return datetime.fromtimestamp(int(now.timestamp()) // step * step, tz=UTC)


@dataclass
class OpsReport:
    workspace: str
    recorded: list[str] = field(default_factory=list)  # incident keys counted this run
    resolved: list[str] = field(default_factory=list)  # incident ids resolved this run


class OpsChecks:
    """`tell(incident_id)` makes sure the incident's alert workflow runs (the worker starts
    `IncidentWatcher.watch` under `incident_workflow_id`, as call workflows do)."""

    def __init__(self, services: Services, tell: Callable[[str], None]) -> None:
        self._services = services
        self._tell = tell
        self._marks = OpsMarks(services.engine)

    def run_all(self) -> list[OpsReport]:
        now = self._services.clock()
        reports = [self.run(workspace, now) for workspace in self._services.workspaces]
        self._services.signature_failures.prune(now - _KEEP)
        self._marks.prune(now - _KEEP)
        return reports

    def run(self, workspace: str, now: datetime) -> OpsReport:
        config = self._services.workspaces[workspace]
        report = OpsReport(workspace)
        self._signatures(config, now, report)
        self._registry(config, now, report)
        return report

    def _signatures(self, config: Workspace, now: datetime, report: OpsReport) -> None:
        policy = config.signature_alerts
        since, until = window(now, policy.window_minutes)
        totals = self._services.signature_failures.totals(config.id, since, until)
        period = period_start(now, policy.window_minutes * 60)
        quiet = []
        for source in SignatureSource:
            refused = totals.get(source, 0)
            if refused < policy.threshold:
                quiet.append(signature_key(source))
                continue
            detail = (
                f"{refused} {source.value} requests refused in the last "
                f"{policy.window_minutes} min (bad, stale or missing signature): forged "
                "traffic, or a signing secret rotated on one side only"
            )
            self._occurred(
                config.id,
                signature_key(source),
                period,
                title=f"{source.value} signatures failing",
                detail=detail,
                now=now,
                report=report,
            )
        resolution = f"signatures verify again (under {policy.threshold} refusals in the window)"
        report.resolved += self._services.incidents.resolve(
            config.id, quiet, resolution=resolution, now=now
        )

    def _registry(self, config: Workspace, now: datetime, report: OpsReport) -> None:
        services = self._services
        if not config.registry_required:
            report.resolved += services.incidents.resolve(
                config.id, [REGISTRY_KEY], resolution="registry no longer required", now=now
            )
            return
        last = services.dnc.last_import(config.id)
        max_age = timedelta(days=config.dnc.registry_max_age_days)
        if last is not None and now - last.imported_at <= max_age:
            when = last.imported_at.strftime("%Y-%m-%d %H:%M UTC")
            report.resolved += services.incidents.resolve(
                config.id,
                [REGISTRY_KEY],
                resolution=f"registry imported {when} ({last.source}, {last.numbers} numbers)",
                now=now,
            )
            return
        if last is None:
            title = "No do-not-call registry imported"
            detail = "never imported: outbound calls need a national registry copy"
        else:
            title = "Do-not-call registry copy is stale"
            age = (now - last.imported_at).days
            detail = f"last import {last.imported_at:%Y-%m-%d} ({last.source}) is {age} days old"
        detail += (
            f"; the limit is {config.dnc.registry_max_age_days} days. "
            f"Run `callstate dnc import --workspace {config.id} FILE`."
        )
        period = period_start(now, services.alerts.quiet_seconds / 2)
        self._occurred(
            config.id, REGISTRY_KEY, period, title=title, detail=detail, now=now, report=report
        )

    def _occurred(
        self,
        workspace: str,
        key: str,
        period: datetime,
        *,
        title: str,
        detail: str,
        now: datetime,
        report: OpsReport,
    ) -> None:
        """Count one occurrence of `key` for `period`, unless a run (here or on another
        worker) already did, and make sure its alert runs."""
        if not self._marks.claim(workspace, key, period):
            return
        incident_id = self._services.incidents.record(
            workspace, key, title=title, detail=detail, subject=None, now=now
        )
        report.recorded.append(key)
        log.warning("ops incident %s in %s: %s", key, workspace, detail)
        self._tell(incident_id)
