"""GoHighLevel (HighLevel / LeadConnector API v2) connector: the `Crm` port for one location."""
