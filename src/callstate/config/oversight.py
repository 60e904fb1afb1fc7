"""How the team oversees a workspace's calls: which calls go to the review queue, when the daily
digest is sent, how fresh the do-not-call registry must be, and when refused signatures alert.
Strict, frozen models, part of the workspace file (`config.model.Workspace`, `Audience.review`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from callstate.config.strict import Strict

# Said by a caller, these mean a person should look at the call. "sue" alone would match the
# name Sue, so only its unambiguous forms are listed.
DEFAULT_REVIEW_PHRASES = (
    "stop calling",
    "do not call",
    "don't call",
    "take me off",
    "remove me",
    "lawyer",
    "attorney",
    "sue you",
    "suing",
    "complaint",
    "scam",
    "report you",
)


class VipRules(Strict):
    """A call from an account that matters more, judged only from what the agent extracted."""

    min_icp_score: int | None = Field(
        default=None, ge=0, le=100, description="ICP score at or above which a lead is a VIP"
    )
    companies: tuple[str, ...] = Field(
        default=(), description="company names (case-insensitive) whose calls are always reviewed"
    )
    company_field: str = Field(default="company", description="analysis key holding the company")
    min_deal_value: float | None = Field(
        default=None, ge=0, description="deal value at or above which a lead is a VIP"
    )
    deal_value_field: str = Field(
        default="deal_value", description="analysis key holding the expected deal value"
    )


class ReviewRules(Strict):
    """When a call goes to the review queue (a Slack message with Approve / Re-run analysis /
    Mark do-not-call / Reassign owner buttons). Any rule that fires flags the call."""

    enabled: bool = True
    negative_sentiment: bool = Field(default=True, description="Retell's user_sentiment Negative")
    phrases: tuple[str, ...] = Field(
        default=DEFAULT_REVIEW_PHRASES,
        description="said by the caller (case-insensitive, whole words)",
    )
    failed_booking: bool = Field(
        default=True, description="the caller agreed a meeting the call could not book"
    )
    max_silence_seconds: float | None = Field(
        default=20, gt=0, description="longest gap between utterances; none: off"
    )
    min_confidence: float | None = Field(
        default=0.5,
        ge=0,
        le=1,
        description="below this `confidence` (0-1 or a percentage) extracted by the agent",
    )
    unclear_outcome: bool = Field(
        default=False,
        description="a connected call whose outcome the agent did not state (inferred)",
    )
    vip: VipRules = Field(default_factory=VipRules)


def _wall_clock(value: object) -> object:
    """YAML 1.1 reads an unquoted `9:30` as the base-60 integer 570: read it back as 09:30."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


class DigestSchedule(Strict):
    """The daily digest: yesterday's numbers, posted each day at `at` in the workspace's zone."""

    at: Annotated[str, BeforeValidator(_wall_clock)] = Field(
        default="08:00",
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
        description="local time (HH:MM, the workspace's `timezone`) the digest is sent",
    )
    channel: str | None = Field(
        default=None, description="Slack channel (default: the alerts channel)"
    )
    enabled: bool = True


class DncPolicy(Strict):
    """Do-not-call: the national registry copy must be at most 31 days old when dialling
    (FCC 04-204; research/reliability.md §2.2). The internal list always applies."""

    registry_max_age_days: int = Field(
        default=31, ge=1, le=31, description="oldest registry import that still counts as fresh"
    )
    registry_required: bool | None = Field(
        default=None,
        description="alert when the registry copy is stale or missing (unset: required when "
        "any audience has an outbound agent)",
    )


class SignatureAlerts(Strict):
    """Refused signed requests (forged traffic, or a secret rotated on one side only)."""

    threshold: int = Field(
        default=10, ge=1, description="refusals of one sender within the window that alert"
    )
    window_minutes: int = Field(default=15, ge=1, le=60, description="the window, in minutes")
