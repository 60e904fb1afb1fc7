"""The HubSpot scopes a workspace's configuration needs, each with one cheap read that needs it.

Scopes are the ones HubSpot's documents declare per operation (vendor-specs/hubspot, `security`);
a token without one gets 403 `MISSING_SCOPES` (401 is a bad or expired token). Write scopes
cannot be probed without writing; reading the same object type is the closest honest check, and
the detail says so.
"""

from __future__ import annotations

from callstate.config.model import Workspace
from callstate.connectors.errors import Permanent
from callstate.connectors.hubspot import api
from callstate.connectors.schema import Probe

_ONE = {"limit": "1"}


def probes(workspace: Workspace) -> list[Probe]:
    motions = [a.crm for a in workspace.audiences]
    wanted = [
        Probe(
            "crm.objects.contacts.read",
            "find callers and log calls (write: crm.objects.contacts.write)",
            "GET",
            f"{api.OBJECTS}/contacts",
            _ONE,
        ),
        Probe(
            "crm.schemas.contacts.read",
            "check custom contact properties (apply: crm.schemas.contacts.write)",
            "GET",
            f"/crm/properties/{api.VERSION}/contacts",
        ),
    ]
    if any(m.stages for m in motions):
        wanted.append(
            Probe(
                "crm.objects.deals.read",
                "keep one deal per lead in its stage (write: crm.objects.deals.write)",
                "GET",
                f"{api.OBJECTS}/deals",
                _ONE,
            )
        )
    if workspace.team or workspace.default_owner or any(m.owner for m in motions):
        wanted.append(
            Probe("crm.objects.owners.read", "assign owners by email", "GET", api.OWNERS, _ONE)
        )
    if any(m.sequences for m in motions):
        wanted.append(
            Probe(
                "automation.sequences.read",
                "enrol leads in sequences (write: automation.sequences.enrollments.write)",
                "GET",
                api.SEQUENCES,
                _ONE,
            )
        )
    return wanted


def is_scope_refusal(error: Permanent) -> bool:
    """403 is a missing scope (MISSING_SCOPES); 401 is the token itself."""
    return error.status == 403
