"""HubSpot CRM: contacts upserted on a unique E.164 property, calls logged as `calls` objects."""
