"""The daily digest as data: the rows of one workspace's local day, and the report made of them.

Pure values. `storage.digest` reads a `DigestDay`, `policy.digest.build_report` turns it into a
`DigestReport`, and the Slack connector, the chart and the CLI render that report.

Definitions the numbers follow:
- a call belongs to the day its first event reached us (`calls.created_at`), in the
  workspace's zone;
- connect rate = calls whose line connected ÷ (outbound calls dialled + inbound calls
  received); the outbound rate is the same over outbound calls only (what a dialler reads);
- a stage move is a successful `ensure_deal` that created a deal or moved it ("already at" and
  "kept" are not moves); a deal moved twice in a day counts once, at its last stage;
- deal value touched = the sum of the known amounts of the deals moved; deals whose CRM has no
  amount are counted apart, never guessed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from callstate.domain.call import CallStatus, Direction, Disposition
from callstate.domain.outcome import Outcome
from callstate.domain.values import UtcDateTime

UNANALYSED = "unanalysed"  # a call of the day whose analysis has not been planned (yet)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DayCall(_Frozen):
    """One call of the day and what followed it (read now, not at the end of the day)."""

    runtime: str
    external_call_id: str
    audience: str
    direction: Direction
    disposition: Disposition | None
    status: CallStatus
    outcome: Outcome | None
    caller_number: str | None
    created_at: UtcDateTime
    meeting: bool = False  # a meeting (booked or being booked) came from this call
    sequence: bool = False  # a follow-up sequence was started for this call
    next_call: bool = False  # another call to the number is scheduled or placed since


class DayMeeting(_Frozen):
    """A meeting booked during the day (its booking was made then, whenever it takes place)."""

    key: str
    external_call_id: str
    owner_email: str
    start: UtcDateTime
    attendee_name: str
    owner_in_crm: bool  # the call's `assign_owner` succeeded


class DealTouch(_Frozen):
    """A successful `ensure_deal` of the day, from the effect ledger."""

    deal_id: str
    vendor: str
    stage: str  # the stage's label where the CRM reports one, else its id
    detail: str  # the connector's move reason: "created at …", "moved … → …", "kept …"
    amount: Decimal | None
    outcome: Outcome | None
    at: UtcDateTime


class DayIncident(_Frozen):
    title: str
    occurrences: int
    opened_at: UtcDateTime


class DigestDay(_Frozen):
    """Everything a digest is computed from; `review_waiting` is None when unknown."""

    workspace: str
    date: date
    zone: str
    start: UtcDateTime
    end: UtcDateTime
    calls: tuple[DayCall, ...] = ()
    meetings: tuple[DayMeeting, ...] = ()
    deals: tuple[DealTouch, ...] = ()
    incidents: tuple[DayIncident, ...] = ()
    review_waiting: int | None = None
    review_examples: tuple[str, ...] = ()


class OutcomeCount(_Frozen):
    outcome: str  # an `Outcome` value or `UNANALYSED`
    label: str
    count: int


class AudienceRow(_Frozen):
    audience: str
    name: str
    calls: int
    outcomes: tuple[OutcomeCount, ...]  # non-zero only, best outcome first


class StageRow(_Frozen):
    stage: str
    deals: int
    value: Decimal  # of the deals with a known amount


class FlagKind(StrEnum):
    HOT_WITHOUT_FOLLOW_UP = "hot_without_follow_up"
    MEETING_WITHOUT_OWNER = "meeting_without_owner"
    DNC_REQUEST = "dnc_request"
    FAILED_CALL = "failed_call"
    INCIDENT = "incident"
    REVIEW_WAITING = "review_waiting"


class Flag(_Frozen):
    """Something that costs revenue if nobody looks: a count and a few examples."""

    kind: FlagKind
    label: str
    count: int
    examples: tuple[str, ...] = ()


class DigestReport(_Frozen):
    workspace: str
    workspace_name: str
    date: date
    zone: str
    start: UtcDateTime
    end: UtcDateTime
    calls: int
    inbound: int
    outbound: int
    connected: int
    outbound_connected: int
    audiences: tuple[AudienceRow, ...]
    meetings_booked: int
    stage_moves: tuple[StageRow, ...]
    deals_moved: int
    deal_value: Decimal
    deals_without_value: int
    flags: tuple[Flag, ...]  # every kind known for the day, zero counts included

    @property
    def connect_rate(self) -> float | None:
        return self.connected / self.calls if self.calls else None

    @property
    def outbound_connect_rate(self) -> float | None:
        return self.outbound_connected / self.outbound if self.outbound else None

    @property
    def raised(self) -> tuple[Flag, ...]:
        """The flags that need someone: a non-zero count."""
        return tuple(f for f in self.flags if f.count)
