"""One protocol per capability; vendor-neutral values in and out.

Every method raises only `connectors.errors` types: `Permanent`, `Transient`, `RateLimited`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from callstate.domain.effects import LogCall, NotifyOwner, UpsertContact


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """What a vendor created or updated: its id and where a person can look at it."""

    vendor: str
    object_id: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Links:
    """Earlier results a message links to; either may be missing when its effect failed."""

    contact: ObjectRef | None = None
    call_log: ObjectRef | None = None


class Crm(Protocol):
    vendor: str

    def upsert_contact(self, effect: UpsertContact) -> ObjectRef:
        """Create the contact keyed by its E.164 phone, or update the one that has it.

        Safe to repeat: the vendor enforces the key, so a repeat (or a race with another call from
        the same number) updates the same record instead of creating a second one.
        """
        ...

    def log_call(self, effect: LogCall, contact: ObjectRef, *, recover: bool) -> ObjectRef:
        """Add one call entry to the contact's timeline, carrying `effect.key`.

        Not repeat-safe by nature. With `recover=True` (an earlier attempt may have been applied)
        it first looks for an entry carrying the key and returns that instead of creating another.
        """
        ...


class Chat(Protocol):
    vendor: str

    def notify(self, effect: NotifyOwner, links: Links, *, recover: bool) -> ObjectRef:
        """Post the call notification to `effect.channel`, tagged with `effect.key`.

        Not repeat-safe by nature. With `recover=True` it first looks for a message tagged with
        the key in the channel and returns it instead of posting again.
        """
        ...
