"""Incidents repository: record an occurrence (opening the incident if none is open), resolve.

Opening is race-free across processes: `open_key` is unique while the incident is open, so of
two workers recording the first failure at the same moment one inserts and the other counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from callstate.domain.alerts import AlertView
from callstate.storage.tables import IncidentRow


class Incidents:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(
        self,
        workspace: str,
        key: str,
        *,
        title: str,
        detail: str,
        subject: str | None,
        now: datetime,
    ) -> str:
        """Count one occurrence; returns the open incident's id (a new one if none was open)."""
        open_key = f"{workspace}:{key}"
        counted = (
            update(IncidentRow)
            .where(IncidentRow.open_key == open_key)
            .values(
                occurrences=IncidentRow.occurrences + 1,
                last_seen_at=now,
                last_subject=subject,
                detail=detail[:2000],
            )
            .returning(IncidentRow.id)
        )
        for _ in range(3):
            with self._engine.begin() as connection:
                found = connection.execute(counted).scalar_one_or_none()
                if found is not None:
                    return str(found)
                incident_id = _incident_id(open_key, now)
                try:
                    with connection.begin_nested():
                        connection.execute(
                            insert(IncidentRow).values(
                                id=incident_id,
                                workspace=workspace,
                                key=key,
                                open_key=open_key,
                                title=title[:300],
                                detail=detail[:2000],
                                occurrences=1,
                                last_subject=subject,
                                opened_at=now,
                                last_seen_at=now,
                            )
                        )
                    return incident_id
                except IntegrityError:  # another worker opened it first: count into that one
                    continue
        raise RuntimeError(f"could not record incident {open_key}")

    def resolve(
        self, workspace: str, keys: Iterable[str], *, resolution: str, now: datetime
    ) -> list[str]:
        """Resolve the open incidents with these keys; returns the ids resolved."""
        open_keys = [f"{workspace}:{k}" for k in keys]
        if not open_keys:
            return []
        with self._engine.begin() as connection:
            resolved = connection.execute(
                update(IncidentRow)
                .where(IncidentRow.open_key.in_(open_keys))
                .values(open_key=None, resolved_at=now, resolution=resolution)
                .returning(IncidentRow.id)
            )
            return [str(r) for r in resolved.scalars()]

    def close(self, incident_id: str, *, resolution: str, now: datetime) -> bool:
        """Resolve one incident by id (a quiet spell); False if it was already resolved."""
        with self._engine.begin() as connection:
            closed = connection.execute(
                update(IncidentRow)
                .where(IncidentRow.id == incident_id, IncidentRow.open_key.is_not(None))
                .values(open_key=None, resolved_at=now, resolution=resolution)
            )
            return closed.rowcount == 1

    def get(self, incident_id: str) -> AlertView | None:
        with self._engine.connect() as connection:
            row = connection.execute(
                select(IncidentRow).where(IncidentRow.id == incident_id)
            ).first()
        if row is None:
            return None
        return AlertView(
            incident_id=row.id,
            workspace=row.workspace,
            title=row.title,
            detail=row.detail,
            occurrences=row.occurrences,
            opened_at=row.opened_at,
            last_seen_at=row.last_seen_at,
            last_subject=row.last_subject,
            resolved_at=row.resolved_at,
            resolution=row.resolution,
        )


def _incident_id(open_key: str, now: datetime) -> str:
    digest = hashlib.sha256(f"{open_key}:{now.isoformat()}".encode()).hexdigest()[:24]
    return f"inc_{digest}"
