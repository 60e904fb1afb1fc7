"""Slack's request signature (v0): `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret,
"v0:<X-Slack-Request-Timestamp>:<raw body>")>`, compared in constant time, the timestamp within
5 minutes of now in either direction (api.slack.com "Verifying requests from Slack";
research/calendar_slack.md §3.5). The HMAC runs over the raw bytes as received.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum

TOLERANCE_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"\d{1,12}")
_SIGNATURE = re.compile(r"v0=([0-9a-f]{64})")


class Rejection(StrEnum):
    MALFORMED = "malformed"
    STALE = "stale"
    FUTURE = "future"
    MISMATCH = "mismatch"


class SlackSignatureError(Exception):
    def __init__(self, reason: Rejection) -> None:
        super().__init__(f"slack signature {reason.value}")
        self.reason = reason


def sign(body: bytes, secret: str, timestamp: int) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(body: bytes, timestamp: str, signature: str, secret: str, *, now: float) -> None:
    """Raise `SlackSignatureError` unless `secret` signed `body` at `timestamp` (epoch
    seconds) within the window around `now`."""
    stamp, given = timestamp.strip(), _SIGNATURE.fullmatch(signature.strip())
    if not _TIMESTAMP.fullmatch(stamp) or given is None:
        raise SlackSignatureError(Rejection.MALFORMED)
    if int(stamp) < now - TOLERANCE_SECONDS:
        raise SlackSignatureError(Rejection.STALE)
    if int(stamp) > now + TOLERANCE_SECONDS:
        raise SlackSignatureError(Rejection.FUTURE)
    if not hmac.compare_digest(sign(body, secret, int(stamp)), f"v0={given.group(1)}"):
        raise SlackSignatureError(Rejection.MISMATCH)
