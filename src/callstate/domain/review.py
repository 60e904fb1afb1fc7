"""The review queue's vocabulary: why a call was flagged, what a reviewer may do to it, and what
a review message shows. Pure values shared by the policy, the effect, storage and the message.

An item is `open` until a reviewer decides. Approve, mark do-not-call and reassign are final
(the message loses its buttons); a re-run of the analysis is not (the item stays open to a
decision, now `reanalysed`).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from callstate.domain.values import UtcDateTime


class ReviewReason(BaseModel):
    """One rule that fired: a stable `code` for filters and a sentence for people."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    text: str


class ReviewStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    DO_NOT_CALL = "do_not_call"
    REASSIGNED = "reassigned"
    REANALYSED = "reanalysed"

    @property
    def final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({ReviewStatus.APPROVED, ReviewStatus.DO_NOT_CALL, ReviewStatus.REASSIGNED})


class ReviewAction(StrEnum):
    """What a reviewer clicked; the value is the button's `action_id` after `review:`."""

    APPROVE = "approve"
    RERUN = "rerun"
    DNC = "dnc"
    REASSIGN = "reassign"

    @property
    def status(self) -> ReviewStatus:
        """The item's status once the action is done."""
        return _STATUS_AFTER[self]


_STATUS_AFTER = {
    ReviewAction.APPROVE: ReviewStatus.APPROVED,
    ReviewAction.RERUN: ReviewStatus.REANALYSED,
    ReviewAction.DNC: ReviewStatus.DO_NOT_CALL,
    ReviewAction.REASSIGN: ReviewStatus.REASSIGNED,
}


class ActionStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class ReviewDecision(BaseModel):
    """The latest thing a reviewer did to an item, as its message tells it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: ReviewStatus
    actor_id: str = Field(description="the Slack user id, shown as a mention")
    at: UtcDateTime
    detail: str | None = Field(default=None, description='e.g. "to Jo Chen"')


class ReviewView(BaseModel):
    """What a review message shows; rendered by the chat connector."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_id: str = Field(description="the buttons' value: which item a click is about")
    message_key: str = Field(description="tags the message, so a retried post finds it")
    audience_name: str
    caller: str
    caller_phone: str | None
    outcome: str
    reasons: tuple[ReviewReason, ...]
    summary: str | None = None
    excerpt: str | None = Field(default=None, description="words around a matched phrase")
    recording_url: str | None = None
    contact_url: str | None = None
    zone: str = Field(description="IANA zone decision times are shown in (the workspace's)")
    team: tuple[tuple[str, str], ...] = Field(
        default=(), description="(email, name) of the members an owner can be reassigned to"
    )
    decision: ReviewDecision | None = None

    @property
    def final(self) -> bool:
        return self.decision is not None and self.decision.status.final
