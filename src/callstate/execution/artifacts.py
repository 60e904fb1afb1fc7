"""Copy a call's transcript and recording out of the runtime before its URLs expire.

Retell recording URLs work for 10 minutes when the agent does not store sensitive data, or for
`signed_url_expiration_ms` (default 24 h) when signed (research/voice.md §1.8), so copies are
taken when the event arrives. Files land under
`<root>/<workspace>/<runtime>/<call id>/transcript.txt` and `recording.<ext>`, written to a
temporary file and renamed, so a reader never sees half a file; each copy's size and sha256 go to
`CallArtifacts`.

`copy(event)` returns a `CopyResult`: the artifacts the call now has (`copied`, including ones
copied by an earlier event, which are never fetched again) and the ones that could not be
copied (`missed`: the URL answered 401/403/404/410 or another refusal, the file was larger than
`max_bytes`, or the URL is not http/https). A missed artifact is not recorded. Timeouts,
connection failures, 408, 429 and 5xx raise `Transient` (429 as `RateLimited`) so the caller's
retry applies.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Protocol
from urllib.parse import urlsplit

import httpx

from callstate.connectors.errors import Transient
from callstate.connectors.http import classify
from callstate.domain.call import Runtime
from callstate.storage.artifacts import ArtifactView, CallArtifacts

VENDOR = "recording"
TRANSCRIPT = "transcript"
RECORDING = "recording"
MAX_BYTES = 200 * 1024 * 1024
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
DEADLINE_SECONDS = 600.0
CHUNK = 64 * 1024
_EXPIRED = frozenset({401, 403, 404, 410})
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
_EXTENSION = re.compile(r"[a-z0-9]{1,8}")
_KNOWN_AUDIO = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/ogg": "ogg",
    "audio/webm": "webm",
    "audio/mp4": "m4a",
}


@dataclass(frozen=True, slots=True)
class MissedArtifact:
    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class CopyResult:
    copied: tuple[ArtifactView, ...]
    missed: tuple[MissedArtifact, ...]


class _TooLargeError(Exception):
    pass


def safe_part(value: str) -> str:
    """One path component from a vendor string: never `.`/`..`, never a separator. A value
    that had to change gets a hash suffix, so two different ids never share a directory."""
    cleaned = _SAFE.sub("_", value)[:100].lstrip(".")
    if cleaned == value and cleaned:
        return cleaned
    digest = hashlib.sha256(value.encode()).hexdigest()[:12]
    return f"{cleaned}-{digest}" if cleaned else digest


def _extension(url: str, content_type: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lstrip(".").lower()
    if _EXTENSION.fullmatch(suffix):
        return suffix
    media = content_type.split(";")[0].strip().lower()
    guessed = _KNOWN_AUDIO.get(media) or (mimetypes.guess_extension(media) or "").lstrip(".")
    return guessed if _EXTENSION.fullmatch(guessed) else "bin"


class CallMedia(Protocol):
    """What a copy needs of a call: a `CallEvent` is one, `MediaOf` another."""

    @property
    def workspace(self) -> str: ...

    @property
    def runtime(self) -> Runtime: ...

    @property
    def external_call_id(self) -> str: ...

    @property
    def transcript(self) -> str | None: ...

    @property
    def recording_url(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class MediaOf:
    workspace: str
    runtime: Runtime
    external_call_id: str
    transcript: str | None
    recording_url: str | None


class ArtifactCopier:
    def __init__(
        self,
        root: Path,
        artifacts: CallArtifacts,
        http: httpx.Client | None = None,
        max_bytes: int = MAX_BYTES,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        deadline_seconds: float = DEADLINE_SECONDS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._root = root.resolve()
        self._artifacts = artifacts
        self._owns_http = http is None
        self._http = http or httpx.Client(timeout=timeout, follow_redirects=True)
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._deadline = deadline_seconds
        self._clock = clock

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def copy(self, event: CallMedia) -> CopyResult:
        """Copy what the event carries and is not copied yet. Safe to repeat. Raises
        `Transient` when the recording's host is unwell (timeout, 408, 429, 5xx)."""
        copied: list[ArtifactView] = []
        missed: list[MissedArtifact] = []
        if event.transcript:
            copied.append(self._transcript(event, event.transcript))
        if event.recording_url:
            outcome = self._recording(event, event.recording_url)
            if isinstance(outcome, MissedArtifact):
                missed.append(outcome)
            else:
                copied.append(outcome)
        return CopyResult(tuple(copied), tuple(missed))

    def directory(self, event: CallMedia) -> Path:
        parts = (event.workspace, event.runtime.value, event.external_call_id)
        folder = self._root.joinpath(*(safe_part(p) for p in parts))
        if not folder.is_relative_to(self._root):  # belt and braces: safe_part already holds
            raise ValueError(f"artifact path escapes the root: {folder}")
        return folder

    def _existing(self, event: CallMedia, kind: str) -> ArtifactView | None:
        found = self._artifacts.get(
            event.workspace, event.runtime.value, event.external_call_id, kind
        )
        if found is not None and (self._root / found.path).is_file():
            return found
        return None

    def _transcript(self, event: CallMedia, text: str) -> ArtifactView:
        existing = self._existing(event, TRANSCRIPT)
        if existing is not None:
            return existing
        data = text.encode("utf-8")
        target = self.directory(event) / "transcript.txt"
        with self._temporary(target) as handle:
            handle.write(data)
        return self._record(
            event,
            TRANSCRIPT,
            None,
            target,
            "text/plain; charset=utf-8",
            len(data),
            hashlib.sha256(data).hexdigest(),
        )

    def _recording(self, event: CallMedia, url: str) -> ArtifactView | MissedArtifact:
        existing = self._existing(event, RECORDING)
        if existing is not None:
            return existing
        if urlsplit(url).scheme not in ("http", "https"):
            return MissedArtifact(RECORDING, "not an http(s) URL")
        try:
            return self._download(event, url)
        except httpx.TimeoutException as exc:
            raise Transient(VENDOR, f"timed out fetching the recording: {exc}") from exc
        except httpx.RequestError as exc:
            # Retried like any vendor blip: the URL may expire, so giving up early loses it.
            raise Transient(VENDOR, f"network failure: {type(exc).__name__}: {exc}") from exc
        except _TooLargeError:
            return MissedArtifact(RECORDING, f"larger than {self._max_bytes} bytes")

    def _download(self, event: CallMedia, url: str) -> ArtifactView | MissedArtifact:
        with self._http.stream("GET", url, timeout=self._timeout, follow_redirects=True) as got:
            if got.status_code != 200:
                return self._refused(got)
            declared = got.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self._max_bytes:
                raise _TooLargeError
            content_type = got.headers.get("content-type", "application/octet-stream")[:100]
            target = self.directory(event) / f"recording.{_extension(url, content_type)}"
            digest = hashlib.sha256()
            size = 0
            started = time.monotonic()
            with self._temporary(target) as handle:
                for chunk in got.iter_bytes(CHUNK):
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise _TooLargeError
                    if time.monotonic() - started > self._deadline:
                        raise httpx.ReadTimeout("recording download exceeded its deadline")
                    digest.update(chunk)
                    handle.write(chunk)
        return self._record(event, RECORDING, url, target, content_type, size, digest.hexdigest())

    def _refused(self, response: httpx.Response) -> MissedArtifact:
        status = response.status_code
        error = classify(VENDOR, response, f"HTTP {status}")
        if isinstance(error, Transient):
            raise error
        reason = "expired or gone" if status in _EXPIRED else "refused"
        return MissedArtifact(RECORDING, f"{reason} (HTTP {status})")

    @contextmanager
    def _temporary(self, target: Path) -> Iterator[IO[bytes]]:
        """Write to a temporary file beside `target`; rename over it only when complete."""
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - renamed, not deleted, on success
            dir=target.parent, prefix=".partial-", delete=False
        )
        try:
            with handle:
                yield handle
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(handle.name, target)
        except BaseException:
            Path(handle.name).unlink(missing_ok=True)
            raise

    def _record(
        self,
        event: CallMedia,
        kind: str,
        source_url: str | None,
        target: Path,
        content_type: str,
        size: int,
        sha256: str,
    ) -> ArtifactView:
        view = ArtifactView(
            workspace=event.workspace,
            runtime=event.runtime.value,
            call_id=event.external_call_id,
            kind=kind,
            source_url=source_url,
            path=target.relative_to(self._root).as_posix(),
            content_type=content_type,
            size=size,
            sha256=sha256,
            copied_at=self._clock(),
        )
        self._artifacts.record(view)
        return view
