"""An audience's `AgentSpec` → the Retell LLM, agent and phone-number settings we want. Pure.

Field names and shapes are retell-sdk 6.2.13's (`llm_create_params`, `agent_create_params`,
`phone_number_update_params`; research/voice.md §3 and §4.3). Every field we manage is always
present in the desired settings, `None` included, so removing something from the YAML shows up
as a change instead of leaving Retell's old value in place; `responsiveness` and
`interruption_sensitivity` are the exceptions (managed only when set).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callstate.config.agents import CALLSTATE_VARIABLES, AgentSpec, AnalysisField, Voicemail
from callstate.config.model import Audience, Workspace

Settings = dict[str, Any]

# Our call-event intake handles these (research/voice.md §1.1); set explicitly so a change of
# Retell's default never adds `transcript_updated` noise or drops `call_analyzed`.
WEBHOOK_EVENTS = ("call_started", "call_ended", "call_analyzed")
# Our in-call tools answer within a few seconds; Retell's default wait is 2 minutes (§3.1).
TOOL_TIMEOUT_MS = 8_000
# A default dynamic variable naming the agent an LLM was made for: Retell LLMs have no name,
# so an LLM created by an `apply` that died before creating its agent is found again by it.
OWNER_VARIABLE = "callstate_agent"


def agent_name(workspace: Workspace, audience: Audience) -> str:
    """How we recognise our agent among the account's (Retell's `agent_name`)."""
    return f"callstate/{workspace.id}/{audience.id}"


def webhook_url(public_base_url: str, workspace: Workspace) -> str:
    return f"{public_base_url.rstrip('/')}/webhooks/retell/{workspace.id}"


def inbound_webhook_url(public_base_url: str, workspace: Workspace) -> str:
    return f"{webhook_url(public_base_url, workspace)}/inbound"


def tools_url(public_base_url: str, workspace: Workspace) -> str:
    """One endpoint for every custom tool: Retell sends the tool's `name` in the body (§3.1)."""
    return f"{public_base_url.rstrip('/')}/tools/retell/{workspace.id}"


@dataclass(frozen=True, slots=True)
class DesiredAgent:
    """What Retell should hold for one audience."""

    audience: str
    direction: str  # inbound | outbound
    name: str
    llm: Settings  # create/update-retell-llm body
    agent: Settings  # create/update-agent body, without `response_engine` (needs the LLM id)
    numbers: tuple[str, ...]
    inbound_webhook_url: str | None  # set on the audience's numbers (inbound audiences only)

    def engine(self, llm_id: str) -> Settings:
        return {"type": "retell-llm", "llm_id": llm_id}

    def number_settings(self, agent_id: str) -> Settings:
        """The audience's numbers answer (inbound) or dial (outbound) with its agent alone."""
        settings: Settings = {f"{self.direction}_agents": [{"agent_id": agent_id, "weight": 1}]}
        if self.inbound_webhook_url is not None:
            settings["inbound_webhook_url"] = self.inbound_webhook_url
        return settings


def desired_agent(
    workspace: Workspace, audience: Audience, spec: AgentSpec, public_base_url: str
) -> DesiredAgent:
    name = agent_name(workspace, audience)
    inbound = spec.direction == "inbound"
    return DesiredAgent(
        audience=audience.id,
        direction=spec.direction,
        name=name,
        llm=llm_settings(workspace, spec, name, tools_url(public_base_url, workspace)),
        agent=agent_settings(workspace, spec, name, webhook_url(public_base_url, workspace)),
        numbers=tuple(audience.numbers),
        inbound_webhook_url=inbound_webhook_url(public_base_url, workspace) if inbound else None,
    )


def llm_settings(workspace: Workspace, spec: AgentSpec, name: str, url: str) -> Settings:
    variables = dict.fromkeys(CALLSTATE_VARIABLES, "")
    variables["business_name"] = workspace.name
    variables.update(spec.variables)
    variables[OWNER_VARIABLE] = name
    return {
        "model": spec.model,
        "general_prompt": spec.prompt,
        "begin_message": spec.begin_message,
        # "" means: wait for the other side to speak first (llm_create_params.begin_message).
        "start_speaker": "user" if spec.begin_message == "" else "agent",
        "general_tools": [_tool(tool, url) for tool in spec.tools],
        "default_dynamic_variables": variables,
    }


def agent_settings(workspace: Workspace, spec: AgentSpec, name: str, hook: str) -> Settings:
    settings: Settings = {
        "agent_name": name,
        "voice_id": spec.voice_id,
        "language": spec.language,
        "webhook_url": hook,
        "webhook_events": list(WEBHOOK_EVENTS),
        "timezone": spec.timezone or workspace.timezone,
        "voicemail_option": voicemail_option(spec.voicemail),
        "post_call_analysis_data": [analysis_item(f) for f in spec.analysis],
        "enable_dnc_detection": spec.dnc_detection,
        "max_call_duration_ms": spec.max_call_minutes * 60_000,
    }
    if spec.responsiveness is not None:
        settings["responsiveness"] = spec.responsiveness
    if spec.interruption_sensitivity is not None:
        settings["interruption_sensitivity"] = spec.interruption_sensitivity
    return settings


def voicemail_option(voicemail: Voicemail) -> Settings | None:
    """`null` turns detection off; a message is left as static text, else Retell hangs up."""
    if not voicemail.detect:
        return None
    if voicemail.message is None:
        return {"action": {"type": "hangup"}}
    return {"action": {"type": "static_text", "text": voicemail.message}}


def analysis_item(field: AnalysisField) -> Settings:
    item: Settings = {
        "type": field.type,
        "name": field.name,
        "description": field.description,
        "required": field.required,
    }
    if field.type == "enum":
        item["choices"] = list(field.choices)
    if field.type == "string":
        item["examples"] = list(field.examples)
    return item


def _tool(name: str, url: str) -> Settings:
    if name == "end_call":
        return {
            "type": "end_call",
            "name": "end_call",
            "description": "End the call once the conversation is over, or when the person "
            "asks to end it or not to be called again.",
        }
    return {
        "type": "custom",
        "name": name,
        "url": url,
        "method": "POST",
        "speak_during_execution": True,
        "execution_message_description": _WAIT_LINES[name],
        "timeout_ms": TOOL_TIMEOUT_MS,
        "description": _DESCRIPTIONS[name],
        "parameters": _PARAMETERS[name],
    }


_DESCRIPTIONS = {
    "check_availability": "Find open times for a meeting with the team. Offer only the times it "
    "returns, spoken as it words them.",
    "book_meeting": "Book the meeting at a time the person chose from check_availability's "
    "result. Confirm the time and their name first.",
}
_WAIT_LINES = {
    "check_availability": "Say you are checking the calendar.",
    "book_meeting": "Say you are booking it now.",
}
_PARAMETERS: dict[str, Settings] = {
    "check_availability": {
        "type": "object",
        "properties": {
            "when": {
                "type": "string",
                "description": "the day or time the person asked for, in their words "
                "(e.g. 'Tuesday afternoon'); empty for the next open times",
            },
            "timezone": {
                "type": "string",
                "description": "the person's IANA time zone, only if they named where they are",
            },
        },
        "required": ["when"],
    },
    "book_meeting": {
        "type": "object",
        "properties": {
            "start": {
                "type": "string",
                "description": "the chosen start time, ISO 8601, exactly as check_availability "
                "returned it",
            },
            "name": {"type": "string", "description": "the person's full name"},
            "email": {"type": "string", "description": "their email, if they gave one"},
        },
        "required": ["start", "name"],
    },
}


def unextracted_fields(audience: Audience, spec: AgentSpec) -> tuple[str, ...]:
    """Analysis keys the audience's ICP rules and CRM fields read that the agent's analysis
    never asks for: those rules never score and those fields stay empty."""
    wanted = [rule.field for rule in audience.icp.rules]
    wanted += [field.source or field.name for field in audience.crm.custom_fields]
    wanted += list(audience.crm.sources.values())
    asked = {field.name for field in spec.analysis}
    return tuple(sorted({name for name in wanted if name not in asked}))
