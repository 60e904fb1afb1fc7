"""The DBOS workflow that processes one call event: plan, then each effect as a step.

Step and workflow names are part of DBOS's durable record (a renamed step breaks recovery of
in-flight workflows), so they are spelled out here and treated like a schema.
Retries live in the workflow, not in DBOS's step retry: a rate-limited vendor's `Retry-After`
becomes a durable `DBOS.sleep`, and every attempt is a recorded step with the same effect key.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from dbos import DBOS, DBOSConfiguredInstance, SetWorkflowID
from dbos._error import DBOSException  # not re-exported by the package (dbos 3.4)
from sqlalchemy.exc import OperationalError

from callstate.config.model import Workspace
from callstate.connectors.errors import ConnectorError, RateLimited, Transient, Unsupported
from callstate.domain.alerts import effect_incident_key
from callstate.domain.call import CallEvent, CallEventType, CallStatus
from callstate.domain.effects import (
    AddTags,
    AssignOwner,
    Effect,
    EffectOutcome,
    EffectResult,
    EnrollSequence,
    EnsureDeal,
    LogCall,
    NotifyOwner,
    Plan,
    SetFields,
    UpsertContact,
)
from callstate.domain.ids import workflow_id
from callstate.execution.incidents import IncidentWatcher, incident_workflow_id
from callstate.execution.services import Services
from callstate.execution.steps import run_effect
from callstate.policy.routing import route
from callstate.storage.attempts import AttemptContext
from callstate.transition import plan, routing_flags

_Step = Callable[[AttemptContext, Effect, dict[str, EffectResult]], EffectResult]


@DBOS.dbos_class("callstate.CallEventProcessor")
class CallEventProcessor(DBOSConfiguredInstance):
    def __init__(self, services: Services, watcher: IncidentWatcher) -> None:
        self.services = services
        self.watcher = watcher
        super().__init__("callstate")

    @DBOS.workflow(name="callstate.process_event")
    def process(self, event_key: str) -> str:
        planned = self.plan_event(event_key)
        if planned is None:
            return "missing"
        event, the_plan = planned
        context = AttemptContext(
            event.workspace, event.runtime.value, event.external_call_id, workflow_id(event_key)
        )
        results: dict[str, EffectResult] = {}
        for effect in the_plan.effects:
            results[effect.key] = self._execute(context, effect, results)
        self._tell_incidents(event, list(results.values()))
        if event.type is CallEventType.ANALYZED:
            failed = any(r.outcome is EffectOutcome.FAILED for r in results.values())
            self.finish_call(event, CallStatus.DEAD_LETTERED if failed else CallStatus.SETTLED)
        return ", ".join(f"{r.kind}={r.outcome.value}" for r in results.values()) or "no effects"

    def _execute(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        unmet = [k for k in effect.needs if results.get(k) is None or not _ok(results[k])]
        if unmet:
            return EffectResult(
                key=effect.key,
                kind=effect.kind,
                outcome=EffectOutcome.SKIPPED,
                detail=f"skipped: {', '.join(unmet)} did not succeed",
            )
        policy = self.services.retry
        for attempt in range(1, policy.max_attempts + 1):
            try:
                return self._step_for(effect)(context, effect, results)
            except RateLimited as exc:
                error: Exception = exc
                delay = max(exc.retry_after, policy.delay(attempt, effect.key))
            except (Transient, OperationalError) as exc:
                error = exc
                delay = policy.delay(attempt, effect.key)
            except Unsupported as exc:  # the account cannot do it: skip, `doctor` reports it
                return EffectResult(
                    key=effect.key,
                    kind=effect.kind,
                    outcome=EffectOutcome.SKIPPED,
                    vendor=exc.vendor,
                    detail=f"skipped: {exc.message}",
                )
            except ConnectorError as exc:  # permanent: retrying repeats the refusal
                return _failed(effect, exc)
            except DBOSException:  # cancellation, shutdown: not the effect's fault
                raise
            except Exception as exc:  # noqa: BLE001 - a bug in one effect must not strand the others
                return _failed(effect, exc)
            if attempt == policy.max_attempts:
                return _failed(effect, error)
            DBOS.sleep(delay)
        raise AssertionError("unreachable")

    def _tell_incidents(self, event: CallEvent, results: list[EffectResult]) -> None:
        """A failed effect opens (or counts into) its incident and makes sure the incident's
        alert workflow runs; a success of the same kind at the same vendor resolves it."""
        succeeded = sorted(
            {effect_incident_key(r.vendor, r.kind) for r in results if _ok(r) and r.vendor}
        )
        if succeeded:
            self.resolve_incidents(event.workspace, succeeded)
        for result in results:
            if result.outcome is EffectOutcome.FAILED:
                incident_id = self.record_incident(event, result)
                with SetWorkflowID(incident_workflow_id(incident_id)):
                    DBOS.start_workflow(self.watcher.watch, incident_id)

    @DBOS.step(name="callstate.incident.record")
    def record_incident(self, event: CallEvent, result: EffectResult) -> str:
        vendor = result.vendor or "unknown"
        return self.services.incidents.record(
            event.workspace,
            effect_incident_key(result.vendor, result.kind),
            title=f"{result.kind} failing at {vendor}",
            detail=result.detail or "no detail",
            subject=f"{event.runtime.value} call {event.external_call_id}",
            now=self.services.clock(),
        )

    @DBOS.step(name="callstate.incident.resolve")
    def resolve_incidents(self, workspace: str, keys: list[str]) -> list[str]:
        return self.services.incidents.resolve(
            workspace,
            keys,
            resolution="the same effect succeeded again",
            now=self.services.clock(),
        )

    def _step_for(self, effect: Effect) -> _Step:
        match effect:
            case UpsertContact():
                return self.upsert_contact
            case SetFields():
                return self.set_fields
            case EnsureDeal():
                return self.ensure_deal
            case AssignOwner():
                return self.assign_owner
            case AddTags():
                return self.add_tags
            case EnrollSequence():
                return self.enroll_sequence
            case LogCall():
                return self.log_call
            case NotifyOwner():
                return self.notify_owner

    @DBOS.step(name="callstate.plan")
    def plan_event(self, event_key: str) -> tuple[CallEvent, Plan] | None:
        services = self.services
        event = services.inbox.get(event_key)
        if event is None:
            return None
        workspace: Workspace = services.workspaces[event.workspace]
        match = route(workspace, event)
        history = [
            e
            for e in services.inbox.for_call(
                event.workspace, event.runtime.value, event.external_call_id
            )
            if e.type is not event.type
        ]
        services.calls.observe(
            event, match.audience.id, routing_flags(event, match.audience), services.clock()
        )
        the_plan = plan(
            event,
            history,
            match.audience,
            owner=workspace.owner_for(match.audience),
            zone=ZoneInfo(workspace.timezone),
        )
        return event, the_plan

    @DBOS.step(name="callstate.effect.upsert_contact")
    def upsert_contact(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.set_fields")
    def set_fields(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.ensure_deal")
    def ensure_deal(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.assign_owner")
    def assign_owner(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.add_tags")
    def add_tags(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.enroll_sequence")
    def enroll_sequence(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.log_call")
    def log_call(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.notify_owner")
    def notify_owner(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.finish_call")
    def finish_call(self, event: CallEvent, status: CallStatus) -> None:
        self.services.calls.finish(
            event.workspace,
            event.runtime.value,
            event.external_call_id,
            status,
            self.services.clock(),
        )


def _ok(result: EffectResult) -> bool:
    return result.outcome is EffectOutcome.SUCCEEDED


def _failed(effect: Effect, error: Exception) -> EffectResult:
    return EffectResult(
        key=effect.key,
        kind=effect.kind,
        outcome=EffectOutcome.FAILED,
        vendor=error.vendor if isinstance(error, ConnectorError) else None,
        detail=str(error)[:500],
    )
