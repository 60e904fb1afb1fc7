"""Which audience a call belongs to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from callstate.config.model import Audience, Workspace
from callstate.domain.call import CallEvent


@dataclass(frozen=True, slots=True)
class AudienceMatch:
    audience: Audience
    matched: bool  # False: fell back to the default audience; the call is flagged, never dropped


AUDIENCE_KEY = "callstate_audience"


def route(
    workspace: Workspace, event: CallEvent, agents: Mapping[str, str] | None = None
) -> AudienceMatch:
    """The audience our own metadata names (set when we placed the call or answered the
    inbound webhook), else by agent, else by our phone number."""
    named = event.context.get(AUDIENCE_KEY)
    if named is not None:
        for audience in workspace.audiences:
            if audience.id == named:
                return AudienceMatch(audience, matched=True)
    return route_by(workspace, event.agent_id, event.our_number, agents)


def route_by(
    workspace: Workspace,
    agent_id: str | None,
    our_number: str | None,
    agents: Mapping[str, str] | None = None,
) -> AudienceMatch:
    """`route` for a live call (an in-call tool), which has no `CallEvent` yet. `agents` maps
    the runtime's agent ids (`callstate agents apply` made them) to audience ids."""
    if agent_id is not None:
        for audience in workspace.audiences:
            if agent_id in audience.agent_ids:
                return AudienceMatch(audience, matched=True)
        applied = (agents or {}).get(agent_id)
        if applied is not None:
            for audience in workspace.audiences:
                if audience.id == applied:
                    return AudienceMatch(audience, matched=True)
    if our_number is not None:
        for audience in workspace.audiences:
            if our_number in audience.numbers:
                return AudienceMatch(audience, matched=True)
    return AudienceMatch(workspace.default_audience, matched=False)
