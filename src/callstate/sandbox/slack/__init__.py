"""Slack Web API emulator: channels, chat.postMessage with threads and metadata, history and
replies, auth.test, optional per-channel rate limiting — shaped after
`../shared/vendor-specs/slack/slack_web_openapi_v2.json` (stale; see tests/vendor_specs.py)."""

from callstate.sandbox.slack.app import create_slack_app
from callstate.sandbox.slack.methods import SlackRateLimit
from callstate.sandbox.slack.workspace import channel_id

__all__ = ["SlackRateLimit", "channel_id", "create_slack_app"]
