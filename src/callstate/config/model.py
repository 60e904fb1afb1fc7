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

from callstate.domain.fields import CATALOGUE, FieldType
from callstate.domain.outcome import Outcome
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
    deal_key_property: str = Field(
        default="callstate_deal_key",
        description="unique-value deal property: one open deal per contact per pipeline",
    )
    property_prefix: str = Field(
        default="callstate_", description="contact property name = prefix + field name"
    )
    tags_property: str = Field(
        default="callstate_tags", description="multiple-checkbox contact property for tags"
    )
    requests_per_10s: int = Field(
        default=100, ge=1, description="the app's burst limit: 100 Free/Starter, 190 Pro/Ent."
    )
    search_per_second: int = Field(default=5, ge=1, description="CRM search limit per account")


class GoHighLevelConfig(_Strict):
    kind: Literal["gohighlevel"] = "gohighlevel"
    token: Secret = Field(description="Private Integration Token of the sub-account (pit-...)")
    location_id: str = Field(description="the sub-account (location) the token is bound to")
    base_url: str = "https://services.leadconnectorhq.com"


CrmConfig = Annotated[HubSpotConfig | GoHighLevelConfig, Field(discriminator="kind")]


class SlackConfig(_Strict):
    kind: Literal["slack"] = "slack"
    bot_token: Secret
    base_url: str = "https://slack.com/api/"


class TeamMember(_Strict):
    """A person who owns leads; found in the CRM (and Slack) by email."""

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    name: str


class CustomField(_Strict):
    """An audience-specific contact field filled from the agent's post-call analysis."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")
    label: str
    type: FieldType = FieldType.TEXT
    options: tuple[str, ...] = ()
    source: str | None = Field(
        default=None, description="key in the analysis' custom data; default: `name`"
    )


class IcpRule(_Strict):
    """Points when an analysis value matches; the reasons are written to the CRM."""

    field: str = Field(description="key in the analysis' custom data")
    equals: str | int | float | bool | None = None
    any_of: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    points: int = Field(ge=-100, le=100)
    reason: str

    @model_validator(mode="after")
    def _one_test(self) -> IcpRule:
        tests = [
            self.equals is not None,
            bool(self.any_of),
            self.min is not None or self.max is not None,
        ]
        if sum(tests) != 1:
            raise ValueError("an ICP rule tests exactly one of `equals`, `any_of`, `min`/`max`")
        return self


class Icp(_Strict):
    rules: tuple[IcpRule, ...] = ()
    qualified_at: int = Field(
        default=60, ge=0, le=100, description="score that makes a lead qualified"
    )


class SalesMotion(_Strict):
    """How an audience's calls land in the CRM. Stage ids or labels are the CRM's own."""

    pipeline: str = "default"
    stages: dict[Outcome, str] = Field(default_factory=dict, description="outcome → deal stage")
    backwards: tuple[Outcome, ...] = Field(
        default=(), description="outcomes allowed to move a deal to an earlier stage"
    )
    tags: dict[Outcome, tuple[str, ...]] = Field(default_factory=dict)
    sequences: dict[Outcome, str] = Field(
        default_factory=dict, description="outcome → HubSpot sequence id / GoHighLevel workflow id"
    )
    fields: tuple[str, ...] | None = Field(
        default=None, description="catalogue fields to write (default: all)"
    )
    custom_fields: tuple[CustomField, ...] = ()
    sources: dict[str, str] = Field(
        default_factory=dict, description="catalogue field → key in the analysis' custom data"
    )
    owner: str | None = Field(default=None, description="default owner's email for this audience")

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        unknown = sorted(set(value or ()) - set(CATALOGUE))
        if unknown:
            raise ValueError(f"unknown fields {unknown}; known: {sorted(CATALOGUE)}")
        return value


class Audience(_Strict):
    """One kind of conversation (inbound qualifier, outbound caller, ...) and where it reports."""

    id: Slug
    name: str
    default: bool = False
    agent_ids: tuple[str, ...] = ()
    numbers: tuple[Phone, ...] = ()
    notify_channel: str = Field(description="Slack channel name or id for owner notifications")
    crm: SalesMotion = Field(default_factory=SalesMotion)
    icp: Icp = Field(default_factory=Icp)


class Workspace(_Strict):
    id: Slug
    name: str
    timezone: str = "America/New_York"
    retell: RetellConfig
    crm: CrmConfig
    chat: SlackConfig
    team: tuple[TeamMember, ...] = ()
    default_owner: str | None = Field(default=None, description="email of a team member")
    alerts_channel: str | None = Field(
        default=None,
        description="Slack channel for failure alerts (default: the default "
        "audience's notify_channel)",
    )
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
        emails = {m.email for m in self.team}
        owners = [self.default_owner, *(a.crm.owner for a in self.audiences)]
        strangers = sorted({o for o in owners if o is not None and o not in emails})
        if strangers:
            raise ValueError(f"owners {strangers} are not in `team`")
        return self

    def owner_for(self, audience: Audience) -> str | None:
        return audience.crm.owner or self.default_owner

    @property
    def alerts_to(self) -> str:
        return self.alerts_channel or self.default_audience.notify_channel

    @property
    def default_audience(self) -> Audience:
        return next(a for a in self.audiences if a.default)

    def audience(self, audience_id: str) -> Audience:
        return next(a for a in self.audiences if a.id == audience_id)
