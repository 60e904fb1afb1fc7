"""Schema as code: what a workspace's configuration needs in its CRM, and what is there.

`callstate crm plan` prints one `SchemaItem` per thing (property, option, stage, user);
`callstate crm apply` creates what `can_create` marks and never deletes or alters anything.
`callstate doctor` adds `access`: one cheap read per scope the connector needs (`Probe`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from callstate.config.model import Workspace
from callstate.connectors.errors import Permanent


class SchemaState(StrEnum):
    OK = "ok"  # present and as needed
    MISSING = "missing"  # `apply` creates it
    ADD_OPTIONS = "add options"  # present; `apply` adds the missing options
    CONFLICT = "conflict"  # present but different (type, uniqueness): an operator decides
    MANUAL = "manual"  # missing and not ours to create (a pipeline stage, a user)
    DENIED = "denied"  # the token lacks a scope: an operator grants it in the CRM
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

    def access(self, workspace: Workspace) -> list[SchemaItem]:
        """One item per scope the workspace's configuration needs: OK when a read that needs it
        succeeds, DENIED (with the scope to grant) when the CRM refuses it. Reads only.

        Raises `Permanent` when the token itself is rejected (nothing else can be checked).
        """
        ...

    def apply(self, workspace: Workspace) -> list[SchemaItem]:
        """Create what `plan` reports as missing (properties, options); never deletes.

        Safe to repeat: a second run finds everything present. Raises `Permanent` when the token
        lacks the schema scopes.
        """
        ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Probe:
    """A read that only succeeds with `scope`; `purpose` says what callstate needs it for."""

    scope: str
    purpose: str
    method: str
    path: str
    params: dict[str, str] | None = None


# Runs one probe's request; raises `Permanent` (with the vendor's status) when refused.
RunProbe = Callable[[Probe], object]
# Tells a refused scope (True) from a rejected token (False) by the vendor's status and words.
IsScopeRefusal = Callable[[Permanent], bool]


def check_access(
    probes: Sequence[Probe], run: RunProbe, is_scope_refusal: IsScopeRefusal, vendor: str
) -> list[SchemaItem]:
    """Run every probe; a refused scope becomes a DENIED item, a rejected token an error."""
    items = []
    for probe in probes:
        try:
            run(probe)
        except Permanent as exc:
            if not is_scope_refusal(exc):
                raise
            detail = f"needed to {probe.purpose}; grant it to the {vendor} app ({exc.message})"
            items.append(SchemaItem("scopes", probe.scope, SchemaState.DENIED, detail))
        else:
            items.append(SchemaItem("scopes", probe.scope, SchemaState.OK, probe.purpose))
    return items
