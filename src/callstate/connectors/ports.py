"""One protocol per capability; vendor-neutral values in and out.

Every method raises only `connectors.errors` types: `Permanent`, `Transient`, `RateLimited`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from callstate.connectors.schema import SchemaItem
from callstate.domain.alerts import AlertView
from callstate.domain.calendar import Attendee, Booking, Slot
from callstate.domain.digest import DigestReport
from callstate.domain.effects import (
    AddTags,
    AssignOwner,
    EnrollSequence,
    EnsureDeal,
    LogCall,
    NotifyMeeting,
    NotifyOwner,
    SetFields,
    UpsertContact,
)
from callstate.domain.review import ReviewView


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """What a vendor created or updated: its id and where a person can look at it."""

    vendor: str
    object_id: str
    url: str | None = None
    detail: str | None = field(default=None, compare=False)
    facts: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Links:
    """Earlier results a message links to; either may be missing when its effect failed."""

    contact: ObjectRef | None = None
    call_log: ObjectRef | None = None


@dataclass(frozen=True, slots=True)
class CallThread:
    """The message a call's owner notification lives in (`message`: `<channel>/<ts>`), what it
    was rendered from, and where it went (`delivered`: "dm", or "channel" / "channel/scope" when
    the owner could not be reached directly: no Slack member, or no scope to DM)."""

    message: ObjectRef
    parent: NotifyOwner
    links: Links
    delivered: str = "dm"


@dataclass(frozen=True, slots=True)
class ContactSnapshot:
    """What the CRM knows of a caller, read while the call is live (sticky meeting owner,
    the inbound greeting). Every field but `contact` may be missing."""

    contact: ObjectRef
    name: str | None = None
    email: str | None = None
    owner_email: str | None = None
    last_outcome: str | None = None
    tags: tuple[str, ...] = ()
    deal: ObjectRef | None = None
    deal_stage: str | None = None


class Crm(Protocol):
    vendor: str

    def close(self) -> None:
        """Close the HTTP session (at shutdown)."""
        ...

    def find_contact(
        self, phone: str, *, deal_key: str | None = None, pipeline: str | None = None
    ) -> ContactSnapshot | None:
        """The contact keyed by the E.164 `phone`, its owner's email, `last_call_outcome`,
        tags and its open deal (HubSpot reads it by `deal_key`, GoHighLevel finds the contact's
        open opportunity in `pipeline`). None when no contact has the phone.

        Safe to repeat (reads only); at most three requests, none of them a search when the
        CRM can read by unique key. Raises `Transient`/`RateLimited` like any read.
        """
        ...

    def upsert_contact(self, effect: UpsertContact) -> ObjectRef:
        """Create the contact keyed by its E.164 phone, or update the one that has it.

        Safe to repeat: the vendor enforces the key, so a repeat (or a race with another call from
        the same number) updates the same record instead of creating a second one.
        """
        ...

    def set_fields(self, effect: SetFields, contact: ObjectRef) -> ObjectRef:
        """Write the field values on the contact. Safe to repeat: values are set, not added.

        Raises `Permanent` when the CRM rejects a value (wrong type, unknown option) or a field
        does not exist (`callstate crm apply` creates them).
        """
        ...

    def ensure_deal(self, effect: EnsureDeal, contact: ObjectRef) -> ObjectRef:
        """Find the open deal keyed `effect.deal_key`, or create it at `effect.stage` associated
        with the contact; move an existing deal to `effect.stage` only if `policy.stages`
        allows it (never backwards unless `allow_backwards`).

        Safe to repeat: the deal key is enforced by the CRM or looked up before creating, and a
        move is a set. `facts`: `stage` (the deal's stage after the call), `pipeline`.
        """
        ...

    def assign_owner(
        self, effect: AssignOwner, contact: ObjectRef, deal: ObjectRef | None
    ) -> ObjectRef:
        """Set the owner (a CRM user found by `effect.owner_email`) on the contact and the deal;
        with `sticky`, a contact that already has an owner keeps it, and the deal gets the
        contact's owner (HubSpot leaves a deal that already has an owner of its own alone).

        Safe to repeat (a set). The result is the owner; `facts["owner_email"]` is who owns the
        contact now. Raises `Permanent` when no CRM user has the email.
        """
        ...

    def add_tags(self, effect: AddTags, contact: ObjectRef) -> ObjectRef:
        """Add tags to the contact, keeping the ones it has. Safe to repeat (a union)."""
        ...

    def enroll(self, effect: EnrollSequence, contact: ObjectRef, sender_email: str) -> ObjectRef:
        """Enrol the contact in the follow-up sequence/workflow, sent as `sender_email`.

        Not repeat-safe by nature: the connector checks current enrolment where the CRM can tell
        and otherwise relies on the ledger. Raises `Unsupported` when the account's tier or
        scopes lack the capability.
        """
        ...

    def log_call(
        self, effect: LogCall, contact: ObjectRef, deal: ObjectRef | None, *, recover: bool
    ) -> ObjectRef:
        """Add one call entry to the contact's (and deal's) timeline, carrying `effect.key`.

        Not repeat-safe by nature. With `recover=True` (an earlier attempt may have been applied)
        it first looks for an entry carrying the key and returns that instead of creating another.
        """
        ...


class Chat(Protocol):
    vendor: str

    def notify(self, effect: NotifyOwner, links: Links, *, recover: bool) -> ObjectRef:
        """Send the call notification to `effect.owner_email` directly (Slack: look the member
        up by email, open the DM, post), tagged with `effect.key`. Without an owner, or when no
        member has the email (or the member is deactivated), or the app lacks the scope to look
        members up or open DMs, post it to `effect.channel` with a note saying how to fix it:
        never lost.

        Not repeat-safe by nature. With `recover=True` it first looks for a message tagged with
        the key where it would post and returns it instead of posting again. `facts`:
        `channel`, `ts`, `delivered` ("dm" | "channel" | "channel/scope"). Raises
        `Transient`/`RateLimited` when the chat is down (the executor retries), `Permanent` when
        the fallback channel is unknown or the token is refused.
        """
        ...

    def notify_meeting(
        self,
        effect: NotifyMeeting,
        links: Links,
        *,
        recover: bool,
        thread: CallThread | None = None,
    ) -> ObjectRef:
        """Tell a calendar change (booked, moved, cancelled), tagged with `effect.key`.

        With `thread` (the call's owner notification): a reply in that thread, and the parent
        rewritten so its meeting line shows `effect.meeting` now. Without: a top-level message,
        DM'd to `effect.owner_email` when set and found, else to `effect.channel`.
        Not repeat-safe by nature: with `recover=True` it looks for the tagged message (in the
        thread, or where it would post) first; rewriting the parent is a set. `facts` as
        `notify`, `delivered` may also be "thread". Raises as `notify`.
        """
        ...

    def post_alert(self, channel: str, alert: AlertView, *, recover: bool) -> ObjectRef:
        """Post the incident's alert to `channel`, tagged with `alert.message_key`.

        Not repeat-safe by nature: with `recover=True` it first looks for the tagged message.
        """
        ...

    def update_alert(self, message: ObjectRef, alert: AlertView) -> ObjectRef:
        """Rewrite the alert message to the incident's current state. Safe to repeat (a set)."""
        ...

    def reply(self, message: ObjectRef, text: str, *, key: str, recover: bool) -> ObjectRef:
        """A note in the message's thread, tagged with `key`; `recover=True` looks first."""
        ...

    def post_review(self, channel: str, view: ReviewView, *, recover: bool) -> ObjectRef:
        """Post a review-queue item with its buttons to `channel`, tagged with
        `view.message_key`. Not repeat-safe by nature: with `recover=True` it looks first."""
        ...

    def update_review(self, message: ObjectRef, view: ReviewView) -> ObjectRef:
        """Rewrite the review message to the item's current state (who decided what; a final
        decision removes the buttons). Safe to repeat (a set)."""
        ...

    def post_digest(
        self, channel: str, report: DigestReport, *, key: str, recover: bool
    ) -> ObjectRef:
        """Post the daily digest to `channel`, tagged with `key`; `facts["ts"]` is its thread.

        Not repeat-safe by nature: with `recover=True` it first looks for the tagged message.
        """
        ...

    def upload_chart(
        self,
        channel: str,
        png: bytes,
        *,
        title: str,
        key: str,
        thread_ts: str | None,
        recover: bool,
    ) -> ObjectRef:
        """Share a PNG in `channel` (in the `thread_ts` thread when given), named after `key`.

        Not repeat-safe by nature: with `recover=True` it first looks for the file in the
        thread (or channel). Raises `RateLimited` on 429, `Permanent` when Slack refuses it.
        """
        ...

    def check(self, channels: list[str]) -> list[SchemaItem]:
        """`doctor`: the token works and each channel can be posted to. Reads only.
        Raises `Permanent` when the token is rejected."""
        ...


class Calendar(Protocol):
    """One calendar account (Cal.com API key, Calendly personal access token)."""

    vendor: str

    def close(self) -> None:
        """Close the HTTP session (at shutdown)."""
        ...

    def available_slots(self, event_type: str, start: datetime, end: datetime) -> list[Slot]:
        """Free slots of the event type starting in [start, end) (aware datetimes), earliest
        first, as the vendor computes them live. Safe to repeat (a read)."""
        ...

    def book(self, slot: Slot, attendee: Attendee, *, key: str) -> Booking:
        """Book the slot for the attendee, carrying `key` where the vendor keeps it (Cal.com
        `metadata`, Calendly `tracking.utm_content`).

        Not repeat-safe by nature: after an unknown outcome call `find_booking` first.
        Raises `SlotTaken` when the slot is gone (taken, past, outside availability).
        """
        ...

    def find_booking(
        self, key: str, attendee_email: str, start: datetime, end: datetime
    ) -> Booking | None:
        """The booking carrying `key` for the attendee with a start in [start, end), if any.
        Safe to repeat (a read)."""
        ...

    def cancel(self, booking_id: str, reason: str) -> Booking:
        """Cancel the booking. Safe to repeat: cancelling a cancelled booking returns it."""
        ...
