"""HubSpot wire models: only the fields callstate reads.

Paths target the date-versioned API (`/crm/objects/2026-09/...`); HubSpot serves v3 beside it
until September 2027 (https://developers.hubspot.com/docs/api-reference/latest/overview).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

VERSION = "2026-09"
OBJECTS = f"/crm/objects/{VERSION}"
CALL_TO_CONTACT = 194  # HUBSPOT_DEFINED association type id: call → contact


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


class ErrorBody(_Wire):
    message: str = ""
    category: str | None = None
    correlationId: str | None = None  # noqa: N815 - HubSpot's field name
