"""Incidents: failures worth telling a person about, grouped so a storm is one message.

An incident is keyed by what failed, not by which call: every dead-lettered `log_call` on
HubSpot for a workspace is one incident until a `log_call` on HubSpot succeeds again. The first
occurrence posts an alert; later ones are counted into its thread; success (or a quiet spell)
resolves it with a note.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from callstate.domain.values import UtcDateTime


def effect_incident_key(vendor: str | None, kind: str) -> str:
    """Failures of one effect kind at one vendor are one incident; a success of the same kind
    at the same vendor resolves it."""
    return f"effect:{vendor or 'unknown'}:{kind}"


class AlertView(BaseModel):
    """What an alert message shows; rendered by the chat connector."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    incident_id: str
    workspace: str
    title: str
    detail: str
    occurrences: int
    opened_at: UtcDateTime
    last_seen_at: UtcDateTime
    last_subject: str | None = None  # e.g. the call that failed most recently
    resolved_at: UtcDateTime | None = None
    resolution: str | None = None

    @property
    def message_key(self) -> str:
        """Tags the alert message so a retried post finds it instead of posting twice."""
        return f"incident:{self.incident_id}"

    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    def age(self, now: datetime) -> float:
        return (now - self.last_seen_at).total_seconds()

    def occurrences_note(self, previously: int) -> str:
        """The thread note for the occurrences since `previously` were told."""
        more = self.occurrences - previously
        last = self.last_seen_at.strftime("%Y-%m-%d %H:%M UTC")
        detail = self.detail if len(self.detail) <= 500 else self.detail[:499] + "…"
        return f"+{more} more (total {self.occurrences}, last {last}): {detail}"

    def resolved_note(self) -> str:
        return f"Resolved after {self.occurrences} occurrence(s): {self.resolution or 'cleared'}"
