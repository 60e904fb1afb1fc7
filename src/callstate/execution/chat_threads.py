"""The two chat steps that keep one thread per call: the owner notification records where it
was posted, and a later calendar change of the call's meeting replies there.

The thread is recorded before the step's ledger entry closes, so a step that dies in between
is retried with `recover=True`, finds its message by key and records it then.
"""

from __future__ import annotations

from typing import Any

from callstate.connectors.ports import CallThread, Chat, Links, ObjectRef
from callstate.domain.call import CallStatus
from callstate.domain.effects import NotifyMeeting, NotifyOwner
from callstate.execution.services import Services
from callstate.storage.attempts import AttemptContext


def notify_owner(
    services: Services,
    context: AttemptContext,
    chat: Chat,
    effect: NotifyOwner,
    links: Links,
    *,
    recover: bool,
) -> ObjectRef:
    ref = chat.notify(effect, links, recover=recover)
    channel, ts = ref.facts.get("channel"), ref.facts.get("ts")
    if channel and ts:
        services.chat_threads.record(
            context.workspace,
            effect.key,
            channel=channel,
            ts=ts,
            delivered=ref.facts.get("delivered", "dm"),
            payload=effect.model_dump(mode="json"),
            links=links_to_json(links),
            now=services.clock(),
        )
    return ref


def notify_meeting(
    services: Services,
    context: AttemptContext,
    chat: Chat,
    effect: NotifyMeeting,
    links: Links,
    *,
    recover: bool,
) -> ObjectRef:
    """In the call's thread when its owner notification was posted; else top-level."""
    thread = call_thread(services, context.workspace, effect.thread, chat.vendor)
    ref = chat.notify_meeting(effect, links, recover=recover, thread=thread)
    if thread is not None and effect.thread is not None:
        shown = thread.parent.model_copy(update={"meeting": effect.meeting})
        services.chat_threads.rewrite(
            context.workspace, effect.thread, shown.model_dump(mode="json"), services.clock()
        )
    return ref


_UNSETTLED = (CallStatus.STARTED, CallStatus.ENDED, CallStatus.ANALYZED)
_MAX_PAUSE_S = 30.0


def thread_pending(services: Services, context: AttemptContext, key: str) -> bool:
    """The call's owner notification may still be posted: no thread is recorded for `key` and
    the call is not settled (its analysis has not come, or its plan, Slack retries included,
    is still running). A settled or dead-lettered call has posted all it will."""
    if services.chat_threads.get(context.workspace, key) is not None:
        return False
    call = services.calls.get(context.workspace, context.runtime, context.external_call_id)
    return call is not None and call.status in _UNSETTLED


def thread_pauses(budget_s: float) -> list[float]:
    """The waits between looks at a pending thread: 2, 4, 8, 16, then 30 s each, cut to sum
    to `budget_s`."""
    pauses: list[float] = []
    pause, left = 2.0, budget_s
    while left > 0:
        pauses.append(min(pause, left))
        left -= pauses[-1]
        pause = min(pause * 2, _MAX_PAUSE_S)
    return pauses


def call_thread(
    services: Services, workspace: str, key: str | None, vendor: str
) -> CallThread | None:
    found = services.chat_threads.get(workspace, key) if key else None
    if found is None:
        return None
    return CallThread(
        message=ObjectRef(vendor, f"{found.channel}/{found.ts}"),
        parent=NotifyOwner.model_validate(found.payload),
        links=links_from_json(found.links),
        delivered=found.delivered,
    )


def links_to_json(links: Links) -> dict[str, Any]:
    return {
        name: None if ref is None else {"vendor": ref.vendor, "id": ref.object_id, "url": ref.url}
        for name, ref in (("contact", links.contact), ("call_log", links.call_log))
    }


def links_from_json(stored: dict[str, Any]) -> Links:
    def ref(name: str) -> ObjectRef | None:
        item = stored.get(name)
        return None if not item else ObjectRef(item["vendor"], item["id"], item.get("url"))

    return Links(contact=ref("contact"), call_log=ref("call_log"))
