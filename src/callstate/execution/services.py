"""What a workflow needs, passed in explicitly: repositories, workspaces, their connectors, time."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from callstate.config.model import Workspace
from callstate.connectors.registry import WorkspaceConnectors
from callstate.execution.artifacts import ArtifactCopier
from callstate.storage.agents import VoiceAgents
from callstate.storage.artifacts import CallArtifacts
from callstate.storage.attempts import EffectLedger
from callstate.storage.booking_changes import BookingChanges
from callstate.storage.calls import Calls
from callstate.storage.chat_threads import ChatThreads
from callstate.storage.dnc import DoNotCall
from callstate.storage.events import EventInbox
from callstate.storage.incidents import Incidents
from callstate.storage.meetings import Meetings
from callstate.storage.outbound import OutboundCalls
from callstate.storage.review import ReviewQueue
from callstate.storage.routing import OwnerCounters
from callstate.storage.signature_failures import SignatureFailures


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff between attempts at one effect; Retry-After wins when it asks for longer."""

    max_attempts: int = 6
    base_seconds: float = 1.0
    cap_seconds: float = 60.0

    def delay(self, attempt: int, key: str) -> float:
        raw = min(self.cap_seconds, self.base_seconds * 2.0 ** (attempt - 1))
        # Deterministic jitter (±20%) so a replayed workflow sleeps the same and retries of
        # different effects do not march in step.
        spread = (hash_fraction(f"{key}:{attempt}") - 0.5) * 0.4
        return raw * (1 + spread)


def hash_fraction(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    """How an incident's alert follows it: new occurrences are gathered for `poll_seconds` and
    told in one thread note; an incident with no occurrence for `quiet_seconds` is closed."""

    poll_seconds: float = 30.0
    quiet_seconds: float = 6 * 3600.0


@dataclass
class Services:
    engine: Engine
    workspaces: dict[str, Workspace]
    connectors: dict[str, WorkspaceConnectors]
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    alerts: AlertPolicy = field(default_factory=AlertPolicy)
    clock: Callable[[], datetime] = utc_now
    artifacts_dir: Path | None = None  # where recordings and transcripts are copied
    # How long a calendar change waits for its call's owner notification to be posted, so that
    # it replies in that thread (the call not analysed yet, or Slack being retried); 0: never.
    thread_wait_seconds: float = 600.0

    def __post_init__(self) -> None:
        self.inbox = EventInbox(self.engine)
        self.calls = Calls(self.engine)
        self.ledger = EffectLedger(self.engine)
        self.incidents = Incidents(self.engine)
        self.meetings = Meetings(self.engine)
        self.owner_counters = OwnerCounters(self.engine)
        self.booking_changes = BookingChanges(self.engine)
        self.voice_agents = VoiceAgents(self.engine)
        self.outbound = OutboundCalls(self.engine)
        self.reviews = ReviewQueue(self.engine)
        self.chat_threads = ChatThreads(self.engine)
        self.dnc = DoNotCall(self.engine)
        self.signature_failures = SignatureFailures(self.engine)
        self.artifacts = (
            ArtifactCopier(self.artifacts_dir, CallArtifacts(self.engine), clock=self.clock)
            if self.artifacts_dir is not None
            else None
        )

    def close(self) -> None:
        """Close every workspace's vendor sessions and the artifact copier's (at shutdown)."""
        for connectors in self.connectors.values():
            connectors.close()
        if self.artifacts is not None:
            self.artifacts.close()
