"""Refused signed requests, counted per workspace, sender and minute.

A counter, not a log: a storm of forged webhooks is a few rows (one per minute per sender), each
request one upsert. The ops check sums the last minutes against a threshold. Losing a count on a
crash is harmless (the commit need not wait for the disk), which keeps the refusal path cheap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import cast

from sqlalchemy import Engine, Table, delete, func, select

from callstate.domain.values import require_utc
from callstate.storage.dialect import commit_without_flush, upsert
from callstate.storage.tables import SignatureFailureRow


class SignatureSource(StrEnum):
    RETELL = "retell"  # call webhooks, in-call tools, inbound calls
    CALCOM = "calcom"
    CALENDLY = "calendly"
    SLACK = "slack"  # interactivity (review-queue buttons)


def minute_of(now: datetime) -> datetime:
    """The bucket a moment falls in: its minute, in UTC."""
    return require_utc(now).replace(second=0, microsecond=0)


class SignatureFailures:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._table = cast(Table, SignatureFailureRow.__table__)  # declared, so a Table

    def count(self, workspace: str, source: str, now: datetime) -> None:
        """Count one refusal in `now`'s minute. Not idempotent: each call is one refusal."""
        kind = SignatureSource(source)
        statement = upsert(
            self._engine,
            self._table,
            {"workspace": workspace, "source": kind.value, "minute": minute_of(now), "count": 1},
            keys=("workspace", "source", "minute"),
            changes={"count": self._table.c.count + 1},
        )
        with self._engine.begin() as connection:
            commit_without_flush(connection)
            connection.execute(statement)

    def totals(
        self, workspace: str, since: datetime, until: datetime
    ) -> dict[SignatureSource, int]:
        """Refusals per sender in the minutes from `since`'s up to (not including) `until`'s."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(SignatureFailureRow.source, func.sum(SignatureFailureRow.count))
                .where(
                    SignatureFailureRow.workspace == workspace,
                    SignatureFailureRow.minute >= minute_of(since),
                    SignatureFailureRow.minute < minute_of(until),
                )
                .group_by(SignatureFailureRow.source)
            ).all()
        return {SignatureSource(source): int(total) for source, total in rows}

    def prune(self, before: datetime) -> int:
        """Forget the minutes before `before` (only recent windows are ever read)."""
        with self._engine.begin() as connection:
            pruned = connection.execute(
                delete(SignatureFailureRow).where(SignatureFailureRow.minute < minute_of(before))
            )
            return pruned.rowcount


def window(now: datetime, minutes: int) -> tuple[datetime, datetime]:
    """The last `minutes` minutes up to and including `now`'s (still filling), as the bounds
    `totals` takes: a storm is seen the moment it crosses the threshold."""
    end = minute_of(now) + timedelta(minutes=1)
    return end - timedelta(minutes=minutes), end
