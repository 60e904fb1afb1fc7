"""Our verifier against the official retell-sdk's `verify` as the oracle."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from retell.lib.webhook_auth import verify as sdk_verify

from callstate.connectors.retell.signature import Rejection, SignatureError, sign, verify

KEY = "key_test_webhook"
NOW = 1_764_000_000_000
BODY = b'{"event":"call_analyzed","call":{"call_id":"c1","note":"caf\xc3\xa9"}}'


def rejection(body: bytes, header: str | None, now: int = NOW) -> Rejection | None:
    try:
        verify(body, header, (KEY,), now)
    except SignatureError as exc:
        return exc.reason
    return None


def test_sdk_accepts_what_we_sign() -> None:
    header = sign(BODY, KEY, NOW)
    # The SDK checks the window against the wall clock; sign with the current time for it.
    import time

    now = int(time.time() * 1000)
    assert sdk_verify(BODY.decode(), KEY, sign(BODY, KEY, now))
    assert rejection(BODY, header) is None


@pytest.mark.parametrize(
    ("case", "header", "body", "expected"),
    [
        ("valid", sign(BODY, KEY, NOW), BODY, None),
        ("wrong key", sign(BODY, "other_key", NOW), BODY, Rejection.MISMATCH),
        ("tampered body", sign(BODY, KEY, NOW), BODY.replace(b"c1", b"c2"), Rejection.MISMATCH),
        ("stale -6 min", sign(BODY, KEY, NOW - 360_000), BODY, Rejection.STALE),
        ("future +6 min", sign(BODY, KEY, NOW + 360_000), BODY, Rejection.FUTURE),
        ("edge -5 min", sign(BODY, KEY, NOW - 300_000), BODY, None),
        ("missing", None, BODY, Rejection.MISSING),
        ("empty", "", BODY, Rejection.MISSING),
        ("garbled", "v=abc,d=xyz", BODY, Rejection.MALFORMED),
        (
            "upper-case hex",
            sign(BODY, KEY, NOW).upper().replace("V=", "v=").replace("D=", "d="),
            BODY,
            Rejection.MALFORMED,
        ),
        ("no timestamp", "d=" + "a" * 64, BODY, Rejection.MALFORMED),
    ],
)
def test_signature_table(
    case: str, header: str | None, body: bytes, expected: Rejection | None
) -> None:
    assert rejection(body, header) == expected, case


def test_rotation_accepts_either_key() -> None:
    header = sign(BODY, "old_key", NOW)
    verify(BODY, header, ("new_key", "old_key"), NOW)
    with pytest.raises(SignatureError):
        verify(BODY, header, ("new_key",), NOW)


@given(
    body=st.binary(max_size=300).filter(lambda b: _utf8(b)),
    key=st.text(min_size=1, max_size=40),
    offset=st.integers(-400_000, 400_000),
)
def test_agrees_with_the_sdk(body: bytes, key: str, offset: int) -> None:
    header = sign(body, key, NOW + offset)
    ours = True
    try:
        verify(body, header, (key,), NOW)
    except SignatureError:
        ours = False
    # The SDK reads the clock itself; compare at the SDK's notion of "now" by re-signing
    # relative to the wall clock.
    import time

    wall = int(time.time() * 1000)
    sdk = sdk_verify(body.decode(), key, sign(body, key, wall + offset))
    assert ours == sdk


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
