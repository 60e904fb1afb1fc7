"""HubSpot emulator: CRM objects (contacts, deals, calls), unique-property upserts, lagging
search, associations, properties and property groups, deal pipelines, owners, sequences and
rate limits — over both the v3/v4 and the 2026-09 path families, shaped after
`../shared/vendor-specs/hubspot/`."""

from callstate.sandbox.hubspot.app import create_hubspot_app
from callstate.sandbox.hubspot.gate import HubSpotRateLimit

__all__ = ["HubSpotRateLimit", "create_hubspot_app"]
