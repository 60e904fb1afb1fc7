"""Call artifacts copied from the runtime (recording, transcript): where each copy lives.

One row per (workspace, runtime, call, kind). `path` is relative to the artifact root the
copier was given, so the data directory can move without rewriting rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, select

from callstate.storage.dialect import upsert
from callstate.storage.tables import CallArtifactRow

_KEY = ("workspace", "runtime", "external_call_id", "kind")


@dataclass(frozen=True, slots=True)
class ArtifactView:
    workspace: str
    runtime: str
    call_id: str
    kind: str
    source_url: str | None
    path: str
    content_type: str
    size: int
    sha256: str
    copied_at: datetime


def _view(row: Row[Any]) -> ArtifactView:
    return ArtifactView(
        workspace=row.workspace,
        runtime=row.runtime,
        call_id=row.external_call_id,
        kind=row.kind,
        source_url=row.source_url,
        path=row.path,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        copied_at=row.copied_at,
    )


class CallArtifacts:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def record(self, artifact: ArtifactView) -> None:
        """Store the copy, replacing an earlier row of the same call and kind. Safe to repeat."""
        values = {
            "workspace": artifact.workspace,
            "runtime": artifact.runtime,
            "external_call_id": artifact.call_id,
            "kind": artifact.kind,
            "source_url": artifact.source_url,
            "path": artifact.path,
            "content_type": artifact.content_type,
            "size": artifact.size,
            "sha256": artifact.sha256,
            "copied_at": artifact.copied_at,
        }
        statement = upsert(
            self._engine,
            CallArtifactRow.__table__,  # type: ignore[arg-type]
            values,
            keys=_KEY,
        )
        with self._engine.begin() as connection:
            connection.execute(statement)

    def get(self, workspace: str, runtime: str, call_id: str, kind: str) -> ArtifactView | None:
        query = select(CallArtifactRow).where(
            CallArtifactRow.workspace == workspace,
            CallArtifactRow.runtime == runtime,
            CallArtifactRow.external_call_id == call_id,
            CallArtifactRow.kind == kind,
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).one_or_none()
        return None if row is None else _view(row)

    def for_call(self, workspace: str, runtime: str, call_id: str) -> list[ArtifactView]:
        query = (
            select(CallArtifactRow)
            .where(
                CallArtifactRow.workspace == workspace,
                CallArtifactRow.runtime == runtime,
                CallArtifactRow.external_call_id == call_id,
            )
            .order_by(CallArtifactRow.kind)
        )
        with self._engine.connect() as connection:
            return [_view(row) for row in connection.execute(query)]
