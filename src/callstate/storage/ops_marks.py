"""Which periodic check already counted an occurrence for which period.

The ops checks run every minute on every worker; an incident occurrence is worth one count per
period (a 15-minute signature window, a few hours of a stale registry), not one per worker per
run. Claiming the period's row is the decision: of two workers, one inserts and counts.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Engine, Table, delete

from callstate.domain.values import require_utc
from callstate.storage.dialect import insert_ignoring_conflicts
from callstate.storage.tables import OpsMarkRow


class OpsMarks:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._table = cast(Table, OpsMarkRow.__table__)  # declared, so a Table

    def claim(self, workspace: str, key: str, period: datetime) -> bool:
        """True for the first claim of (workspace, key, period); False ever after."""
        values = {"workspace": workspace, "key": key, "period": require_utc(period)}
        statement = insert_ignoring_conflicts(self._engine, self._table, values).returning(
            self._table.c.key
        )
        with self._engine.begin() as connection:
            return connection.execute(statement).first() is not None

    def prune(self, before: datetime) -> int:
        """Forget the periods that started before `before`."""
        with self._engine.begin() as connection:
            pruned = connection.execute(
                delete(OpsMarkRow).where(OpsMarkRow.period < require_utc(before))
            )
            return pruned.rowcount
