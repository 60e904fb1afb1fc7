"""Reconciliation watermarks: how far back each workspace's runtime calls have been checked.

The watermark only moves forward: a reconciler that finished late (or one run twice at once)
must never make a later run skip calls an earlier run had not yet settled. The last run's time
and report are kept beside it for the admin view and `callstate reconcile`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from callstate.storage.dialect import insert_ignoring_conflicts
from callstate.storage.tables import ReconcileMarkRow


@dataclass(frozen=True, slots=True)
class ReconcileMark:
    workspace: str
    runtime: str
    watermark: datetime
    last_run_at: datetime
    last_report: dict[str, Any]


class ReconcileMarks:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, workspace: str, runtime: str) -> datetime | None:
        """The watermark, or None before the first successful run."""
        mark = self.mark(workspace, runtime)
        return None if mark is None else mark.watermark

    def mark(self, workspace: str, runtime: str) -> ReconcileMark | None:
        query = select(ReconcileMarkRow).where(
            ReconcileMarkRow.workspace == workspace, ReconcileMarkRow.runtime == runtime
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        if row is None:
            return None
        return ReconcileMark(
            workspace=row.workspace,
            runtime=row.runtime,
            watermark=row.watermark,
            last_run_at=row.last_run_at,
            last_report=dict(row.last_report),
        )

    def advance(
        self,
        workspace: str,
        runtime: str,
        watermark: datetime,
        report: dict[str, Any],
        now: datetime,
    ) -> None:
        """Store the run; the watermark becomes `watermark` unless it is already later.
        Safe to repeat and to race: the later watermark always wins."""
        key = (ReconcileMarkRow.workspace == workspace, ReconcileMarkRow.runtime == runtime)
        first = insert_ignoring_conflicts(
            self._engine,
            ReconcileMarkRow.__table__,  # type: ignore[arg-type]
            {
                "workspace": workspace,
                "runtime": runtime,
                "watermark": watermark,
                "last_run_at": now,
                "last_report": report,
            },
        )
        with self._engine.begin() as connection:
            connection.execute(first)
            connection.execute(
                update(ReconcileMarkRow).where(*key).values(last_run_at=now, last_report=report)
            )
            connection.execute(
                update(ReconcileMarkRow)
                .where(*key, ReconcileMarkRow.watermark < watermark)
                .values(watermark=watermark)
            )
