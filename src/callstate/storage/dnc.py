"""The do-not-call list of each workspace, and the registry imports that date its copy.

One row per (workspace, E.164 number): whatever said "don't call" first (a review, the call
itself, an admin, a registry file) is kept with its reason and date, and a later signal for the
same number changes nothing — the first date is the one that matters to a regulator. Numbers are
never removed automatically (research/reliability.md §6 rule 2); `remove` is an admin's act.

The national registry must be scrubbed against a copy at most 31 days old (§2.2), so every import
is recorded; `last_import` is what the ops check and the dial gate read.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from itertools import islice
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, Row, Table, delete, func, insert, select

from callstate.domain.values import UtcDateTime, require_utc, to_e164
from callstate.storage.dialect import insert_ignoring_conflicts
from callstate.storage.tables import DncNumberRow, DncRegistryImportRow

_BATCH = 1000  # rows per INSERT: 5 columns each stays far under SQLite's 32766 parameters


class DncSource(StrEnum):
    REVIEW = "review"  # a reviewer's action on a flagged call
    CALL = "call"  # the callee asked on the call (Retell `user_requested_dnc`, "stop calling")
    MANUAL = "manual"  # an admin, `callstate dnc add`
    REGISTRY = "registry"  # a national or state registry file, `callstate dnc import`


class DncEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    workspace: str
    phone: str
    source: DncSource
    reason: str
    added_at: UtcDateTime


class RegistryImport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    workspace: str
    imported_at: UtcDateTime
    numbers: int
    source: str  # a label: file name, list and fetch date


class DoNotCall:
    """Every method takes numbers in any form `to_e164` reads (default region US) and raises
    `InvalidPhoneError` for one it cannot."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._table = cast(Table, DncNumberRow.__table__)  # declared, so a Table

    def add(self, workspace: str, phone: str, *, source: str, reason: str, now: datetime) -> bool:
        """List the number. True when newly listed; repeating it is safe (the first entry
        stays, with its source, reason and date)."""
        return self.add_many(workspace, [phone], source=source, reason=reason, now=now) == 1

    def add_many(
        self, workspace: str, phones: Iterable[str], *, source: str, reason: str, now: datetime
    ) -> int:
        """List many numbers (a registry file); returns how many were new. Repeat-safe."""
        kind = DncSource(source)
        added_at = require_utc(now)
        added = 0
        numbers = iter(phones)
        while batch := builtins.list(islice(numbers, _BATCH)):
            rows = [
                {
                    "workspace": workspace,
                    "phone": to_e164(p),
                    "source": kind.value,
                    "reason": reason[:2000],
                    "added_at": added_at,
                }
                for p in dict.fromkeys(batch)
            ]
            # RETURNING counts what went in: rowcount of a multi-row insert that skipped
            # conflicts is not reported by every driver (psycopg answers -1).
            statement = insert_ignoring_conflicts(self._engine, self._table, rows).returning(
                self._table.c.phone
            )
            with self._engine.begin() as connection:
                added += len(connection.execute(statement).all())
        return added

    def contains(self, workspace: str, phone: str) -> bool:
        return self.get(workspace, phone) is not None

    def get(self, workspace: str, phone: str) -> DncEntry | None:
        """The entry listing this number (why and since when), or None."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(DncNumberRow).where(
                    DncNumberRow.workspace == workspace, DncNumberRow.phone == to_e164(phone)
                )
            ).first()
        return None if row is None else _entry(row)

    def remove(self, workspace: str, phone: str) -> bool:
        """Unlist the number (an admin's decision, e.g. fresh written consent). True when it
        was listed; repeating it is safe."""
        with self._engine.begin() as connection:
            removed = connection.execute(
                delete(DncNumberRow).where(
                    DncNumberRow.workspace == workspace, DncNumberRow.phone == to_e164(phone)
                )
            )
            return removed.rowcount == 1

    def count(self, workspace: str) -> int:
        with self._engine.connect() as connection:
            return int(
                connection.execute(
                    select(func.count()).where(DncNumberRow.workspace == workspace)
                ).scalar_one()
            )

    def record_import(
        self, workspace: str, *, numbers: int, source: str, now: datetime
    ) -> RegistryImport:
        """Note that a registry file was imported now (its numbers already added)."""
        done = RegistryImport(
            workspace=workspace, imported_at=require_utc(now), numbers=numbers, source=source[:200]
        )
        with self._engine.begin() as connection:
            connection.execute(insert(DncRegistryImportRow).values(done.model_dump()))
        return done

    def last_import(self, workspace: str) -> RegistryImport | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(DncRegistryImportRow)
                .where(DncRegistryImportRow.workspace == workspace)
                .order_by(DncRegistryImportRow.imported_at.desc(), DncRegistryImportRow.id.desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        return RegistryImport(
            workspace=row.workspace,
            imported_at=row.imported_at,
            numbers=row.numbers,
            source=row.source,
        )

    def list(self, workspace: str) -> builtins.list[DncEntry]:
        """Every listed number of the workspace, oldest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(DncNumberRow)
                .where(DncNumberRow.workspace == workspace)
                .order_by(DncNumberRow.added_at, DncNumberRow.phone)
            ).all()
        return [_entry(r) for r in rows]


def _entry(row: Row[Any]) -> DncEntry:
    return DncEntry(
        workspace=row.workspace,
        phone=row.phone,
        source=DncSource(row.source),
        reason=row.reason,
        added_at=row.added_at,
    )
