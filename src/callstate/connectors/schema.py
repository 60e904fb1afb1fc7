"""Schema as code: what a workspace's configuration needs in its CRM, and what is there.

`callstate crm plan` prints one `SchemaItem` per thing (property, option, stage, user);
`callstate crm apply` creates what `can_create` marks and never deletes or alters anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from callstate.config.model import Workspace


class SchemaState(StrEnum):
    OK = "ok"  # present and as needed
    MISSING = "missing"  # `apply` creates it
    ADD_OPTIONS = "add options"  # present; `apply` adds the missing options
    CONFLICT = "conflict"  # present but different (type, uniqueness): an operator decides
    MANUAL = "manual"  # missing and not ours to create (a pipeline stage, a user)
    CREATED = "created"


@dataclass(frozen=True, slots=True)
class SchemaItem:
    object: str  # contacts, deals, calls, pipelines, users
    name: str
    state: SchemaState
    detail: str = ""

    @property
    def can_create(self) -> bool:
        return self.state in (SchemaState.MISSING, SchemaState.ADD_OPTIONS)


class CrmSchema(Protocol):
    def plan(self, workspace: Workspace) -> list[SchemaItem]:
        """Compare what the workspace needs with the CRM. Reads only."""
        ...

    def apply(self, workspace: Workspace) -> list[SchemaItem]:
        """Create what `plan` reports as missing (properties, options); never deletes.

        Safe to repeat: a second run finds everything present. Raises `Permanent` when the token
        lacks the schema scopes.
        """
        ...

    def close(self) -> None: ...
