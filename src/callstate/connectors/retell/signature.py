"""`x-retell-signature` verification: `v=<ms>,d=<hex HMAC-SHA256(api key, raw body + ms)>`.

Stricter than needed in the right places (research/voice.md §1.6, reliability.md §1.3): the
timestamp window applies in both directions, the digest must be 64 lower-case hex characters, and
the comparison is constant-time. The HMAC runs over the raw bytes, never re-serialised JSON.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum

TOLERANCE_MS = 5 * 60 * 1000
_HEADER = re.compile(r"v=(\d{1,16}),d=([0-9a-f]{64})")


class Rejection(StrEnum):
    MISSING = "missing"
    MALFORMED = "malformed"
    STALE = "stale"
    FUTURE = "future"
    MISMATCH = "mismatch"


class SignatureError(Exception):
    def __init__(self, reason: Rejection) -> None:
        super().__init__(f"signature {reason.value}")
        self.reason = reason


def sign(body: bytes, api_key: str, timestamp_ms: int) -> str:
    digest = hmac.new(api_key.encode(), body + str(timestamp_ms).encode(), hashlib.sha256)
    return f"v={timestamp_ms},d={digest.hexdigest()}"


def verify(body: bytes, header: str | None, api_keys: tuple[str, ...], now_ms: int) -> None:
    """Raise `SignatureError` unless one of `api_keys` signed `body` within the window.

    Several keys are accepted so an operator can rotate the Retell API key without downtime.
    """
    if not header:
        raise SignatureError(Rejection.MISSING)
    match = _HEADER.fullmatch(header.strip())
    if match is None:
        raise SignatureError(Rejection.MALFORMED)
    timestamp = int(match.group(1))
    if timestamp < now_ms - TOLERANCE_MS:
        raise SignatureError(Rejection.STALE)
    if timestamp > now_ms + TOLERANCE_MS:
        raise SignatureError(Rejection.FUTURE)
    given = match.group(2)
    message = body + match.group(1).encode()
    valid = False
    for key in api_keys:
        expected = hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
        valid |= hmac.compare_digest(expected, given)
    if not valid:
        raise SignatureError(Rejection.MISMATCH)
