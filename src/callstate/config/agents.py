"""How an audience's voice agent behaves, as code: `AgentSpec`, one per audience.

The workspace file holds it inline under the audience's `agent:` key; `load_agent_spec` reads
the same mapping from a file of its own (one YAML file per audience). `callstate agents
plan|apply` turns it into a Retell LLM and agent (connectors/retell/agents_mapping.py).

"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from callstate.config.strict import Strict

Direction = Literal["inbound", "outbound"]
ToolName = Literal["check_availability", "book_meeting", "end_call"]
AnalysisType = Literal["string", "number", "boolean", "enum"]

# Dynamic variables callstate fills for every call (inbound webhook, outbound dialer); each
# gets a default on the Retell LLM so an unset one is spoken as nothing, never as "{{...}}".
CALLSTATE_VARIABLES = ("business_name", "caller_name", "owner_name", "local_time", "last_outcome")
# Retell's own (research/voice.md §3.4); `current_time_<zone>` / `current_calendar_<zone>` too.
RETELL_VARIABLES = (
    "current_time",
    "current_calendar",
    "current_hour",
    "session_type",
    "session_duration",
    "direction",
    "user_number",
    "agent_number",
    "call_id",
)
_RETELL_PREFIXES = ("current_time_", "current_calendar_")
_VARIABLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


def variables_in(text: str | None) -> set[str]:
    """The `{{name}}` dynamic variables a Retell template uses."""
    return set(_VARIABLE.findall(text or ""))


def _is_set_by_someone(name: str, declared: set[str]) -> bool:
    return (
        name in declared
        or name in CALLSTATE_VARIABLES
        or name in RETELL_VARIABLES
        or name.startswith(_RETELL_PREFIXES)
    )


class AnalysisField(Strict):
    """One value Retell's post-call analysis extracts into `custom_analysis_data`."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$", description="key callstate reads")
    type: AnalysisType = "string"
    description: str = Field(min_length=1, description="what the analysis model is asked")
    choices: tuple[str, ...] = Field(default=(), description="the allowed values (enum only)")
    examples: tuple[str, ...] = Field(default=(), description="sample answers (string only)")
    required: bool = False

    @model_validator(mode="after")
    def _fits_type(self) -> AnalysisField:
        if (self.type == "enum") != bool(self.choices):
            raise ValueError("`choices` are given for, and only for, `type: enum`")
        if self.examples and self.type != "string":
            raise ValueError("`examples` are for `type: string` only")
        return self


class Voicemail(Strict):
    """What the agent does when a machine answers (Retell detects it in the first 3 minutes)."""

    detect: bool = True
    message: str | None = Field(
        default=None,
        min_length=1,
        description="spoken as written (may use {{variables}}); none: hang up",
    )

    @model_validator(mode="after")
    def _message_needs_detection(self) -> Voicemail:
        if self.message is not None and not self.detect:
            raise ValueError("a voicemail `message` needs `detect: true`")
        return self


class AgentSpec(Strict):
    """An audience's Retell agent: opening, prompt, voice, tools, analysis, voicemail."""

    direction: Direction
    voice_id: str = Field(min_length=1, description="Retell voice id, e.g. 11labs-Adrian")
    model: str = Field(
        default="gpt-4.1",
        pattern=r"^[a-z0-9][a-z0-9.\-]*$",
        description="Retell LLM model name (Retell refuses one it does not offer)",
    )
    language: str = Field(default="en-US", pattern=r"^([a-z]{2,3}-[A-Za-z0-9]{2,4}|multi)$")
    timezone: str | None = Field(
        default=None, description="IANA zone for {{current_time}} (default: the workspace's)"
    )
    begin_message: str | None = Field(
        default=None,
        description="the opening, spoken first; an outbound one must carry the disclosures. "
        "Empty: wait for the other side; none: the model improvises (inbound only)",
    )
    prompt: str = Field(min_length=1, description="the general prompt; {{variables}} allowed")
    variables: dict[str, str] = Field(
        default_factory=dict, description="defaults for dynamic variables the templates use"
    )
    tools: tuple[ToolName, ...] = ("check_availability", "book_meeting", "end_call")
    analysis: tuple[AnalysisField, ...] = ()
    voicemail: Voicemail = Field(default_factory=Voicemail)
    dnc_detection: bool = Field(
        default=True, description="Retell ends the call politely on 'stop calling me'"
    )
    max_call_minutes: int = Field(default=10, ge=1, le=120)
    responsiveness: float | None = Field(
        default=None, ge=0, le=1, description="unset: Retell's value is left alone"
    )
    interruption_sensitivity: float | None = Field(
        default=None, ge=0, le=1, description="unset: Retell's value is left alone"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("tools")
    @classmethod
    def _distinct_tools(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("a tool is listed twice")
        return value

    @field_validator("analysis")
    @classmethod
    def _distinct_fields(cls, value: tuple[AnalysisField, ...]) -> tuple[AnalysisField, ...]:
        names = [f.name for f in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"analysis fields {twice} are defined twice")
        return value

    @model_validator(mode="after")
    def _variables_are_set(self) -> AgentSpec:
        # A variable nothing fills would be spoken raw ("{{caler_name}}"): catch typos here.
        declared = set(self.variables)
        for key, text in (
            ("prompt", self.prompt),
            ("begin_message", self.begin_message),
            ("voicemail.message", self.voicemail.message),
        ):
            unset = sorted(n for n in variables_in(text) if not _is_set_by_someone(n, declared))
            if unset:
                names = ", ".join("{{" + n + "}}" for n in unset)
                raise ValueError(
                    f"{key} uses {names}, which nothing sets: declare a default under "
                    f"`variables` (callstate sets {', '.join(CALLSTATE_VARIABLES)})"
                )
        return self

    def analysis_field(self, name: str) -> AnalysisField | None:
        return next((f for f in self.analysis if f.name == name), None)


def load_agent_spec(path: Path) -> AgentSpec:
    """One audience's agent from its own YAML file; errors name the file and the key."""
    # Imported here: config.load imports config.model, which imports this module.
    from callstate.config.load import ConfigError

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping of agent settings")
    try:
        return AgentSpec.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "(top level)"
            lines.append(f"{path}: {key}: {error['msg']}")
        raise ConfigError("\n".join(lines)) from exc
