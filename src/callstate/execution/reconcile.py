"""Find calls whose webhooks never arrived and feed them through the inbox, exactly once.

Retell gives up on a webhook after four failed deliveries and never resends it (research/
voice.md §1.7), so a lost `call_ended`/`call_analyzed` must be found with list-calls (§4.6). For
each workspace, calls started since the watermark (less `overlap`, for clock skew and calls
listed late) are listed; a call whose `call_analyzed` is in the inbox is known; a call still
`registered`/`ongoing` is pending; any other call is fetched whole (`get-call`) and its missing
events are built from that object exactly as the webhook would have built them, then recorded.
The inbox's unique key is the dedupe: the dispatcher turns what is new into workflows, and a
second run (or a webhook arriving late) stores nothing twice.

The watermark never passes a call that can still change: it stops at the earliest pending
call's start. Calls not yet listable (still dialling, no `start_timestamp`) start at or after
the run, so when nothing is listed the watermark stops `overlap` before now.

List-calls filters on `start_timestamp`, which a call that never connected (`dial_no_answer`,
`dial_busy`, some errors) never gets, so it is never listed. Our own placed attempts cover
those without relying on anything Retell does not document: each attempt placed within the
lookback whose call has no `call_analyzed` yet is read with `get-call` (at most
`attempts_per_run` a run, earliest first) and recovered the same way; one still live waits for
the next run. A call Retell no longer has (404, or the documented 422 for an unknown id:
deleted, or kept shorter than our lookback) is logged and reported, its attempt marked
unrecoverable, and the run goes on, on either path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog

from callstate.connectors.errors import ConnectorError, Permanent
from callstate.connectors.retell.recovery import listed_call, recovered_events
from callstate.connectors.retell.rest import RetellRest
from callstate.connectors.retell.webhook import MalformedPayloadError
from callstate.domain.call import CallEventType, Runtime
from callstate.domain.ids import event_key
from callstate.execution.services import Services
from callstate.storage.reconcile import ReconcileMarks

log = structlog.get_logger(__name__)

RUNTIME = Runtime.RETELL
LOOKBACK = timedelta(hours=24)
OVERLAP = timedelta(minutes=10)
ATTEMPTS_PER_RUN = 100
# Retell answers an id it does not have with 422 (its OpenAPI document); 404 is kept too.
_GONE = frozenset({404, 422})


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """One workspace's run. `watermark` is where the next run starts (less the overlap);
    None when a vendor error stopped the run and the watermark stayed where it was. `errors`
    holds that vendor error, or call objects too malformed to read (skipped; the run goes on,
    as the webhook would have refused them too). `attempts` counts our placed attempts read
    back with get-call (calls list-calls cannot return); `gone` names calls Retell no longer
    has (skipped, not errors: nothing can be done about them)."""

    workspace: str
    since: datetime
    listed: int = 0
    known: int = 0
    recovered: tuple[str, ...] = ()
    pending: int = 0
    errors: tuple[str, ...] = ()
    watermark: datetime | None = None
    attempts: int = 0
    gone: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "listed": self.listed,
            "known": self.known,
            "recovered": list(self.recovered),
            "pending": self.pending,
            "errors": list(self.errors),
            "attempts": self.attempts,
            "gone": list(self.gone),
        }


@dataclass
class _Tally:
    since: datetime
    listed: int = 0
    known: int = 0
    recovered: list[str] = field(default_factory=list)
    pending: int = 0
    errors: list[str] = field(default_factory=list)
    holds: list[datetime] = field(default_factory=list)
    newest: datetime | None = None
    seen: set[str] = field(default_factory=set)
    attempts: int = 0
    gone: list[str] = field(default_factory=list)

    def saw(self, call_id: str, start: datetime | None) -> None:
        self.listed += 1
        self.seen.add(call_id)
        if start is not None and (self.newest is None or start > self.newest):
            self.newest = start

    def hold(self, start: datetime | None) -> None:
        """A call that can still change: the watermark must not pass its start."""
        self.pending += 1
        self.holds.append(self.since if start is None else start)

    def watermark(self, quiet: datetime) -> datetime:
        if self.holds:
            return min(self.holds)
        return self.newest if self.newest is not None else quiet

    def report(self, workspace: str, watermark: datetime | None) -> ReconcileReport:
        return ReconcileReport(
            workspace=workspace,
            since=self.since,
            listed=self.listed,
            known=self.known,
            recovered=tuple(self.recovered),
            pending=self.pending,
            errors=tuple(self.errors),
            watermark=watermark,
            attempts=self.attempts,
            gone=tuple(self.gone),
        )


class Reconciler:
    def __init__(
        self,
        services: Services,
        *,
        lookback: timedelta = LOOKBACK,
        overlap: timedelta = OVERLAP,
        attempts_per_run: int = ATTEMPTS_PER_RUN,
    ) -> None:
        self._services = services
        self._lookback = lookback
        self._overlap = overlap
        self._attempts_per_run = attempts_per_run
        self._marks = ReconcileMarks(services.engine)

    def run_all(self) -> list[ReconcileReport]:
        """Every workspace in turn; one workspace's vendor failure does not stop the others."""
        return [self.run(workspace) for workspace in sorted(self._services.workspaces)]

    def run(self, workspace_id: str) -> ReconcileReport:
        """Reconcile one workspace. Vendor errors are reported, never raised; safe to repeat."""
        now = self._services.clock()
        mark = self._marks.get(workspace_id, RUNTIME.value)
        since = now - self._lookback if mark is None else mark - self._overlap
        tally = _Tally(since)
        connectors = self._services.connectors.get(workspace_id)
        rest = connectors.voice if connectors is not None else None
        agents, problem = self._agents(workspace_id)
        if rest is None or problem is not None:
            tally.errors.append(problem or "no Retell connector for this workspace")
            return self._logged(tally.report(workspace_id, None))
        try:
            for item in rest.list_calls_since(since, agent_ids=agents or None):
                self._check(workspace_id, rest, item, tally)
        except ConnectorError as exc:
            tally.errors.append(str(exc))
            return self._logged(tally.report(workspace_id, None))
        self._check_attempts(workspace_id, rest, now, tally)
        watermark = tally.watermark(now - self._overlap)
        report = tally.report(workspace_id, watermark)
        self._marks.advance(workspace_id, RUNTIME.value, watermark, report.as_json(), now)
        return self._logged(report)

    def _agents(self, workspace_id: str) -> tuple[tuple[str, ...], str | None]:
        """The workspace's agents (configured and applied): only their calls are its calls.

        None named and the Retell account shared with another workspace: the calls cannot be
        attributed, so none are taken (recording another tenant's call would write to its CRM).
        """
        workspace = self._services.workspaces.get(workspace_id)
        if workspace is None:
            return (), f"unknown workspace {workspace_id!r}"
        configured = {agent for audience in workspace.audiences for agent in audience.agent_ids}
        applied = self._services.voice_agents.by_audience(workspace_id, RUNTIME.value).values()
        agents = tuple(sorted(configured | set(applied)))
        if agents:
            return agents, None
        key = workspace.retell.api_key.get_secret_value()
        sharing = sorted(
            other.id
            for other in self._services.workspaces.values()
            if other.id != workspace_id and other.retell.api_key.get_secret_value() == key
        )
        if sharing:
            return (), (
                f"shares its Retell account with {', '.join(sharing)} and names no agent ids: "
                "its calls cannot be told apart"
            )
        return (), None

    def _check(
        self, workspace_id: str, rest: RetellRest, item: dict[str, Any], tally: _Tally
    ) -> None:
        listed = listed_call(item)
        tally.saw(listed.call_id, listed.started_at)
        analyzed = event_key(workspace_id, RUNTIME, listed.call_id, CallEventType.ANALYZED)
        if self._services.inbox.get(analyzed) is not None:
            tally.known += 1
            return
        if listed.live:
            tally.hold(listed.started_at)
            return
        call = self._fetch(rest, workspace_id, listed.call_id, tally)
        if call is None:  # deleted since it was listed: nothing left to wait for
            return
        done = self._recover(workspace_id, listed.call_id, call, tally)
        if done is False:  # still live, or finished but its analysis is not ready yet
            tally.hold(listed.started_at)

    def _check_attempts(
        self, workspace_id: str, rest: RetellRest, now: datetime, tally: _Tally
    ) -> None:
        """Our placed attempts whose call has no `call_analyzed` yet, read one by one. A vendor
        error other than "gone" ends this pass (the next run repeats it); the listing pass's
        watermark does not depend on it."""
        outbound = self._services.outbound
        waiting = outbound.awaiting_outcome(
            workspace_id, RUNTIME.value, now - self._lookback, self._attempts_per_run
        )
        for attempt in waiting:
            call_id = attempt.call_id
            if call_id is None or call_id in tally.seen:  # the listing pass just read it
                continue
            tally.attempts += 1
            try:
                call = self._fetch(rest, workspace_id, call_id, tally)
            except ConnectorError as exc:
                tally.errors.append(f"{call_id}: {exc}")
                return
            if call is None:
                outbound.unrecoverable(
                    attempt.id, "outcome unknown: Retell no longer has the call", now
                )
                continue
            done = self._recover(workspace_id, call_id, call, tally)
            if done is None:
                outbound.unrecoverable(attempt.id, "outcome unknown: unreadable call object", now)
            elif not done:
                tally.pending += 1  # ongoing, or analysis not ready: the next run reads it

    def _fetch(
        self, rest: RetellRest, workspace_id: str, call_id: str, tally: _Tally
    ) -> dict[str, Any] | None:
        """The call object, or None when Retell no longer has the call (deleted, or past its
        retention): logged and reported, never stopping the run. Other errors propagate."""
        try:
            return rest.get_call(call_id)
        except Permanent as exc:
            if exc.status not in _GONE:
                raise
            log.warning("reconcile.call_gone", workspace=workspace_id, call_id=call_id)
            tally.gone.append(call_id)
            return None

    def _recover(
        self, workspace_id: str, call_id: str, call: dict[str, Any], tally: _Tally
    ) -> bool | None:
        """Record the finished call's events the inbox lacks. True when its `call_analyzed`
        is recorded, False while the call can still change, None for an unreadable object."""
        try:
            events = recovered_events(call, workspace_id, self._services.clock())
        except MalformedPayloadError as exc:
            tally.errors.append(f"{call_id}: unreadable call object at {exc.field}: {exc.message}")
            return None
        if events and any(self._services.inbox.record_many(events)):
            tally.recovered.append(call_id)
        return len(events) >= 2

    def _logged(self, report: ReconcileReport) -> ReconcileReport:
        log.info(
            "reconcile.run",
            workspace=report.workspace,
            since=report.since.isoformat(),
            listed=report.listed,
            known=report.known,
            recovered=len(report.recovered),
            pending=report.pending,
            errors=len(report.errors),
            advanced=report.watermark is not None,
            attempts=report.attempts,
            gone=len(report.gone),
        )
        return report
