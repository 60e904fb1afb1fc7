"""The GoHighLevel scopes a workspace's configuration needs, each with one cheap read.

A Private Integration Token lacking a scope gets 401 "The token is not authorized for this
scope." (the same status as a bad token, told apart by the words; crm.md §2.1). Write scopes
cannot be probed without writing; the detail names them beside their read scope.
"""

from __future__ import annotations

from callstate.config.model import Workspace
from callstate.connectors.errors import Permanent
from callstate.connectors.schema import Probe

_SCOPE_WORDS = "not authorized for this scope"
# A number no one has: the duplicate search answers (empty) without touching a real contact.
_NOBODY = "+15005550000"


def probes(workspace: Workspace, location_id: str, company_id: str) -> list[Probe]:
    motions = [a.crm for a in workspace.audiences]
    location = {"locationId": location_id}
    wanted = [
        Probe(
            "contacts.readonly",
            "find callers (write: contacts.write for upserts, tags, notes)",
            "GET",
            "/contacts/search/duplicate",
            {**location, "number": _NOBODY},
        ),
        Probe(
            "locations/customFields.readonly",
            "write custom fields (apply: locations/customFields.write)",
            "GET",
            f"/locations/{location_id}/customFields",
            {"model": "contact"},
        ),
    ]
    if any(m.stages for m in motions):
        wanted.append(
            Probe(
                "opportunities.readonly",
                "keep one opportunity per lead in its stage (write: opportunities.write)",
                "GET",
                "/opportunities/pipelines",
                location,
            )
        )
    if workspace.team or workspace.default_owner or any(m.owner for m in motions):
        wanted.append(
            Probe(
                "users.readonly",
                "assign owners by email",
                "GET",
                "/users/search",
                {"companyId": company_id, **location, "limit": "1"},
            )
        )
    if any(m.sequences for m in motions):
        wanted.append(
            Probe(
                "workflows.readonly",
                "add leads to follow-up workflows",
                "GET",
                "/workflows/",
                location,
            )
        )
    return wanted


def is_scope_refusal(error: Permanent) -> bool:
    return error.status == 401 and _SCOPE_WORDS in error.message
