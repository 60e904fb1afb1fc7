"""GoHighLevel (LeadConnector API v2) wire models: only the fields callstate reads.

Shapes from `vendor-specs/gohighlevel/apps/*.json`; every operation we call requires
`Version: 2021-07-28` (research/crm.md §2.1).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

VERSION = "2021-07-28"
STATUSES = ("open", "won", "lost", "abandoned")  # opportunity statuses that can be written


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class FieldValue(_Wire):
    id: str
    value: Any = None


class Contact(_Wire):
    id: str
    name: str | None = None
    firstName: str | None = None  # noqa: N815 - GoHighLevel's field names
    lastName: str | None = None  # noqa: N815
    email: str | None = None
    phone: str | None = None
    assignedTo: str | None = None  # noqa: N815
    tags: list[str] = []
    customFields: list[FieldValue] = []  # noqa: N815


class DuplicateResponse(_Wire):
    """`GET /contacts/search/duplicate`: the document gives its 200 no schema; the contact, or
    null when none matches, is what its description implies (unverified, crm.md §7)."""

    contact: Contact | None = None


class UpsertResponse(_Wire):
    new: bool = False
    contact: Contact


class ContactResponse(_Wire):
    contact: Contact


class Tags(_Wire):
    tags: list[str] = []


class CustomField(_Wire):
    id: str
    name: str = ""
    fieldKey: str = ""  # noqa: N815
    dataType: str = "TEXT"  # noqa: N815
    picklistOptions: list[str] = []  # noqa: N815


class CustomFields(_Wire):
    customFields: list[CustomField] = []  # noqa: N815


class Stage(_Wire):
    id: str
    name: str
    position: float | None = None


class Pipeline(_Wire):
    id: str
    name: str
    stages: list[Stage] = []

    def ordered(self) -> list[Stage]:
        """By `position` where given, else as listed (research/crm.md §7: the stage object is
        not described in the documents)."""
        listed = list(enumerate(self.stages))
        listed.sort(key=lambda pair: (pair[1].position is None, pair[1].position or 0, pair[0]))
        return [stage for _, stage in listed]


class Pipelines(_Wire):
    pipelines: list[Pipeline] = []


class Opportunity(_Wire):
    id: str
    pipelineId: str  # noqa: N815
    pipelineStageId: str = ""  # noqa: N815
    status: str = "open"
    assignedTo: str | None = None  # noqa: N815
    updatedAt: str = ""  # noqa: N815
    monetaryValue: float | None = None  # noqa: N815


class OpportunityResponse(_Wire):
    opportunity: Opportunity


class OpportunitySearch(_Wire):
    opportunities: list[Opportunity] = []


class Location(_Wire):
    id: str
    companyId: str  # noqa: N815


class LocationResponse(_Wire):
    location: Location


class User(_Wire):
    id: str
    email: str = ""
    deleted: bool = False


class Users(_Wire):
    users: list[User] = []


class Workflow(_Wire):
    id: str
    name: str = ""


class Workflows(_Wire):
    workflows: list[Workflow] = []


class Note(_Wire):
    id: str
    body: str = ""


class NoteResponse(_Wire):
    note: Note


class Notes(_Wire):
    notes: list[Note] = []


class ErrorBody(_Wire):
    """`BadRequestDTO` / `UnauthorizedDTO` / `UnprocessableDTO` (common-schemas.json)."""

    statusCode: int | None = None  # noqa: N815
    message: str | list[str] = ""
    error: str | None = None
    trace_id: str | None = Field(default=None, alias="traceId")
