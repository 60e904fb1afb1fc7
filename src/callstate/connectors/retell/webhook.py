"""A Retell webhook request → a verified domain `CallEvent`, or a precise refusal."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from callstate.connectors.retell import mapping, signature
from callstate.connectors.retell.wire import WireEnvelope
from callstate.domain.call import CallEvent

MAX_BODY_BYTES = 2 * 1024 * 1024  # call objects with long transcripts run to hundreds of kB


class MalformedPayloadError(Exception):
    """Signed correctly but not a Retell call event we can read; `field` names the JSON path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnhandledEventError(Exception):
    """A well-formed event callstate does not act on (`transcript_updated`, transfers, ...)."""

    def __init__(self, event: str) -> None:
        super().__init__(event)
        self.event = event


def parse(body: bytes, workspace: str, received_at: datetime) -> CallEvent:
    """Parse a verified body. Raises `MalformedPayloadError` or `UnhandledEventError`."""
    try:
        envelope = WireEnvelope.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(body)"
        raise MalformedPayloadError(field, first["msg"]) from exc
    event_type = mapping.HANDLED.get(envelope.event)
    if event_type is None:
        raise UnhandledEventError(envelope.event)
    return mapping.to_event(envelope, event_type, workspace, received_at)


__all__ = ["MAX_BODY_BYTES", "MalformedPayloadError", "UnhandledEventError", "parse", "signature"]
