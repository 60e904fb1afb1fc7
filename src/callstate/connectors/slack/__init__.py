"""Slack: owner notifications through `slack_sdk` with a bot token."""
