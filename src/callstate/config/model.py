"""A workspace (one per client of an agency) and its audiences: strict, frozen models.

Secrets are never written in YAML: a secret field holds a `${ENV_VAR}` reference, resolved at load
time from the environment the caller passes in (`config.secrets`, `config.load`).
"""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from callstate.config.agents import AgentSpec
from callstate.config.hours import BusinessHours, Cadence
from callstate.config.oversight import DigestSchedule, DncPolicy, ReviewRules, SignatureAlerts
from callstate.config.secrets import Secret
from callstate.config.strict import Strict
from callstate.domain.fields import CATALOGUE, FieldType
from callstate.domain.outcome import Outcome
from callstate.domain.values import Phone

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown IANA time zone {value!r}") from exc
    return value


class RetellConfig(Strict):
    api_key: Secret = Field(description="Retell API key with the webhook badge; it signs webhooks")
    base_url: str = Field(default="https://api.retellai.com", description="Retell's REST API")


class HubSpotConfig(Strict):
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


class GoHighLevelConfig(Strict):
    kind: Literal["gohighlevel"] = "gohighlevel"
    token: Secret = Field(description="Private Integration Token of the sub-account (pit-...)")
    location_id: str = Field(description="the sub-account (location) the token is bound to")
    base_url: str = "https://services.leadconnectorhq.com"


CrmConfig = Annotated[HubSpotConfig | GoHighLevelConfig, Field(discriminator="kind")]


class CalcomConfig(Strict):
    kind: Literal["calcom"] = "calcom"
    api_key: Secret = Field(description="Cal.com API key (cal_live_...) of the team's account")
    base_url: str = "https://api.cal.com"
    webhook_secret: Secret | None = Field(
        default=None, description="the secret of the Cal.com webhook pointed at callstate"
    )


class CalendlyConfig(Strict):
    kind: Literal["calendly"] = "calendly"
    token: Secret = Field(description="Calendly personal access token or OAuth token")
    base_url: str = "https://api.calendly.com"
    signing_key: Secret | None = Field(
        default=None, description="the signing key of the Calendly webhook subscription"
    )


CALENDLY_EVENT_TYPES = "https://api.calendly.com/event_types/"
CalendarConfig = Annotated[CalcomConfig | CalendlyConfig, Field(discriminator="kind")]


class SlackConfig(Strict):
    kind: Literal["slack"] = "slack"
    bot_token: Secret
    base_url: str = "https://slack.com/api/"
    signing_secret: Secret | None = Field(
        default=None,
        description="the Slack app's signing secret; without one the review buttons' "
        "interactivity endpoint answers 404",
    )


class TeamMember(Strict):
    """A person who owns leads; found in the CRM (and Slack) by email."""

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    name: str
    calendar: str | None = Field(
        default=None,
        description="the member's bookable event type: Cal.com event type id, Calendly "
        "event type URI; without one the member is never offered for meetings",
    )
    weight: int = Field(
        default=1, ge=0, le=100, description="round-robin share; 0 = only sticky owners"
    )
    away: bool = Field(default=False, description="skipped by routing until set back")
    timezone: str | None = Field(
        default=None, description="IANA zone the member reads times in (default: workspace's)"
    )

    @field_validator("timezone")
    @classmethod
    def _member_zone(cls, value: str | None) -> str | None:
        return None if value is None else _known_zone(value)


class CustomField(Strict):
    """An audience-specific contact field filled from the agent's post-call analysis."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,49}$")
    label: str
    type: FieldType = FieldType.TEXT
    options: tuple[str, ...] = ()
    source: str | None = Field(
        default=None, description="key in the analysis' custom data; default: `name`"
    )


class IcpRule(Strict):
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


class Icp(Strict):
    rules: tuple[IcpRule, ...] = ()
    qualified_at: int = Field(
        default=60, ge=0, le=100, description="score that makes a lead qualified"
    )


class SalesMotion(Strict):
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


class Meetings(Strict):
    """How the in-call tools offer and book meetings for an audience."""

    pool: tuple[str, ...] = Field(
        default=(),
        description="team emails who take this audience's meetings (default: every member "
        "with a calendar)",
    )
    offer: int = Field(default=3, ge=1, le=5, description="slots spoken per availability check")
    search_days: int = Field(
        default=14, ge=1, le=60, description="how far ahead to look when no day is named"
    )
    cancelled_stage: str | None = Field(
        default=None,
        description="deal stage when the lead cancels in the calendar (moved back to it); "
        "none: the stage stays",
    )
    cancelled_tags: tuple[str, ...] = Field(
        default=("meeting-cancelled",), description="tags added when a meeting is cancelled"
    )


class Audience(Strict):
    """One kind of conversation (inbound qualifier, outbound caller, ...) and where it reports."""

    id: Slug
    name: str
    default: bool = False
    agent_ids: tuple[str, ...] = ()
    numbers: tuple[Phone, ...] = ()
    notify_channel: str = Field(description="Slack channel name or id for owner notifications")
    crm: SalesMotion = Field(default_factory=SalesMotion)
    icp: Icp = Field(default_factory=Icp)
    meetings: Meetings = Field(default_factory=Meetings)
    agent: AgentSpec | None = Field(
        default=None,
        description="how the audience's Retell agent behaves (`callstate agents plan|apply`)",
    )
    cadence: Cadence | None = Field(
        default=None, description="retries after a voicemail or no answer; none: no retry"
    )
    voicemail_notify: bool = Field(
        default=False, description="ping the owner for a voicemail (off: voicemails are quiet)"
    )
    review: ReviewRules = Field(
        default_factory=ReviewRules, description="which calls a person should review"
    )


class Workspace(Strict):
    id: Slug
    name: str
    timezone: str = "America/New_York"
    retell: RetellConfig
    crm: CrmConfig
    chat: SlackConfig
    calendar: CalendarConfig | None = Field(
        default=None, description="where meetings are booked; none: the tools say so"
    )
    team: tuple[TeamMember, ...] = ()
    default_owner: str | None = Field(default=None, description="email of a team member")
    alerts_channel: str | None = Field(
        default=None,
        description="Slack channel for failure alerts (default: the default "
        "audience's notify_channel)",
    )
    review_channel: str | None = Field(
        default=None,
        description="Slack channel of the review queue (default: the default audience's "
        "notify_channel)",
    )
    audiences: tuple[Audience, ...] = Field(min_length=1)
    hours: BusinessHours | None = Field(
        default=None, description="business hours in `timezone`; none: always open"
    )
    after_hours_audience: str | None = Field(
        default=None, description="audience id that answers inbound calls outside `hours`"
    )
    dnc: DncPolicy = Field(default_factory=DncPolicy)
    signature_alerts: SignatureAlerts = Field(default_factory=SignatureAlerts)
    digest: DigestSchedule | None = Field(
        default=None, description="the daily digest to Slack; none: only `callstate digest`"
    )

    @field_validator("timezone")
    @classmethod
    def _workspace_zone(cls, value: str) -> str:
        return _known_zone(value)

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
        owners += [e for a in self.audiences for e in a.meetings.pool]
        strangers = sorted({o for o in owners if o is not None and o not in emails})
        if strangers:
            raise ValueError(f"owners {strangers} are not in `team`")
        return self

    @model_validator(mode="after")
    def _calendars_match(self) -> Workspace:
        calendars = [(m.email, m.calendar) for m in self.team if m.calendar]
        match self.calendar:
            case CalcomConfig():
                wrong = [e for e, c in calendars if not c.isdigit()]
                expected = "a Cal.com event type id (a number)"
            case CalendlyConfig():
                wrong = [e for e, c in calendars if not c.startswith(CALENDLY_EVENT_TYPES)]
                expected = f"a Calendly event type URI ({CALENDLY_EVENT_TYPES}<uuid>)"
            case None:
                wrong, expected = [e for e, _ in calendars], "no calendar: set `calendar:`"
        if wrong:
            raise ValueError(f"team members {wrong}: `calendar` must be {expected}")
        return self

    @model_validator(mode="after")
    def _after_hours_audience_exists(self) -> Workspace:
        known = [a.id for a in self.audiences]
        if self.after_hours_audience is not None and self.after_hours_audience not in known:
            raise ValueError(
                f"after_hours_audience {self.after_hours_audience!r} is not an audience; "
                f"known: {known}"
            )
        return self

    def member(self, email: str) -> TeamMember | None:
        return next((m for m in self.team if m.email == email), None)

    def meeting_pool(self, audience: Audience) -> tuple[TeamMember, ...]:
        """Who may take the audience's meetings, in configured order: members with a calendar."""
        chosen = audience.meetings.pool or tuple(m.email for m in self.team)
        return tuple(m for e in chosen if (m := self.member(e)) is not None and m.calendar)

    def owner_for(self, audience: Audience) -> str | None:
        return audience.crm.owner or self.default_owner

    @property
    def registry_required(self) -> bool:
        """Whether a fresh do-not-call registry copy is required: as configured, else whenever
        the workspace dials out."""
        if self.dnc.registry_required is not None:
            return self.dnc.registry_required
        return any(a.agent is not None and a.agent.direction == "outbound" for a in self.audiences)

    @property
    def alerts_to(self) -> str:
        return self.alerts_channel or self.default_audience.notify_channel

    @property
    def digest_to(self) -> str:
        return (self.digest.channel if self.digest else None) or self.alerts_to

    @property
    def review_to(self) -> str:
        return self.review_channel or self.default_audience.notify_channel

    @property
    def default_audience(self) -> Audience:
        return next(a for a in self.audiences if a.default)

    def audience(self, audience_id: str) -> Audience:
        return next(a for a in self.audiences if a.id == audience_id)
