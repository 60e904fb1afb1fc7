"""A workspace (one per client of an agency) and its audiences: strict, frozen models.

Secrets are never written in YAML: a secret field holds a `${ENV_VAR}` reference, resolved at load
time from the environment the caller passes in (see `config.load`).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from callstate.domain.values import Phone

_REF = re.compile(r"^\$\{([A-Z][A-Z0-9_]*)\}$")
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


def sandbox_secret(var: str) -> str:
    """The value an unset secret takes in sandbox mode (README names RETELL_API_KEY's)."""
    return "sandbox-" + var.lower().replace("_", "-")


def _resolve_secret(value: object, info: ValidationInfo) -> str:
    if not isinstance(value, str) or not (match := _REF.match(value)):
        raise ValueError("secrets are referenced by env-var name, e.g. ${HUBSPOT_TOKEN}")
    var = match.group(1)
    context = info.context or {}
    env: dict[str, str] = context.get("env", {})
    if env.get(var):
        return env[var]
    if context.get("sandbox"):
        return sandbox_secret(var)
    raise ValueError(f"environment variable {var} is not set")


Secret = Annotated[SecretStr, BeforeValidator(_resolve_secret)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RetellConfig(_Strict):
    api_key: Secret = Field(description="Retell API key with the webhook badge; it signs webhooks")


class HubSpotConfig(_Strict):
    kind: Literal["hubspot"] = "hubspot"
    token: Secret
    base_url: str = "https://api.hubapi.com"
    portal_id: str | None = Field(default=None, description="for links to records in HubSpot's UI")
    contact_key_property: str = Field(
        default="callstate_e164",
        description="unique-value contact property holding the E.164 phone; upserts key on it",
    )
    call_key_property: str = Field(
        default="callstate_call_key", description="call property holding the effect's key"
    )


class SlackConfig(_Strict):
    kind: Literal["slack"] = "slack"
    bot_token: Secret
    base_url: str = "https://slack.com/api/"


class Audience(_Strict):
    """One kind of conversation (inbound qualifier, outbound caller, ...) and where it reports."""

    id: Slug
    name: str
    default: bool = False
    agent_ids: tuple[str, ...] = ()
    numbers: tuple[Phone, ...] = ()
    notify_channel: str = Field(description="Slack channel name or id for owner notifications")


class Workspace(_Strict):
    id: Slug
    name: str
    timezone: str = "America/New_York"
    retell: RetellConfig
    crm: HubSpotConfig
    chat: SlackConfig
    audiences: tuple[Audience, ...] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _audiences_consistent(self) -> Workspace:
        ids = [a.id for a in self.audiences]
        if len(set(ids)) != len(ids):
            raise ValueError("audience ids must be unique")
        if sum(a.default for a in self.audiences) != 1:
            raise ValueError("exactly one audience must be `default: true`")
        agents = [agent for a in self.audiences for agent in a.agent_ids]
        if len(set(agents)) != len(agents):
            raise ValueError("an agent id may belong to one audience only")
        numbers = [n for a in self.audiences for n in a.numbers]
        if len(set(numbers)) != len(numbers):
            raise ValueError("a phone number may belong to one audience only")
        return self

    @property
    def default_audience(self) -> Audience:
        return next(a for a in self.audiences if a.default)

    def audience(self, audience_id: str) -> Audience:
        return next(a for a in self.audiences if a.id == audience_id)
