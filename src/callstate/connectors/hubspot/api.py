"""HubSpot wire models: only the fields callstate reads.

Paths target the date-versioned API (`/crm/objects/2026-09/...`); HubSpot serves v3 beside it
until September 2027 (https://developers.hubspot.com/docs/api-reference/latest/overview).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

VERSION = "2026-09"
OBJECTS = f"/crm/objects/{VERSION}"
PIPELINES = f"/crm/pipelines/{VERSION}"
OWNERS = f"/crm/owners/{VERSION}"
SEQUENCES = f"/automation/sequences/{VERSION}"
# HUBSPOT_DEFINED association type ids (hubspot-api-client 12.0.0 association_type.py).
CALL_TO_CONTACT = 194
CALL_TO_DEAL = 206
DEAL_TO_CONTACT = 3


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SimpleObject(_Wire):
    id: str
    properties: dict[str, str | None] = {}


class UpsertResult(SimpleObject):
    new: bool | None = None


class BatchUpsertResponse(_Wire):
    status: str
    results: list[UpsertResult]


class SearchResponse(_Wire):
    total: int = 0
    results: list[SimpleObject] = []


class Stage(_Wire):
    id: str
    label: str
    displayOrder: int = 0  # noqa: N815 - HubSpot's field name
    archived: bool = False
    # Strings in the documents (crm-pipelines-v3.json), numbers in their prose: take both.
    metadata: dict[str, str | bool | float | None] = {}

    @property
    def closed(self) -> bool:
        """A deal stage's `metadata.isClosed` (closed won and closed lost stages)."""
        return str(self.metadata.get("isClosed")).casefold() == "true"


class Pipeline(_Wire):
    id: str
    label: str
    stages: list[Stage] = []
    archived: bool = False

    def ordered(self) -> list[Stage]:
        """Display order, ties by label (HubSpot pipelines guide)."""
        live = [s for s in self.stages if not s.archived]
        return sorted(live, key=lambda s: (s.displayOrder, s.label))


class Pipelines(_Wire):
    results: list[Pipeline] = []


class Owner(_Wire):
    id: str
    email: str | None = None
    userId: int | None = None  # noqa: N815 - HubSpot's field name
    archived: bool = False


class Owners(_Wire):
    results: list[Owner] = []


class Enrollment(_Wire):
    id: str
    sequenceId: str | None = None  # noqa: N815 - HubSpot's field name


class ErrorBody(_Wire):
    message: str = ""
    category: str | None = None
    correlationId: str | None = None  # noqa: N815 - HubSpot's field name
