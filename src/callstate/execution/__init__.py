"""Durable execution: one DBOS workflow per call event, one step per effect, recorded attempts."""
