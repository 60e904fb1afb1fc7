"""ArtifactCopier against a real loopback server: files, hashes, idempotence, refusals, paths."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

from callstate.connectors.errors import RateLimited, Transient
from callstate.domain.call import CallEvent, CallEventType, Direction, Disposition, Runtime
from callstate.execution.artifacts import ArtifactCopier, safe_part
from callstate.storage.artifacts import CallArtifacts

AUDIO = bytes(range(256)) * 512  # 128 KiB
T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


class Media:
    """A recording host: counts requests per path."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()

    async def serve(self, request: Request) -> Response:
        name = request.path_params["name"]
        with self.lock:
            self.hits[name] = self.hits.get(name, 0) + 1
        if name == "call.wav":
            return Response(AUDIO, media_type="audio/wav")
        if name == "signed":
            return Response(AUDIO[:1000], media_type="audio/mpeg")
        if name == "big":
            return StreamingResponse(_chunks(40), media_type="audio/wav")
        if name == "slow":
            await asyncio.sleep(2)
            return Response(AUDIO, media_type="audio/wav")
        if name == "busy":
            return Response(status_code=429, headers={"retry-after": "7"})
        if name.isdigit():
            return Response(status_code=int(name))
        return Response(status_code=404)

    def app(self) -> ASGIApp:
        return Starlette(routes=[Route("/media/{name}", self.serve)])


async def _chunks(count: int) -> Any:
    for _ in range(count):
        yield b"x" * 1024


@pytest.fixture
def media(serve: Callable[[ASGIApp], str]) -> tuple[Media, str]:
    host = Media()
    return host, serve(host.app()) + "/media"


def event(call_id: str = "call_abc", **overrides: Any) -> CallEvent:
    values: dict[str, Any] = {
        "workspace": "acme",
        "runtime": Runtime.RETELL,
        "type": CallEventType.ENDED,
        "external_call_id": call_id,
        "agent_id": "agent_acme_inbound",
        "direction": Direction.INBOUND,
        "received_at": T0,
        "runtime_status": "ended",
        "disposition": Disposition.CONNECTED,
        "transcript": "Agent: Hello\nUser: Hi, I need a quote.\n",
    }
    values.update(overrides)
    return CallEvent(**values)


_open: list[ArtifactCopier] = []


def copier(root: Path, engine: Engine, **options: Any) -> ArtifactCopier:
    made = ArtifactCopier(root, CallArtifacts(engine), clock=lambda: T0, **options)
    _open.append(made)
    return made


@pytest.fixture(autouse=True)
def _close_copiers() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


def test_copies_transcript_and_recording_with_hashes(
    tmp_path: Path, engine: Engine, media: tuple[Media, str]
) -> None:
    host, base = media
    result = copier(tmp_path, engine).copy(event(recording_url=f"{base}/call.wav"))
    assert result.missed == ()
    by_kind = {a.kind: a for a in result.copied}
    transcript = tmp_path / "acme/retell/call_abc/transcript.txt"
    recording = tmp_path / "acme/retell/call_abc/recording.wav"
    assert transcript.read_text() == "Agent: Hello\nUser: Hi, I need a quote.\n"
    assert recording.read_bytes() == AUDIO
    assert by_kind["recording"].sha256 == hashlib.sha256(AUDIO).hexdigest()
    assert by_kind["recording"].size == len(AUDIO)
    assert by_kind["recording"].content_type == "audio/wav"
    assert by_kind["recording"].path == "acme/retell/call_abc/recording.wav"
    assert by_kind["transcript"].content_type.startswith("text/plain")
    stored = CallArtifacts(engine).for_call("acme", "retell", "call_abc")
    assert [a.kind for a in stored] == ["recording", "transcript"]
    assert {a.sha256 for a in stored} == {a.sha256 for a in result.copied}
    assert not [p for p in transcript.parent.iterdir() if p.name.startswith(".partial")]
    assert host.hits == {"call.wav": 1}


def test_a_second_copy_fetches_nothing(
    tmp_path: Path, engine: Engine, media: tuple[Media, str]
) -> None:
    host, base = media
    first = copier(tmp_path, engine).copy(event(recording_url=f"{base}/call.wav"))
    analyzed = event(type=CallEventType.ANALYZED, recording_url=f"{base}/call.wav")
    again = copier(tmp_path, engine).copy(analyzed)
    assert sorted(again.copied, key=lambda a: a.kind) == sorted(first.copied, key=lambda a: a.kind)
    assert host.hits == {"call.wav": 1}


def test_extension_from_content_type_when_the_url_has_none(
    tmp_path: Path, engine: Engine, media: tuple[Media, str]
) -> None:
    _, base = media
    result = copier(tmp_path, engine).copy(event(transcript=None, recording_url=f"{base}/signed"))
    (recording,) = result.copied
    assert recording.path.endswith("/recording.mp3")
    assert (tmp_path / recording.path).read_bytes() == AUDIO[:1000]


@pytest.mark.parametrize("status", [403, 404, 410])
def test_an_expired_url_is_reported_and_nothing_recorded(
    tmp_path: Path, engine: Engine, media: tuple[Media, str], status: int
) -> None:
    _, base = media
    result = copier(tmp_path, engine).copy(event(recording_url=f"{base}/{status}"))
    assert [a.kind for a in result.copied] == ["transcript"]
    (missed,) = result.missed
    assert missed.kind == "recording"
    assert f"HTTP {status}" in missed.reason
    assert CallArtifacts(engine).get("acme", "retell", "call_abc", "recording") is None
    assert not list((tmp_path / "acme/retell/call_abc").glob("recording*"))


def test_a_server_error_is_transient_and_a_retry_then_copies(
    tmp_path: Path, engine: Engine, media: tuple[Media, str]
) -> None:
    _, base = media
    with pytest.raises(Transient) as failed:
        copier(tmp_path, engine).copy(event(recording_url=f"{base}/503"))
    assert failed.value.status == 503
    assert CallArtifacts(engine).get("acme", "retell", "call_abc", "recording") is None
    retried = copier(tmp_path, engine).copy(event(recording_url=f"{base}/call.wav"))
    assert {a.kind for a in retried.copied} == {"transcript", "recording"}


def test_too_many_requests_is_rate_limited(
    tmp_path: Path, engine: Engine, media: tuple[Media, str]
) -> None:
    _, base = media
    with pytest.raises(RateLimited) as limited:
        copier(tmp_path, engine).copy(event(transcript=None, recording_url=f"{base}/busy"))
    assert limited.value.retry_after == 7


def test_a_timeout_is_transient(tmp_path: Path, engine: Engine, media: tuple[Media, str]) -> None:
    _, base = media
    quick = copier(tmp_path, engine, timeout=httpx.Timeout(0.3))
    with pytest.raises(Transient):
        quick.copy(event(transcript=None, recording_url=f"{base}/slow"))
    assert CallArtifacts(engine).for_call("acme", "retell", "call_abc") == []


def test_a_network_failure_is_retried_not_dropped(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(Transient, match="network failure"):
        copier(tmp_path, engine).copy(
            event(transcript=None, recording_url="http://127.0.0.1:9/recording.wav")
        )
    assert CallArtifacts(engine).for_call("acme", "retell", "call_abc") == []


def test_a_recording_over_the_cap_is_not_kept(
    tmp_path: Path, engine: Engine, media: tuple[Media, str]
) -> None:
    _, base = media
    small = copier(tmp_path, engine, max_bytes=10 * 1024)
    result = small.copy(event(transcript=None, recording_url=f"{base}/big"))
    assert result.copied == ()
    assert "larger than" in result.missed[0].reason
    assert not list((tmp_path / "acme/retell/call_abc").iterdir())  # no partial file left


def test_only_http_urls_are_fetched(tmp_path: Path, engine: Engine) -> None:
    result = copier(tmp_path, engine).copy(
        event(transcript=None, recording_url="file:///etc/passwd")
    )
    assert result.copied == ()
    assert result.missed[0].reason == "not an http(s) URL"


@pytest.mark.parametrize(
    "call_id", ["../../escape", "..", "a/b", "/etc/passwd", ".hidden", "x\\..\\y", "c" * 128]
)
def test_vendor_ids_cannot_escape_the_root(tmp_path: Path, engine: Engine, call_id: str) -> None:
    root = tmp_path / "artifacts"
    result = copier(root, engine).copy(event(call_id))
    (transcript,) = result.copied
    written = (root / transcript.path).resolve()
    assert written.is_relative_to(root.resolve())
    assert written.parent.parent == (root / "acme" / "retell").resolve()
    assert written.is_file()
    assert CallArtifacts(engine).for_call("acme", "retell", call_id)[0].path == transcript.path


def test_different_ids_never_share_a_directory() -> None:
    names = ["a/b", "a_b", "a\\b", "..", ".", "", "_"]
    assert len({safe_part(n) for n in names}) == len(names)
    assert safe_part("call_0123abc") == "call_0123abc"
