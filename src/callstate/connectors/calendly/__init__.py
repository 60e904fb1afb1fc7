"""Calendly API v2: the `Calendar` port over the Scheduling API, and webhook verification."""
