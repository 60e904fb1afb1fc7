"""The `FlagForReview` step's body, and how an item becomes the message that shows it.

Opening the item and posting its message are one effect: the item is keyed by the effect key
(opening twice returns the first) and the post is recovered by the same key, so a retried step
neither opens a second item nor posts a second message. The message's channel and ts are kept
on the item for the reviewers' actions to update it.
"""

from __future__ import annotations

from callstate.config.model import Workspace
from callstate.connectors.ports import Chat, ObjectRef
from callstate.domain.effects import FlagForReview
from callstate.domain.review import ReviewView
from callstate.execution.services import Services
from callstate.storage.attempts import AttemptContext
from callstate.storage.review import NewItem, ReviewItem


def review_view(item: ReviewItem, workspace: Workspace) -> ReviewView:
    return ReviewView(
        item_id=item.id,
        message_key=item.key,
        audience_name=_audience_name(workspace, item.audience),
        caller=item.caller,
        caller_phone=item.caller_phone,
        outcome=item.outcome,
        reasons=item.reasons,
        summary=item.summary,
        excerpt=item.excerpt,
        recording_url=item.recording_url,
        contact_url=item.contact_url,
        zone=workspace.timezone,
        team=tuple((m.email, m.name) for m in workspace.team),
        decision=item.decision,
    )


def message_of(item: ReviewItem) -> ObjectRef | None:
    """The item's Slack message, once posted."""
    if item.channel is None or item.ts is None:
        return None
    return ObjectRef("slack", f"{item.channel}/{item.ts}", facts={"ts": item.ts})


def flag_for_review(
    services: Services,
    context: AttemptContext,
    effect: FlagForReview,
    chat: Chat,
    contact: ObjectRef | None,
    *,
    recover: bool,
) -> ObjectRef:
    """Open the call's review item and post its message (once)."""
    now = services.clock()
    item = services.reviews.open(
        NewItem(
            key=effect.key,
            workspace=context.workspace,
            runtime=context.runtime,
            external_call_id=context.external_call_id,
            audience=effect.audience,
            caller=effect.caller[:200],
            caller_phone=effect.caller_phone,
            outcome=effect.outcome.value,
            reasons=effect.reasons,
            summary=effect.summary,
            excerpt=effect.excerpt,
            recording_url=effect.recording_url,
            contact_url=contact.url if contact else None,
        ),
        now=now,
    )
    posted = message_of(item)
    if posted is not None:  # a replay after the message was stored
        return ObjectRef(chat.vendor, posted.object_id, detail="already posted")
    workspace = services.workspaces[context.workspace]
    message = chat.post_review(effect.channel, review_view(item, workspace), recover=recover)
    channel, ts = message.object_id.split("/", 1)
    services.reviews.attach_message(item.id, channel, ts, now=now)
    return ObjectRef(
        message.vendor,
        message.object_id,
        message.url,
        detail=f"review item {item.id}",
        facts={"item": item.id, "channel": channel, "ts": ts},
    )


def _audience_name(workspace: Workspace, audience: str) -> str:
    return next((a.name for a in workspace.audiences if a.id == audience), audience)
