"""GoHighLevel (LeadConnector API v2) emulator: PIT auth bound to a location, the `Version`
header, contact upsert under the location's duplicate rule, tags, notes, custom fields, users,
pipelines and opportunities, workflows, rate limits with `X-RateLimit-*` headers — shaped after
`../shared/vendor-specs/gohighlevel/` (see tests/vendor_specs.py for where those are wrong)."""

from callstate.sandbox.gohighlevel.app import create_gohighlevel_app
from callstate.sandbox.gohighlevel.gate import GoHighLevelRateLimit
from callstate.sandbox.gohighlevel.seeds import (
    SANDBOX_COMPANY_ID,
    SANDBOX_LOCATION,
    SANDBOX_LOCATION_ID,
    SANDBOX_TOKEN,
    DuplicateRule,
    LocationSeed,
    PipelineSeed,
    UserSeed,
    WorkflowSeed,
)

__all__ = [
    "SANDBOX_COMPANY_ID",
    "SANDBOX_LOCATION",
    "SANDBOX_LOCATION_ID",
    "SANDBOX_TOKEN",
    "DuplicateRule",
    "GoHighLevelRateLimit",
    "LocationSeed",
    "PipelineSeed",
    "UserSeed",
    "WorkflowSeed",
    "create_gohighlevel_app",
]
