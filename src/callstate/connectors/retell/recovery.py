"""Retell call objects read back from the REST API, as reconciliation needs them.

A `list-calls` item says which call it is, when it started and whether it can still change
(`registered`/`ongoing`); a `get-call` object becomes the events its webhooks would have
carried: `call_ended` (never with `call_analysis`, research/voice.md §1.1), then `call_analyzed`
once the analysis exists. Built by the same mapping as the webhook, so a recovered event is the
event the webhook would have stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from callstate.connectors.retell.mapping import to_event
from callstate.connectors.retell.webhook import MalformedPayloadError
from callstate.connectors.retell.wire import WireEnvelope
from callstate.domain.call import CallEvent, CallEventType
from callstate.domain.values import from_epoch_ms

_LIVE = frozenset({"registered", "ongoing"})


@dataclass(frozen=True, slots=True)
class ListedCall:
    call_id: str
    started_at: datetime | None  # none before it connects (and never, if it did not)
    live: bool  # still registered or ongoing: it can change


def listed_call(item: Mapping[str, Any]) -> ListedCall:
    start = item.get("start_timestamp")
    return ListedCall(
        call_id=str(item.get("call_id", "")),
        started_at=from_epoch_ms(int(start)) if isinstance(start, int | float) else None,
        live=item.get("call_status") in _LIVE,
    )


def recovered_events(
    call: Mapping[str, Any], workspace: str, received_at: datetime
) -> list[CallEvent]:
    """The finished call's events; [] while it is still live. Raises `MalformedPayloadError`
    for an object the webhook would have refused too."""
    try:
        envelope = WireEnvelope.model_validate(
            {"event": CallEventType.ANALYZED.value, "call": dict(call)}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise MalformedPayloadError(where, first["msg"]) from exc
    if envelope.call.call_status in _LIVE:
        return []
    ended = WireEnvelope(
        event=CallEventType.ENDED.value,
        call=envelope.call.model_copy(update={"call_analysis": None}),
    )
    events = [to_event(ended, CallEventType.ENDED, workspace, received_at)]
    if envelope.call.call_analysis is not None:
        events.append(to_event(envelope, CallEventType.ANALYZED, workspace, received_at))
    return events
