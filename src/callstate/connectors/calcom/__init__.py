"""Cal.com (API v2) connector: the `Calendar` port for one API key, and webhook ingress
(`verify_calcom_signature`, `parse_calcom_webhook`)."""
