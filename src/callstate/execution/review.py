"""The durable life of one reviewer action: one DBOS workflow per recorded click.

The interactivity endpoint only records the click (`review_actions`, unique per item, action and
value) and answers Slack; the dispatcher starts this workflow with the id
`review-action:<action id>`, so a click is acted on once even across crashes and two workers.

- approve: the item is approved.
- dnc: the number goes on the workspace's do-not-call list and the CRM contact gets the
  audience's do-not-call tags; the item is marked do-not-call.
- reassign: the CRM contact's owner becomes the chosen member (not sticky: that is the point).
- rerun: Retell recomputes the analysis; the outcome, ICP fit and review reasons are worked out
  again, the changed CRM fields and tags written, and the thread told; the item stays open.

CRM writes are effects through `run_effect`, keyed by the action, so the ledger dedupes them
and they show on the call's timeline. Each action ends by rewriting the review message with who
did what. An item already decided ignores later actions (the first final decision wins).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from dbos import DBOS, DBOSConfiguredInstance

from callstate.config.model import Audience, Workspace
from callstate.connectors.errors import ConnectorError, Permanent
from callstate.connectors.ports import ObjectRef
from callstate.connectors.retell.recovery import recovered_events
from callstate.domain.call import CallEvent, CallEventType
from callstate.domain.effects import (
    AddTags,
    AssignOwner,
    Effect,
    EffectResult,
    SetFields,
    UpsertContact,
)
from callstate.domain.fields import FieldValue
from callstate.domain.outcome import Outcome
from callstate.domain.review import ActionStatus, ReviewAction
from callstate.execution.retrying import GaveUpError, delivered, retrying
from callstate.execution.review_items import message_of, review_view
from callstate.execution.services import Services
from callstate.execution.steps import run_effect
from callstate.policy.fields import field_values
from callstate.policy.icp import score
from callstate.policy.outcome import classify
from callstate.policy.review import review_excerpt, review_reasons
from callstate.storage.attempts import AttemptContext
from callstate.storage.dnc import DncSource
from callstate.storage.review import ReviewActionView, ReviewItem

_DNC_TAGS = ("do-not-call",)
_T = TypeVar("_T")


def review_workflow_id(action_id: str) -> str:
    return f"review-action:{action_id}"


class ActionFailedError(Exception):
    """The action cannot be done (a refusal, retries used up); told in the item's thread."""


@DBOS.dbos_class("callstate.ReviewActions")
class ReviewActions(DBOSConfiguredInstance):
    def __init__(self, services: Services) -> None:
        self.services = services
        super().__init__("callstate-reviews")

    @DBOS.workflow(name="callstate.review_action")
    def run(self, action_id: str) -> str:
        loaded = self.load(action_id)
        if loaded is None:
            return "missing"
        item, action = loaded
        if action.status is not ActionStatus.PENDING:
            return action.status.value
        if item.status.final:
            self.finish(action_id, ActionStatus.DONE, f"ignored: already {item.status.value}")
            return "ignored"
        context = AttemptContext(
            item.workspace, item.runtime, item.external_call_id, review_workflow_id(action_id)
        )
        changes: dict[str, Any] = {}
        detail: str | None = None
        try:
            match action.action:
                case ReviewAction.APPROVE:
                    pass
                case ReviewAction.DNC:
                    self._do_not_call(context, item, action)
                case ReviewAction.REASSIGN:
                    detail = self._reassign(context, item, action)
                case ReviewAction.RERUN:
                    changes = self._rerun(context, item, action)
        except ActionFailedError as exc:
            note = f"Could not {action.action.value} for <@{action.actor_id}>: {exc}"
            self._retrying(partial(self.reply, item.id, note, f"review:{action_id}:failed"))
            self.finish(action_id, ActionStatus.FAILED, str(exc))
            return "failed"
        decided = self.decide(action_id, detail, changes)
        if decided:
            self._retrying(partial(self.show, item.id))
        result = action.action.status.value if decided else "ignored: decided meanwhile"
        self.finish(action_id, ActionStatus.DONE, result)
        return result

    # -- the actions ------------------------------------------------------------------------

    def _do_not_call(
        self, context: AttemptContext, item: ReviewItem, action: ReviewActionView
    ) -> None:
        if item.caller_phone is None:
            raise ActionFailedError("the call has no phone number")
        self.add_to_dnc(item, action)
        audience = self._audience(item)
        tags = audience.crm.tags.get(Outcome.DO_NOT_CALL) or _DNC_TAGS
        upsert = UpsertContact(key=_key(action, "upsert_contact"), phone=item.caller_phone)
        results = {upsert.key: self._apply(context, upsert, {})}
        tag = AddTags(
            key=_key(action, "add_tags"), needs=(upsert.key,), contact=upsert.key, tags=tags
        )
        self._apply(context, tag, results)

    def _reassign(self, context: AttemptContext, item: ReviewItem, action: ReviewActionView) -> str:
        member = self._workspace(item).member(action.value)
        if member is None:
            raise ActionFailedError(f"{action.value} is not in the team")
        if item.caller_phone is None:
            raise ActionFailedError("the call has no phone number")
        upsert = UpsertContact(key=_key(action, "upsert_contact"), phone=item.caller_phone)
        results = {upsert.key: self._apply(context, upsert, {})}
        assign = AssignOwner(
            key=_key(action, "assign_owner"),
            needs=(upsert.key,),
            contact=upsert.key,
            owner_email=member.email,
            sticky=False,
        )
        self._apply(context, assign, results)
        return f"to {member.name}"

    def _rerun(
        self, context: AttemptContext, item: ReviewItem, action: ReviewActionView
    ) -> dict[str, Any]:
        event = self._retrying_or_fail(partial(self.reanalyse, item))
        if event is None or event.analysis is None:
            raise ActionFailedError("Retell has no analysis for the call")
        workspace, audience = self._workspace(item), self._audience(item)
        custom = event.analysis.custom
        fit = score(audience.icp, custom)
        outcome = classify(event, fit.qualified(audience.icp))
        reasons = review_reasons(event, audience, fit=fit, outcome=outcome, meeting=None)
        if item.caller_phone is not None:
            call_at = event.ended_at or event.started_at or event.received_at
            zone = ZoneInfo(workspace.timezone)
            values = field_values(audience.crm, custom, outcome, fit, call_at, zone)
            tags = audience.crm.tags.get(outcome, ())
            self._write_outcome(context, action, item.caller_phone, values, tags)
        was = "" if outcome.value == item.outcome else f" (was {item.outcome.replace('_', ' ')})"
        why = "; ".join(r.text for r in reasons) or "No review rule fires now."
        note = (
            f"Analysis re-run by <@{action.actor_id}>: {outcome.value.replace('_', ' ')}{was}."
            f" {why}"
        )
        self._retrying(partial(self.reply, item.id, note, _key(action, "reply")))
        return {
            "outcome": outcome.value,
            "reasons": [r.model_dump() for r in reasons] or [r.model_dump() for r in item.reasons],
            "summary": event.analysis.summary or item.summary,
            "excerpt": review_excerpt(event, audience) or item.excerpt,
        }

    def _write_outcome(
        self,
        context: AttemptContext,
        action: ReviewActionView,
        phone: str,
        values: dict[str, FieldValue],
        tags: tuple[str, ...],
    ) -> None:
        """The re-analysis' CRM fields and outcome tags, keyed by the action: set and union,
        so writing what the CRM already holds changes nothing."""
        if not values and not tags:
            return
        upsert = UpsertContact(key=_key(action, "upsert_contact"), phone=phone)
        results = {upsert.key: self._apply(context, upsert, {})}
        needs = (upsert.key,)
        if values:
            fields = SetFields(
                key=_key(action, "set_fields"), needs=needs, contact=upsert.key, values=values
            )
            results[fields.key] = self._apply(context, fields, results)
        if tags:
            tag = AddTags(key=_key(action, "add_tags"), needs=needs, contact=upsert.key, tags=tags)
            self._apply(context, tag, results)

    # -- retries ----------------------------------------------------------------------------

    def _apply(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        """One effect with durable backoff; a refusal or used-up retries fail the action."""
        try:
            return self._retrying_or_fail(partial(self.effect, context, effect, results))
        except ActionFailedError as exc:
            raise ActionFailedError(f"{effect.kind}: {exc}") from exc

    def _retrying_or_fail(self, work: Callable[[], _T]) -> _T:
        try:
            return retrying(self.services.retry, "review", work)
        except ConnectorError as exc:
            raise ActionFailedError(exc.message) from exc
        except GaveUpError as exc:
            raise ActionFailedError(str(exc)) from exc

    def _retrying(self, write: Callable[[], Any]) -> None:
        """A Slack write: retried; a refusal (message gone) is logged, not fatal."""
        delivered(self.services.retry, "review", write, what="review message")

    # -- steps ------------------------------------------------------------------------------

    @DBOS.step(name="callstate.review.load")
    def load(self, action_id: str) -> tuple[ReviewItem, ReviewActionView] | None:
        action = self.services.reviews.action(action_id)
        item = self.services.reviews.get(action.item) if action else None
        return None if item is None or action is None else (item, action)

    @DBOS.step(name="callstate.review.effect")
    def effect(
        self, context: AttemptContext, effect: Effect, results: dict[str, EffectResult]
    ) -> EffectResult:
        return run_effect(self.services, context, effect, results)

    @DBOS.step(name="callstate.review.add_to_dnc")
    def add_to_dnc(self, item: ReviewItem, action: ReviewActionView) -> bool:
        assert item.caller_phone is not None
        return self.services.dnc.add(
            item.workspace,
            item.caller_phone,
            source=DncSource.REVIEW,
            reason=f"marked do-not-call in review by {action.actor_name}",
            now=self.services.clock(),
        )

    @DBOS.step(name="callstate.review.reanalyse")
    def reanalyse(self, item: ReviewItem) -> CallEvent | None:
        voice = self.services.connectors[item.workspace].voice
        if voice is None:
            raise Permanent("retell", "no Retell client for the workspace")
        voice.rerun_analysis(item.external_call_id)
        call = voice.get_call(item.external_call_id)
        events = recovered_events(call, item.workspace, self.services.clock())
        return next((e for e in events if e.type is CallEventType.ANALYZED), None)

    @DBOS.step(name="callstate.review.decide")
    def decide(self, action_id: str, detail: str | None, changes: dict[str, Any]) -> bool:
        services = self.services
        action = services.reviews.action(action_id)
        assert action is not None
        return services.reviews.decide(
            action.item,
            action.action.status,
            actor_id=action.actor_id,
            actor_name=action.actor_name,
            detail=detail,
            now=services.clock(),
            changes=changes,
        )

    @DBOS.step(name="callstate.review.show")
    def show(self, item_id: str) -> ObjectRef | None:
        item = self.services.reviews.get(item_id)
        message = message_of(item) if item else None
        if item is None or message is None:
            return None
        chat = self.services.connectors[item.workspace].chat
        return chat.update_review(message, review_view(item, self._workspace(item)))

    @DBOS.step(name="callstate.review.reply")
    def reply(self, item_id: str, text: str, key: str) -> ObjectRef | None:
        item = self.services.reviews.get(item_id)
        message = message_of(item) if item else None
        if item is None or message is None:
            return None
        chat = self.services.connectors[item.workspace].chat
        return chat.reply(message, text, key=key, recover=True)

    @DBOS.step(name="callstate.review.finish")
    def finish(self, action_id: str, status: ActionStatus, result: str) -> bool:
        return self.services.reviews.finish(action_id, status, result, now=self.services.clock())

    def _workspace(self, item: ReviewItem) -> Workspace:
        return self.services.workspaces[item.workspace]

    def _audience(self, item: ReviewItem) -> Audience:
        workspace = self._workspace(item)
        known = {a.id: a for a in workspace.audiences}
        return known.get(item.audience, workspace.default_audience)


def _key(action: ReviewActionView, kind: str) -> str:
    return f"review:{action.id}:{kind}"
