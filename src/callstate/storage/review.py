"""The review queue: items (flagged calls) and the reviewers' actions on them.

Repeat-safety is in the keys, not in the callers: an item is keyed by its `FlagForReview`
effect key (opening it twice returns the first), an action by `(item, action, value)` (the same
click twice is one row, so one workflow), and a decision only moves an item that is not
decided yet (the first final decision wins). The methods are what a review screen needs too:
list a workspace's open items, get one, decide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, Row, Table, func, select, update

from callstate.domain.review import (
    ActionStatus,
    ReviewAction,
    ReviewDecision,
    ReviewReason,
    ReviewStatus,
)
from callstate.domain.values import UtcDateTime
from callstate.storage.dialect import insert_ignoring_conflicts
from callstate.storage.tables import ReviewActionRow, ReviewItemRow

_UNDECIDED = (ReviewStatus.OPEN.value, ReviewStatus.REANALYSED.value)


def item_id(key: str) -> str:
    """A short id for the item of a `FlagForReview` key (it rides in the buttons' `value`)."""
    return "rv_" + hashlib.sha256(key.encode()).hexdigest()[:24]


def action_id(item: str, action: ReviewAction, value: str) -> str:
    return "ra_" + hashlib.sha256(f"{item}|{action.value}|{value}".encode()).hexdigest()[:24]


class ReviewActionView(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    item: str
    action: ReviewAction
    value: str
    actor_id: str
    actor_name: str
    requested_at: UtcDateTime
    status: ActionStatus
    result: str | None
    finished_at: UtcDateTime | None


class NewItem(BaseModel):
    """What opening an item records (the message's channel and ts come after the post)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    workspace: str
    runtime: str
    external_call_id: str
    audience: str
    caller: str
    caller_phone: str | None
    outcome: str
    reasons: tuple[ReviewReason, ...]
    summary: str | None = None
    excerpt: str | None = None
    recording_url: str | None = None
    contact_url: str | None = None


class ReviewItem(NewItem):
    """A stored item: what was opened, where its message is, and the decision once made."""

    id: str
    status: ReviewStatus
    channel: str | None
    ts: str | None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    decided_by: str | None
    decided_by_name: str | None
    decided_at: UtcDateTime | None
    decision_detail: str | None

    @property
    def decision(self) -> ReviewDecision | None:
        if self.decided_by is None or self.decided_at is None:
            return None
        return ReviewDecision(
            status=self.status,
            actor_id=self.decided_by,
            at=self.decided_at,
            detail=self.decision_detail,
        )


class ReviewQueue:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._items = cast(Table, ReviewItemRow.__table__)  # declared, so a Table
        self._actions = cast(Table, ReviewActionRow.__table__)

    # -- items ------------------------------------------------------------------------------

    def open(self, new: NewItem, *, now: datetime) -> ReviewItem:
        """Open the item of `new.key`, or return the one already open: safe to repeat."""
        values = new.model_dump()
        values["reasons"] = [r.model_dump() for r in new.reasons]
        row = {
            **values,
            "id": item_id(new.key),
            "status": ReviewStatus.OPEN.value,
            "created_at": now,
            "updated_at": now,
        }
        with self._engine.begin() as connection:
            connection.execute(insert_ignoring_conflicts(self._engine, self._items, row))
        found = self.get(item_id(new.key))
        assert found is not None
        return found

    def attach_message(self, item: str, channel: str, ts: str, *, now: datetime) -> None:
        """Where the item's Slack message is. Safe to repeat (a set)."""
        with self._engine.begin() as connection:
            connection.execute(
                update(ReviewItemRow)
                .where(ReviewItemRow.id == item)
                .values(channel=channel, ts=ts, updated_at=now)
            )

    def get(self, item: str) -> ReviewItem | None:
        with self._engine.connect() as connection:
            row = connection.execute(select(ReviewItemRow).where(ReviewItemRow.id == item)).first()
        return None if row is None else _item(row)

    def list_open(self, workspace: str, *, limit: int = 100) -> list[ReviewItem]:
        """The workspace's undecided items (open or re-analysed), oldest first."""
        query = (
            select(ReviewItemRow)
            .where(ReviewItemRow.workspace == workspace, ReviewItemRow.status.in_(_UNDECIDED))
            .order_by(ReviewItemRow.created_at, ReviewItemRow.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [_item(row) for row in connection.execute(query)]

    def count_open(self, workspace: str) -> int:
        """How many of the workspace's items are undecided (the queue's length now)."""
        query = (
            select(func.count())
            .select_from(ReviewItemRow)
            .where(ReviewItemRow.workspace == workspace, ReviewItemRow.status.in_(_UNDECIDED))
        )
        with self._engine.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def decide(
        self,
        item: str,
        status: ReviewStatus,
        *,
        actor_id: str,
        actor_name: str,
        detail: str | None,
        now: datetime,
        changes: dict[str, Any] | None = None,
    ) -> bool:
        """Move an undecided item to `status`, recording who and when (and `changes`, e.g. a
        re-analysis' outcome). False, changing nothing, when the item is already decided: the
        first final decision wins, so repeating is safe."""
        with self._engine.begin() as connection:
            moved = connection.execute(
                update(ReviewItemRow)
                .where(ReviewItemRow.id == item, ReviewItemRow.status.in_(_UNDECIDED))
                .values(
                    status=status.value,
                    decided_by=actor_id,
                    decided_by_name=actor_name,
                    decided_at=now,
                    decision_detail=detail,
                    updated_at=now,
                    **(changes or {}),
                )
            )
            return moved.rowcount == 1

    # -- actions ----------------------------------------------------------------------------

    def request(
        self,
        item: str,
        action: ReviewAction,
        value: str,
        *,
        actor_id: str,
        actor_name: str,
        now: datetime,
    ) -> tuple[ReviewActionView, bool]:
        """Record a click; True when it is new. The same (item, action, value) again returns
        the first action and records nothing."""
        row = {
            "id": action_id(item, action, value),
            "item": item,
            "action": action.value,
            "value": value,
            "actor_id": actor_id,
            "actor_name": actor_name[:200],
            "requested_at": now,
            "status": ActionStatus.PENDING.value,
        }
        # RETURNING tells whether the row went in (psycopg's rowcount does not, here).
        statement = insert_ignoring_conflicts(self._engine, self._actions, row).returning(
            self._actions.c.id
        )
        with self._engine.begin() as connection:
            inserted = connection.execute(statement).all()
        found = self.action(str(row["id"]))
        assert found is not None
        return found, len(inserted) == 1

    def action(self, action: str) -> ReviewActionView | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(ReviewActionRow).where(ReviewActionRow.id == action)
            ).first()
        return None if row is None else _action(row)

    def actions_of(self, item: str) -> list[ReviewActionView]:
        query = (
            select(ReviewActionRow)
            .where(ReviewActionRow.item == item)
            .order_by(ReviewActionRow.requested_at, ReviewActionRow.id)
        )
        with self._engine.connect() as connection:
            return [_action(row) for row in connection.execute(query)]

    def undispatched(self, limit: int) -> list[str]:
        """Actions not yet handed to a workflow, oldest first."""
        query = (
            select(ReviewActionRow.id)
            .where(ReviewActionRow.dispatched_at.is_(None))
            .order_by(ReviewActionRow.requested_at, ReviewActionRow.id)
            .limit(limit)
        )
        with self._engine.connect() as connection:
            return [str(i) for i in connection.execute(query).scalars()]

    def mark_dispatched(self, actions: Sequence[str], now: datetime) -> None:
        if not actions:
            return
        with self._engine.begin() as connection:
            connection.execute(
                update(ReviewActionRow)
                .where(ReviewActionRow.id.in_(list(actions)))
                .values(dispatched_at=now)
            )

    def finish(self, action: str, status: ActionStatus, result: str, *, now: datetime) -> bool:
        """Close a pending action; False when it was closed already (safe to repeat)."""
        with self._engine.begin() as connection:
            closed = connection.execute(
                update(ReviewActionRow)
                .where(
                    ReviewActionRow.id == action,
                    ReviewActionRow.status == ActionStatus.PENDING.value,
                )
                .values(status=status.value, result=result[:2000], finished_at=now)
            )
            return closed.rowcount == 1


def _item(row: Row[Any]) -> ReviewItem:
    data = dict(row._mapping)
    data["reasons"] = tuple(ReviewReason.model_validate(r) for r in data["reasons"] or [])
    return ReviewItem.model_validate(data)


def _action(row: Row[Any]) -> ReviewActionView:
    data = dict(row._mapping)
    data.pop("dispatched_at", None)
    return ReviewActionView.model_validate(data)
