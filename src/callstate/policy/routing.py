"""Which audience a call belongs to."""

from __future__ import annotations

from dataclasses import dataclass

from callstate.config.model import Audience, Workspace
from callstate.domain.call import CallEvent


@dataclass(frozen=True, slots=True)
class AudienceMatch:
    audience: Audience
    matched: bool  # False: fell back to the default audience; the call is flagged, never dropped


def route(workspace: Workspace, event: CallEvent) -> AudienceMatch:
    """By agent id first (an agent serves one audience), then by our phone number."""
    return route_by(workspace, event.agent_id, event.our_number)


def route_by(workspace: Workspace, agent_id: str | None, our_number: str | None) -> AudienceMatch:
    """`route` for a live call (an in-call tool), which has no `CallEvent` yet."""
    if agent_id is not None:
        for audience in workspace.audiences:
            if agent_id in audience.agent_ids:
                return AudienceMatch(audience, matched=True)
    if our_number is not None:
        for audience in workspace.audiences:
            if our_number in audience.numbers:
                return AudienceMatch(audience, matched=True)
    return AudienceMatch(workspace.default_audience, matched=False)
