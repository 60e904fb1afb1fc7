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
    for audience in workspace.audiences:
        if event.agent_id in audience.agent_ids:
            return AudienceMatch(audience, matched=True)
    if event.our_number is not None:
        for audience in workspace.audiences:
            if event.our_number in audience.numbers:
                return AudienceMatch(audience, matched=True)
    return AudienceMatch(workspace.default_audience, matched=False)
