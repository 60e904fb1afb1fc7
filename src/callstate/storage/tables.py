"""The tables: calls, their runtime events (the inbox), every effect attempt (the ledger),
request budgets and incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from callstate.storage.columns import UtcDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class CallRow(Base):
    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("workspace", "runtime", "external_call_id"),
        Index("ix_calls_day", "workspace", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64))
    runtime: Mapped[str] = mapped_column(String(16))
    external_call_id: Mapped[str] = mapped_column(String(128))
    audience: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(16))
    caller_number: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    disposition: Mapped[str | None] = mapped_column(String(20))
    flags: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(32))  # set when the analysis is planned


class CallEventRow(Base):
    """One runtime event, stored once: the unique key is what makes a duplicate webhook harmless."""

    __tablename__ = "call_events"
    __table_args__ = (
        UniqueConstraint("workspace", "runtime", "external_call_id", "event_type"),
        Index("ix_call_events_undispatched", "dispatched_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64))
    runtime: Mapped[str] = mapped_column(String(16))
    external_call_id: Mapped[str] = mapped_column(String(128))
    event_type: Mapped[str] = mapped_column(String(32))
    event_key: Mapped[str] = mapped_column(String(300), unique=True)
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]


class EffectAttemptRow(Base):
    """Every attempt at every effect: what was asked, what the vendor answered, what it cost."""

    __tablename__ = "effect_attempts"
    __table_args__ = (
        Index("ix_effect_attempts_key", "idempotency_key"),
        Index("ix_effect_attempts_call", "workspace", "runtime", "external_call_id"),
        Index("ix_effect_attempts_day", "workspace", "kind", "finished_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64))
    runtime: Mapped[str] = mapped_column(String(16))
    external_call_id: Mapped[str] = mapped_column(String(128))
    workflow_id: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(300))
    attempt: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    request_summary: Mapped[dict[str, Any]]
    vendor: Mapped[str | None] = mapped_column(String(32))
    vendor_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class RateBucketRow(Base):
    """One token bucket per (vendor account, budget); see `storage.throttle`."""

    __tablename__ = "rate_buckets"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated: Mapped[float] = mapped_column(Float)


class IncidentRow(Base):
    """A failure told to a person once; `open_key` is unique while open, NULL once resolved."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(200))
    open_key: Mapped[str | None] = mapped_column(String(270), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text)
    occurrences: Mapped[int]
    last_subject: Mapped[str | None] = mapped_column(String(200))
    opened_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolution: Mapped[str | None] = mapped_column(Text)


class OwnerAssignmentRow(Base):
    """How many meetings each owner of a pool has taken: the round robin's whole state."""

    __tablename__ = "owner_assignments"

    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    pool_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner_email: Mapped[str] = mapped_column(String(320), primary_key=True)
    assigned: Mapped[int]
    updated_at: Mapped[datetime]


class MeetingRow(Base):
    """One booking attempt key: claimed (pending) before the vendor call, so a retry finds it."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_booking", "workspace", "vendor", "booking_id"),
        Index("ix_meetings_call", "workspace", "runtime", "external_call_id"),
        Index("ix_meetings_start", "workspace", "start"),
    )

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64))
    runtime: Mapped[str] = mapped_column(String(16))
    external_call_id: Mapped[str] = mapped_column(String(128))
    owner_email: Mapped[str] = mapped_column(String(320))
    event_type: Mapped[str] = mapped_column(String(300))
    vendor: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))
    booking_id: Mapped[str | None] = mapped_column(String(300))
    start: Mapped[datetime]
    end: Mapped[datetime]
    attendee_name: Mapped[str] = mapped_column(String(200))
    attendee_email: Mapped[str] = mapped_column(String(320))
    attendee_phone: Mapped[str | None] = mapped_column(String(20))
    attendee_zone: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BookingChangeRow(Base):
    """A verified calendar webhook, stored once per delivery (the calendar inbox)."""

    __tablename__ = "booking_changes"
    __table_args__ = (
        UniqueConstraint("workspace", "vendor", "dedupe_id"),
        Index("ix_booking_changes_undispatched", "dispatched_at", "received_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64))
    vendor: Mapped[str] = mapped_column(String(32))
    dedupe_id: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    booking_id: Mapped[str] = mapped_column(String(300))
    payload: Mapped[dict[str, Any]]
    received_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]


class VoiceAgentRow(Base):
    """The runtime's id of the agent `callstate agents apply` made for an audience."""

    __tablename__ = "voice_agents"

    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    runtime: Mapped[str] = mapped_column(String(16), primary_key=True)
    audience: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(128))
    engine_id: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime]


class OutboundCallRow(Base):
    """One dial of one lead: scheduled, then placed (with the runtime's call id) or refused.

    `lead` names the series of attempts at one person for one audience; `(lead, attempt)` is
    unique, so a voicemail's follow-up planned twice is one row."""

    __tablename__ = "outbound_calls"
    __table_args__ = (
        UniqueConstraint("workspace", "lead", "attempt"),
        Index("ix_outbound_calls_due", "status", "due_at"),
        Index("ix_outbound_calls_call", "workspace", "call_id"),
        Index("ix_outbound_calls_number", "workspace", "to_number"),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    workspace: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(64))
    lead: Mapped[str] = mapped_column(String(120))
    attempt: Mapped[int]
    to_number: Mapped[str] = mapped_column(String(20))
    from_number: Mapped[str | None] = mapped_column(String(20))
    variables: Mapped[dict[str, Any]]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    runtime: Mapped[str] = mapped_column(String(16))
    call_id: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]


class ReconcileMarkRow(Base):
    """How far reconciliation has looked at a workspace's runtime calls."""

    __tablename__ = "reconcile_marks"

    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    runtime: Mapped[str] = mapped_column(String(16), primary_key=True)
    watermark: Mapped[datetime]
    last_run_at: Mapped[datetime]
    last_report: Mapped[dict[str, Any]]


class CallArtifactRow(Base):
    """A recording or transcript copied from the runtime (its URLs expire)."""

    __tablename__ = "call_artifacts"

    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    runtime: Mapped[str] = mapped_column(String(16), primary_key=True)
    external_call_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    source_url: Mapped[str | None] = mapped_column(Text)
    path: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    copied_at: Mapped[datetime]


class DncNumberRow(Base):
    """A number the workspace must not dial, and why (kept, never auto-removed: research
    reliability.md §6 rule 2)."""

    __tablename__ = "dnc_numbers"

    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime]


class DncRegistryImportRow(Base):
    """One import of a national/state registry file; the newest dates the workspace's copy."""

    __tablename__ = "dnc_registry_imports"
    __table_args__ = (Index("ix_dnc_registry_imports_latest", "workspace", "imported_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime]
    numbers: Mapped[int]
    source: Mapped[str] = mapped_column(String(200))


class SignatureFailureRow(Base):
    """Refused signed requests per workspace, sender and minute: a counter, not a log."""

    __tablename__ = "signature_failures"

    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int]


class ChatThreadRow(Base):
    """Where a call's owner notification was posted: later messages about the call reply in
    its thread, and the parent is re-rendered from `payload` (the effect) and `links`."""

    __tablename__ = "chat_threads"

    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    ts: Mapped[str] = mapped_column(String(32))
    delivered: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]]
    links: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReviewItemRow(Base):
    """A call in the review queue: why it was flagged, its Slack message, the decision.

    `key` is the `FlagForReview` effect's key (one item per call); `id` is derived from it."""

    __tablename__ = "review_items"
    __table_args__ = (Index("ix_review_items_queue", "workspace", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    workspace: Mapped[str] = mapped_column(String(64))
    runtime: Mapped[str] = mapped_column(String(16))
    external_call_id: Mapped[str] = mapped_column(String(128))
    audience: Mapped[str] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(200))
    caller_phone: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(32))
    reasons: Mapped[list[Any]] = mapped_column(JSON)
    summary: Mapped[str | None] = mapped_column(Text)
    excerpt: Mapped[str | None] = mapped_column(Text)
    recording_url: Mapped[str | None] = mapped_column(Text)
    contact_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(64))
    ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]
    decision_detail: Mapped[str | None] = mapped_column(Text)


class ReviewActionRow(Base):
    """One reviewer action on an item; `(item, action, value)` is unique, so the same click
    twice is one action (and one workflow)."""

    __tablename__ = "review_actions"
    __table_args__ = (
        UniqueConstraint("item", "action", "value"),
        Index("ix_review_actions_undispatched", "dispatched_at", "requested_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    item: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    result: Mapped[str | None] = mapped_column(Text)
    dispatched_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class OpsMarkRow(Base):
    """An ops check's occurrence already recorded for a period (one per period, any worker)."""

    __tablename__ = "ops_marks"

    workspace: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    period: Mapped[datetime] = mapped_column(primary_key=True)
