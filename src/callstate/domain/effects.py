"""The side effects a plan may contain, as data.

Each effect carries its idempotency `key` and names the capability that executes it (`target`).
Effects that need an earlier effect's result (the CRM contact id) name that effect's key in
`needs`; the executor feeds results forward and skips dependants of a failed effect.
Later issues add variants to the `Effect` union (SetFields, EnsureDeal, BookMeeting, Alert, ...).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from callstate.domain.calendar import Attendee, BookingChangeKind
from callstate.domain.call import Direction, Disposition, Sentiment
from callstate.domain.fields import FieldValue
from callstate.domain.outcome import Outcome
from callstate.domain.review import ReviewReason
from callstate.domain.values import Phone, UtcDateTime


class Target(StrEnum):
    CRM = "crm"
    CHAT = "chat"
    CALENDAR = "calendar"
    VOICE = "voice"  # our own dialer: attempts scheduled for the runtime to place
    OPS = "ops"  # our own incident log; its alert reaches the team's chat
    ARCHIVE = "archive"  # our own copy of the call's recording and transcript


class _Effect(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    needs: tuple[str, ...] = ()


class UpsertContact(_Effect):
    kind: Literal["upsert_contact"] = "upsert_contact"
    target: Literal[Target.CRM] = Target.CRM
    phone: Phone
    name: str | None = None
    email: str | None = None


class SetFields(_Effect):
    """Write sales-motion fields on the contact: final values, so repeating is harmless."""

    kind: Literal["set_fields"] = "set_fields"
    target: Literal[Target.CRM] = Target.CRM
    contact: str = Field(description="key of the UpsertContact whose result is the contact")
    values: dict[str, FieldValue] = Field(description="field name (catalogue or custom) → value")


class EnsureDeal(_Effect):
    """One open deal per contact per pipeline, moved to `stage` unless that would go backwards.

    `deal_key` names the deal across calls (the contact's phone and the pipeline), so every call
    of one lead converges on one deal; `stage` is the vendor's stage id or label.
    """

    kind: Literal["ensure_deal"] = "ensure_deal"
    target: Literal[Target.CRM] = Target.CRM
    contact: str
    deal_key: str
    pipeline: str
    stage: str
    name: str
    allow_backwards: bool = False
    outcome: Outcome


class AssignOwner(_Effect):
    """Give the contact (and its deal) an owner; sticky: an existing owner is kept."""

    kind: Literal["assign_owner"] = "assign_owner"
    target: Literal[Target.CRM] = Target.CRM
    contact: str
    deal: str | None = Field(default=None, description="key of the EnsureDeal, if any")
    owner_email: str
    sticky: bool = True


class AddTags(_Effect):
    """Add outcome tags to the contact (a union: tags already there stay)."""

    kind: Literal["add_tags"] = "add_tags"
    target: Literal[Target.CRM] = Target.CRM
    contact: str
    tags: tuple[str, ...]


class EnrollSequence(_Effect):
    """Start the follow-up the outcome calls for (HubSpot sequence, GoHighLevel workflow)."""

    kind: Literal["enroll_sequence"] = "enroll_sequence"
    target: Literal[Target.CRM] = Target.CRM
    contact: str
    sequence: str
    owner: str | None = Field(default=None, description="key of the AssignOwner (the sender)")
    owner_email: str = Field(description="the sender when the AssignOwner result is missing")


class LogCall(_Effect):
    """One timeline entry on the contact for one call."""

    kind: Literal["log_call"] = "log_call"
    target: Literal[Target.CRM] = Target.CRM
    contact: str = Field(description="key of the UpsertContact whose result is the contact")
    deal: str | None = Field(default=None, description="key of the EnsureDeal to associate")
    outcome: Outcome | None = None
    tags: tuple[str, ...] = ()
    external_call_id: str
    occurred_at: UtcDateTime
    title: str
    summary: str | None
    transcript: str | None
    recording_url: str | None
    duration_ms: int | None
    direction: Direction
    disposition: Disposition
    from_number: Phone | None
    to_number: Phone | None


class MeetingNote(BaseModel):
    """A meeting as a message shows it: when, with whom, in the reader's zone."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: UtcDateTime
    owner_name: str
    zone: str = Field(description="IANA zone the owner reads times in")
    confirmed: bool = Field(description="False: agreed in the call, the booking is pending")
    url: str | None = None
    booking: str | None = Field(default=None, description="key of the BookMeeting, if any")


class NotifyOwner(_Effect):
    """A message to the call's owner (a DM) about a call that matters; `channel` (the
    audience's) takes it when the owner cannot be reached in chat, so it is never lost."""

    kind: Literal["notify_owner"] = "notify_owner"
    target: Literal[Target.CHAT] = Target.CHAT
    channel: str
    owner_email: str | None = Field(default=None, description="the routed owner, DM'd")
    owner_name: str | None = None
    owner_zone: str = Field(default="UTC", description="IANA zone the owner reads times in")
    company: str | None = None
    outcome: Outcome | None = None
    audience_name: str
    caller: str
    caller_phone: Phone | None
    direction: Direction
    disposition: Disposition
    sentiment: Sentiment
    summary: str | None
    duration_ms: int | None
    recording_url: str | None
    flags: tuple[str, ...] = ()
    contact: str | None = Field(default=None, description="key of the UpsertContact to link")
    call_log: str | None = Field(default=None, description="key of the LogCall to link")
    meeting: MeetingNote | None = None


class FlagForReview(_Effect):
    """Put the call in the review queue: an item a reviewer decides with the message's buttons.

    One item per call (the key): a re-analysis converges on the same item and message."""

    kind: Literal["flag_for_review"] = "flag_for_review"
    target: Literal[Target.CHAT] = Target.CHAT
    channel: str
    audience: str = Field(description="the audience id, for the reviewer's actions")
    audience_name: str
    caller: str
    caller_phone: Phone | None
    outcome: Outcome
    reasons: tuple[ReviewReason, ...] = Field(min_length=1)
    summary: str | None
    excerpt: str | None = Field(default=None, description="words around a matched phrase")
    recording_url: str | None
    contact: str | None = Field(default=None, description="key of the UpsertContact to link")


class BookMeeting(_Effect):
    """Book a meeting the call agreed but the in-call tool could not confirm.

    Safe to repeat: the step looks the key up on the calendar before booking, and the vendor
    refuses a second booking of the same slot. Never books another time than the one agreed:
    a slot gone since is a failure for a person to follow up (an alert), not a guess.
    """

    kind: Literal["book_meeting"] = "book_meeting"
    target: Literal[Target.CALENDAR] = Target.CALENDAR
    meeting_key: str
    owner_email: str
    event_type: str
    start: UtcDateTime
    attendee: Attendee
    pool: str | None = Field(default=None, description="round-robin counters to count it in")


class NotifyMeeting(_Effect):
    """A message to the team that a meeting was booked, moved or cancelled in the calendar."""

    kind: Literal["notify_meeting"] = "notify_meeting"
    target: Literal[Target.CHAT] = Target.CHAT
    channel: str
    thread: str | None = Field(
        default=None, description="key of the call's NotifyOwner: reply in its thread"
    )
    owner_email: str | None = Field(default=None, description="DM'd when there is no thread")
    change: BookingChangeKind
    attendee_name: str
    attendee_phone: Phone | None
    meeting: MeetingNote
    previous_start: UtcDateTime | None = None
    contact: str | None = Field(default=None, description="key of the UpsertContact to link")


class ScheduleCall(_Effect):
    """Dial the person again at `due_at`: the audience's cadence after a voicemail or no answer.

    One row per (lead, attempt): planning it twice schedules it once."""

    kind: Literal["schedule_call"] = "schedule_call"
    target: Literal[Target.VOICE] = Target.VOICE
    audience: str
    lead: str = Field(description="the series of attempts at this person (domain.ids.lead_key)")
    attempt: int = Field(ge=2, description="the attempt this schedules, the first dial being 1")
    to_number: Phone
    from_number: Phone | None
    due_at: UtcDateTime
    variables: dict[str, str] = Field(default_factory=dict)


class CopyArtifacts(_Effect):
    """Keep our own copy of the recording and transcript: the runtime's URLs expire (Retell:
    10 minutes to 24 hours). Keyed per call, so the first event that carries them copies them."""

    kind: Literal["copy_artifacts"] = "copy_artifacts"
    target: Literal[Target.ARCHIVE] = Target.ARCHIVE
    recording_url: str | None
    transcript: str | None


class Alert(_Effect):
    """A call-level failure a person must hear about (the runtime errored, a number is not
    configured). Failures sharing `incident` are one alert with a running count."""

    kind: Literal["alert"] = "alert"
    target: Literal[Target.OPS] = Target.OPS
    incident: str = Field(description="groups a storm of the same failure into one alert")
    title: str
    detail: str


Effect = Annotated[
    UpsertContact
    | SetFields
    | EnsureDeal
    | AssignOwner
    | AddTags
    | EnrollSequence
    | LogCall
    | NotifyOwner
    | FlagForReview
    | BookMeeting
    | NotifyMeeting
    | ScheduleCall
    | CopyArtifacts
    | Alert,
    Field(discriminator="kind"),
]


class Plan(BaseModel):
    """What one event of one call should cause, in execution order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_key: str
    effects: tuple[Effect, ...] = ()
    notes: tuple[str, ...] = ()


class EffectOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class EffectResult(BaseModel):
    """A vendor-neutral reference to what an effect produced."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    kind: str
    outcome: EffectOutcome
    vendor: str | None = None
    object_id: str | None = None
    url: str | None = None
    detail: str | None = None
    facts: dict[str, str] = Field(
        default_factory=dict, description="what later effects need, e.g. the owner's email"
    )
