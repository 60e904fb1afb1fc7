"""Slack Web API emulator: channels and DMs, chat.postMessage/update with threads and metadata,
members (users.*), the external file upload, signed interactivity payloads with response_urls,
per-channel and per-method rate limits — shaped after
`../shared/vendor-specs/slack/slack_web_openapi_v2.json` (stale; see tests/vendor_specs.py)."""

from callstate.sandbox.slack.app import create_slack_app
from callstate.sandbox.slack.interactivity import sign
from callstate.sandbox.slack.limits import METHOD_TIERS, SlackRateLimit
from callstate.sandbox.slack.users import SlackUser, user_id
from callstate.sandbox.slack.workspace import channel_id, im_id

__all__ = [
    "METHOD_TIERS",
    "SlackRateLimit",
    "SlackUser",
    "channel_id",
    "create_slack_app",
    "im_id",
    "sign",
    "user_id",
]
