"""Value types every layer shares: ids, E.164 phone numbers, aware UTC datetimes.

E.164 numbers are built here and nowhere else, so everything above the connectors can trust that a
`Phone` is normalised.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, NewType

import phonenumbers
from pydantic import AfterValidator

WorkspaceId = NewType("WorkspaceId", str)
AudienceId = NewType("AudienceId", str)
ExternalCallId = NewType("ExternalCallId", str)


class InvalidPhoneError(ValueError):
    """A string that is not a dialable phone number."""


@lru_cache(maxsize=8192)  # pure, and every model load re-validates the same few numbers
def to_e164(raw: str, default_region: str = "US") -> str:
    """Normalise a phone number to E.164 (`+14155550123`), or raise `InvalidPhoneError`.

    Retell sends numbers "as dialled"; HubSpot stores what was typed. Both sides meet here.
    """
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneError(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneError(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str) -> str:
    """Phone numbers in logs show only the last four digits."""
    return "…" + e164[-4:] if len(e164) > 4 else "…"


Phone = Annotated[str, AfterValidator(to_e164)]


def require_utc(value: datetime) -> datetime:
    """Reject naive datetimes; convert aware ones to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC)


UtcDateTime = Annotated[datetime, AfterValidator(require_utc)]


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
