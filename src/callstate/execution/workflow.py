"""The DBOS workflow that processes one call event: plan, then each effect as a step.

Step and workflow names are part of DBOS's durable record (a renamed step breaks recovery of
in-flight workflows), so they are spelled out here and treated like a schema.
Retries live in the workflow, not in DBOS's step retry: a rate-limited vendor's `Retry-After`
becomes a durable `DBOS.sleep`, and every attempt is a recorded step with the same effect key.

Over 400 lines because DBOS names every step by the method that runs it: each effect kind is
one thin `@DBOS.step` method here (the names are durable, see above), and moving them to other
classes would rename registered steps of in-flight workflows.
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
from callstate.domain.call import CallEvent, CallEventType, CallStatus, Runtime
from callstate.domain.effects import (
    AddTags,
    Alert,
    AssignOwner,
    BookMeeting,
    CopyArtifacts,
    Effect,
    EffectOutcome,
    EffectResult,
    EnrollSequence,
    EnsureDeal,
    FlagForReview,
    LogCall,
    NotifyMeeting,
    NotifyOwner,
    Plan,
    ScheduleCall,
    SetFields,
    Target,
    UpsertContact,
)
from callstate.domain.ids import change_workflow_id, pool_key, workflow_id
from callstate.execution.booking import agreed_meeting, call_meeting, take_change
from callstate.execution.chat_threads import thread_pauses, thread_pending
from callstate.execution.dialing import Dialer, PlaceResult
from callstate.execution.incidents import IncidentWatcher, incident_workflow_id
from callstate.execution.services import Services
from callstate.execution.steps import run_effect
from callstate.policy.digest import planned_outcome
from callstate.policy.followup import FLAG_KEY
from callstate.policy.notices import routing_flags
from callstate.policy.routing import route
from callstate.storage.attempts import AttemptContext
from callstate.storage.outbound import OutboundStatus
from callstate.transition import plan, plan_change

_Step = Callable[[AttemptContext, Effect, dict[str, EffectResult]], EffectResult]


@DBOS.dbos_class("callstate.CallEventProcessor")
class CallEventProcessor(DBOSConfiguredInstance):
    def __init__(self, services: Services, watcher: IncidentWatcher, dialer: Dialer) -> None:
        self.services = services
        self.watcher = watcher
        self.dialer = dialer
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
        for effect in chat_last(the_plan.effects):
            results[effect.key] = self._execute(context, effect, results)
        subject = f"{event.runtime.value} call {event.external_call_id}"
        self._tell_incidents(event.workspace, subject, list(results.values()))
        self._watch_alerts(list(results.values()))
        if event.type is CallEventType.ANALYZED:
            failed = any(r.outcome is EffectOutcome.FAILED for r in results.values())
            self.finish_call(event, CallStatus.DEAD_LETTERED if failed else CallStatus.SETTLED)
        return ", ".join(f"{r.kind}={r.outcome.value}" for r in results.values()) or "no effects"

    @DBOS.workflow(name="callstate.place_call")
    def place_call(self, attempt_id: str) -> str:
        """Dial one scheduled attempt. Every try sends the same idempotency key, so a retry
        after a lost answer finds the call Retell already placed instead of dialling twice."""
        policy = self.services.retry
        attempt = 1
        while attempt <= policy.max_attempts:
            try:
                result = self.dial(attempt_id)
            except RateLimited as exc:
                error: ConnectorError = exc
                delay = max(exc.retry_after, policy.delay(attempt, attempt_id))
            except Transient as exc:
                error = exc
                delay = policy.delay(attempt, attempt_id)
            else:
                if result.status is not OutboundStatus.SCHEDULED or result.retry_at is None:
                    return result.status.value
                # The dial gate postponed it (a calling window): wait, then ask again.
                DBOS.sleep(max(0.0, (result.retry_at - self.services.clock()).total_seconds()))
                continue
            if attempt < policy.max_attempts:
                DBOS.sleep(delay)
            attempt += 1
        return self.give_up(attempt_id, str(error)).value

    @DBOS.step(name="callstate.effect.place_call")
    def dial(self, attempt_id: str) -> PlaceResult:
        return self.dialer.place(attempt_id)

    @DBOS.step(name="callstate.place_call.give_up")
    def give_up(self, attempt_id: str, reason: str) -> OutboundStatus:
        services = self.services
        services.outbound.failed(attempt_id, reason[:500], services.clock())
        row = services.outbound.get(attempt_id)
        if row is not None:
            incident_id = services.incidents.record(
                row.workspace,
                "place_call:retell",
                title="Outbound calls cannot be placed",
                detail=reason,
                subject=f"attempt {attempt_id}",
                now=services.clock(),
            )
            with SetWorkflowID(incident_workflow_id(incident_id)):
                DBOS.start_workflow(self.watcher.watch, incident_id)
        return OutboundStatus.FAILED

    @DBOS.workflow(name="callstate.process_booking_change")
    def process_change(self, change_id: str) -> str:
        planned = self.plan_booking_change(change_id)
        if planned is None:
            return "missing"
        workspace, runtime, subject, the_plan = planned
        context = AttemptContext(workspace, runtime, subject, change_workflow_id(change_id))
        results: dict[str, EffectResult] = {}
        for effect in the_plan.effects:
            if isinstance(effect, NotifyMeeting) and effect.thread is not None:
                self._await_thread(context, effect.thread)
            results[effect.key] = self._execute(context, effect, results)
        self._tell_incidents(workspace, f"{runtime} {subject}", list(results.values()))
        return ", ".join(f"{r.kind}={r.outcome.value}" for r in results.values()) or "no effects"

    def _await_thread(self, context: AttemptContext, key: str) -> None:
        """A change that comes before its call's owner notification is posted waits for it
        (durable sleeps, at most `thread_wait_seconds`), so it replies in that thread instead
        of becoming a second top-level message; past the wait it is posted on its own."""
        for pause in thread_pauses(self.services.thread_wait_seconds):
            if not self.thread_pending(context, key):
                return
            DBOS.sleep(pause)

    @DBOS.step(name="callstate.change.thread_pending")
    def thread_pending(self, context: AttemptContext, key: str) -> bool:
        return thread_pending(self.services, context, key)

    @DBOS.step(name="callstate.plan_change")
    def plan_booking_change(self, change_id: str) -> tuple[str, str, str, Plan] | None:
        """The change's plan, after the meetings table has taken the change in."""
        services = self.services
        found = services.booking_changes.get(change_id)
        if found is None:
            return None
        workspace_id, change = found
        workspace = services.workspaces[workspace_id]
        view = services.meetings.by_booking_id(
            workspace_id, change.vendor, change.booking.booking_id
        )
        if view is None and change.previous_booking_id is not None:
            view = services.meetings.by_booking_id(
                workspace_id, change.vendor, change.previous_booking_id
            )
        audience = workspace.default_audience
        if view is not None:
            call = services.calls.get(workspace_id, view.runtime, view.external_call_id)
            known = {a.id for a in workspace.audiences}
            if call is not None and call.audience in known:
                audience = workspace.audience(call.audience)
            take_change(services, view, change)
        the_plan = plan_change(
            change,
            call_meeting(view) if view is not None else None,
            audience,
            workspace=workspace_id,
            team={m.email: m for m in workspace.team},
            zone=ZoneInfo(workspace.timezone),
            call=(Runtime(view.runtime), view.external_call_id) if view is not None else None,
        )
        if view is not None:
            return workspace_id, view.runtime, view.external_call_id, the_plan
        return workspace_id, change.vendor, f"booking {change.booking.booking_id}", the_plan

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

    def _tell_incidents(self, workspace: str, subject: str, results: list[EffectResult]) -> None:
        """A failed effect opens (or counts into) its incident and makes sure the incident's
        alert workflow runs; a success of the same kind at the same vendor resolves it."""
        succeeded = sorted(
            {effect_incident_key(r.vendor, r.kind) for r in results if _ok(r) and r.vendor}
        )
        if succeeded:
            self.resolve_incidents(workspace, succeeded)
        for result in results:
            if result.outcome is EffectOutcome.FAILED:
                incident_id = self.record_incident(workspace, subject, result)
                with SetWorkflowID(incident_workflow_id(incident_id)):
                    DBOS.start_workflow(self.watcher.watch, incident_id)

    def _watch_alerts(self, results: list[EffectResult]) -> None:
        """An alert effect opened (or counted into) an incident: make sure its message runs."""
        for result in results:
            if result.kind == "alert" and _ok(result) and result.object_id:
                with SetWorkflowID(incident_workflow_id(result.object_id)):
                    DBOS.start_workflow(self.watcher.watch, result.object_id)

    @DBOS.step(name="callstate.incident.record")
    def record_incident(self, workspace: str, subject: str, result: EffectResult) -> str:
        vendor = result.vendor or "unknown"
        return self.services.incidents.record(
            workspace,
            effect_incident_key(result.vendor, result.kind),
            title=f"{result.kind} failing at {vendor}",
            detail=result.detail or "no detail",
            subject=subject,
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
            case FlagForReview():
                return self.flag_for_review
            case BookMeeting():
                return self.book_meeting
            case NotifyMeeting():
                return self.notify_meeting
            case ScheduleCall():
                return self.schedule_call
            case Alert():
                return self.alert
            case CopyArtifacts():
                return self.copy_artifacts

    @DBOS.step(name="callstate.plan")
    def plan_event(self, event_key: str) -> tuple[CallEvent, Plan] | None:
        services = self.services
        event = services.inbox.get(event_key)
        if event is None:
            return None
        workspace: Workspace = services.workspaces[event.workspace]
        agents = services.voice_agents.audiences_by_agent(workspace.id, event.runtime.value)
        match = route(workspace, event, agents)
        flags = () if match.matched else routing_flags(event, match.audience)
        if event.context.get(FLAG_KEY):
            flags = (*flags, event.context[FLAG_KEY])
        history = [
            e
            for e in services.inbox.for_call(
                event.workspace, event.runtime.value, event.external_call_id
            )
            if e.type is not event.type
        ]
        services.calls.observe(event, match.audience.id, flags, services.clock())
        zone = ZoneInfo(workspace.timezone)
        meeting = (
            agreed_meeting(services, workspace, match.audience, event, zone)
            if event.type is CallEventType.ANALYZED
            else None
        )
        the_plan = plan(
            event,
            history,
            match.audience,
            owner=workspace.owner_for(match.audience),
            zone=zone,
            meeting=meeting,
            team={m.email: m for m in workspace.team},
            pool=pool_key(match.audience.id),
            hours=workspace.hours,
            flags=flags,
            review_channel=workspace.review_to,
        )
        outcome = planned_outcome(the_plan)
        if outcome is not None:  # the digest counts calls by it
            services.calls.record_outcome(
                event.workspace,
                event.runtime.value,
                event.external_call_id,
                outcome.value,
                services.clock(),
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

    @DBOS.step(name="callstate.effect.flag_for_review")
    def flag_for_review(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.book_meeting")
    def book_meeting(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.notify_meeting")
    def notify_meeting(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.schedule_call")
    def schedule_call(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.copy_artifacts")
    def copy_artifacts(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.effect.alert")
    def alert(
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


def chat_last(effects: tuple[Effect, ...]) -> list[Effect]:
    """The plan's order, chat messages moved last: a chat outage retrying a message must not
    hold back the CRM and calendar work (a message's `needs` come earlier, so they still hold)."""
    return sorted(effects, key=lambda effect: effect.target is Target.CHAT)


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
