"""HubSpot emulator: CRM objects (contacts, calls), unique-property upserts, lagging search,
associations, property definitions, rate-limit headers — over both the v3/v4 and the 2026-09
path families, shaped after `../shared/vendor-specs/hubspot/`."""

from callstate.sandbox.hubspot.app import create_hubspot_app
from callstate.sandbox.hubspot.gate import HubSpotRateLimit

__all__ = ["HubSpotRateLimit", "create_hubspot_app"]
