"""Call recordings a client can download, as from Retell's media CDN.

With a `media_base_url`, a connected call's `recording_url` is
`<media_base_url>/media/<call_id>/recording.wav` and `RecordingCdn` serves it without the API
key, as Retell's (signed) CDN URLs need none (voice.md §1.8). The audio is a short tone, about
one second of 8 kHz mono 16-bit PCM whose pitch and bytes derive from the call id, so the same
call always yields the same file. A call of this account without a recording (not connected,
not ended yet) is 404; a call id the account does not know (the simulator played it straight to
a webhook) is served too. The CDN sits outside the API: its requests are neither authenticated
nor recorded with the API exchanges.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import struct
import wave

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from callstate.sandbox.faults import route_path
from callstate.sandbox.retell.phone_calls import CallLog
from callstate.sandbox.retell.rest_errors import RetellApiError

SAMPLE_RATE = 8_000
_PATH = re.compile(r"/media/(?P<call_id>[^/]+)/recording\.wav")
_AMPLITUDE = 8_000
_FADE_FRAMES = 400


def recording_wav(call_id: str) -> bytes:
    """The WAV file of the call's recording: deterministic bytes from the call id."""
    digest = hashlib.sha256(call_id.encode()).digest()
    frequency = 300 + int.from_bytes(digest[:2], "big") % 500
    frames = SAMPLE_RATE + int.from_bytes(digest[2:4], "big") % (SAMPLE_RATE // 4)
    samples = [
        round(
            _AMPLITUDE * _envelope(n, frames) * math.sin(2 * math.pi * frequency * n / SAMPLE_RATE)
        )
        for n in range(frames)
    ]
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(struct.pack(f"<{frames}h", *samples))
    return buffer.getvalue()


def _envelope(n: int, frames: int) -> float:
    """Fade in and out so the tone starts and stops without a click."""
    return min(1.0, n / _FADE_FRAMES, (frames - 1 - n) / _FADE_FRAMES)


class RecordingCdn:
    """ASGI middleware: `GET /media/<call_id>/recording.wav`; everything else passes on."""

    def __init__(self, app: ASGIApp, *, calls: CallLog) -> None:
        self.app = app
        self.calls = calls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.fullmatch(route_path(scope)) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        response = self._serve(scope["method"], match["call_id"])
        await response(scope, receive, send)

    def _serve(self, method: str, call_id: str) -> Response:
        if method != "GET":
            return JSONResponse({"error": f"{method} is not allowed here"}, status_code=405)
        try:
            call = self.calls.get(call_id)
        except RetellApiError:
            # Not placed through this API (a call the simulator played straight to a webhook):
            # the CDN serves the object all the same.
            return Response(recording_wav(call_id), media_type="audio/wav")
        if not call.get("recording_url"):
            return JSONResponse({"error": f"no recording for {call_id}"}, status_code=404)
        return Response(recording_wav(call_id), media_type="audio/wav")
