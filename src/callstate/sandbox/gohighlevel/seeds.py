"""What an emulated GoHighLevel sub-account holds before the first request, and its id scheme.

The default seed is one location `loc_sandbox_acme` reached with the Private Integration Token
`sandbox-ghl-token` — the value a workspace's `token: ${GHL_TOKEN}` takes in sandbox mode
(`config.secrets.sandbox_secret`) — with three users, a "Sales Pipeline" whose open stages are
New Lead → Contacted → Qualified → Appointment Booked (won and lost are opportunity *statuses* in
GoHighLevel, not stages: `PUT /opportunities/{id}/status`, research/crm.md §2.5), and two
workflows.
"""

from __future__ import annotations

import hashlib
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Identifier = Literal["email", "phone"]
_ALPHABET = string.ascii_letters + string.digits
_STAGE_NAMESPACE = uuid.UUID("6f1d3c1e-5b7a-4d2e-9a53-0c7e4b9d2a11")


def ghl_id(kind: str, n: int | str) -> str:
    """A 20-character id shaped like GoHighLevel's (`ocQHyuzHvysMo5N5VsXc`), derived from a
    counter so ids are stable across sandboxes and never reused (counters survive a reset)."""
    digest = hashlib.sha256(f"{kind}:{n}".encode()).digest()
    return "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:20])


def stage_id(pipeline: str, name: str) -> str:
    """Stage ids are UUIDs in GoHighLevel (`pipeline_stage_id` example in opportunities.json)."""
    return str(uuid.uuid5(_STAGE_NAMESPACE, f"{pipeline}:{name}"))


@dataclass(frozen=True)
class DuplicateRule:
    """The sub-account's "Allow Duplicate Contact" setting (research/crm.md §2.3).

    `priority`: the identifiers that find an existing contact, first match wins. With
    `allow_duplicates=False` those identifiers are unique in the location; with `True`, a
    contact upsert still matches by them unless the request says `createNewIfDuplicateAllowed`.
    """

    allow_duplicates: bool = False
    priority: tuple[Identifier, ...] = ("email", "phone")


@dataclass(frozen=True)
class UserSeed:
    id: str
    first_name: str
    last_name: str
    email: str
    role: str = "user"


@dataclass(frozen=True)
class PipelineSeed:
    id: str
    name: str
    stages: tuple[str, ...]


@dataclass(frozen=True)
class WorkflowSeed:
    id: str
    name: str
    status: str = "published"


@dataclass(frozen=True)
class LocationSeed:
    """One sub-account and its PIT. `scopes=None` grants every scope; `duplicate_rule=None`
    takes the app's rule. `custom_fields` are `POST /locations/{id}/customFields` bodies,
    created once (by model and name) so a restarted sandbox keeps their ids."""

    id: str
    company_id: str
    name: str
    token: str
    timezone: str = "America/New_York"
    duplicate_rule: DuplicateRule | None = None
    scopes: frozenset[str] | None = None
    users: tuple[UserSeed, ...] = ()
    pipelines: tuple[PipelineSeed, ...] = ()
    workflows: tuple[WorkflowSeed, ...] = ()
    custom_fields: tuple[Mapping[str, Any], ...] = field(default=())


SEEDED_AT = 1_767_225_600.0  # 2026-01-01T00:00:00Z: seeds look the same in every sandbox
SANDBOX_TOKEN = "sandbox-ghl-token"  # noqa: S105 - a sandbox credential, never a real one
SANDBOX_LOCATION_ID = "loc_sandbox_acme"
SANDBOX_COMPANY_ID = "cmp_sandbox_acme"
SALES_PIPELINE = PipelineSeed(
    id=ghl_id("seed-pipeline", "sales"),
    name="Sales Pipeline",
    stages=("New Lead", "Contacted", "Qualified", "Appointment Booked"),
)
SANDBOX_USERS = (
    UserSeed(ghl_id("seed-user", "sam"), "Sam", "Ortiz", "sam@acme.test", role="admin"),
    UserSeed(ghl_id("seed-user", "riley"), "Riley", "Chen", "riley@acme.test"),
    UserSeed(ghl_id("seed-user", "jordan"), "Jordan", "Patel", "jordan@acme.test"),
)
SANDBOX_WORKFLOWS = (
    WorkflowSeed(ghl_id("seed-workflow", "follow-up"), "Post-call follow-up"),
    WorkflowSeed(ghl_id("seed-workflow", "nurture"), "Reactivation nurture"),
)
SANDBOX_LOCATION = LocationSeed(
    id=SANDBOX_LOCATION_ID,
    company_id=SANDBOX_COMPANY_ID,
    name="Acme Roofing (sandbox)",
    token=SANDBOX_TOKEN,
    users=SANDBOX_USERS,
    pipelines=(SALES_PIPELINE,),
    workflows=SANDBOX_WORKFLOWS,
)
