"""Slack's three-step external file upload, and finding an uploaded file again.

`files.upload` is gone for every app since 2025-11-12 (research/calendar_slack.md §3.2):
`files.getUploadURLExternal(filename, length)` → POST the raw bytes to the returned one-off
`upload_url` (signed: no token) → `files.completeUploadExternal(files=[{id, title}],
channel_id, thread_ts)` shares it. None of the steps takes an idempotency key, so the file is
named after ours and a recovering attempt looks for that name in the thread (or channel).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
from slack_sdk.web import SlackResponse

from callstate.connectors.http import classify, transport_errors
from callstate.connectors.ports import ObjectRef

VENDOR = "slack"
_UPLOAD_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
Call = Callable[..., SlackResponse]  # SlackChat._call: a Web API method, errors classified


def file_name(key: str, extension: str = "png") -> str:
    """A file name that carries the upload's key (Slack keeps names as given)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", key).strip("-") + f".{extension}"


def upload(
    call: Call, channel_id: str, data: bytes, *, name: str, title: str, thread_ts: str | None
) -> ObjectRef:
    """The three steps; raises `RateLimited` (429, any step), `Transient`, `Permanent`."""
    ticket = call("files_getUploadURLExternal", filename=name, length=len(data), alt_txt=title)
    with transport_errors(VENDOR):
        response = httpx.post(
            str(ticket["upload_url"]),
            content=data,
            headers={"content-type": "application/octet-stream"},
            timeout=_UPLOAD_TIMEOUT,
        )
    if response.status_code >= 400:
        raise classify(VENDOR, response, f"upload refused: {response.text[:200]}")
    done = call(
        "files_completeUploadExternal",
        files=[{"id": str(ticket["file_id"]), "title": title}],
        channel_id=channel_id,
        thread_ts=thread_ts,
    )
    shared: list[dict[str, Any]] = done.get("files", [])
    return file_ref(shared[0], channel_id, thread_ts)


def find_file(call: Call, channel_id: str, name: str, thread_ts: str | None) -> ObjectRef | None:
    """The file called `name` shared in the thread (or the channel's recent history)."""
    if thread_ts is not None:
        page = call("conversations_replies", channel=channel_id, ts=thread_ts, limit=200)
    else:
        page = call("conversations_history", channel=channel_id, limit=200)
    messages: list[dict[str, Any]] = page.get("messages", [])
    for message in messages:
        for file in message.get("files") or []:
            if file.get("name") == name:
                return file_ref(file, channel_id, thread_ts)
    return None


def file_ref(file: dict[str, Any], channel_id: str, thread_ts: str | None) -> ObjectRef:
    facts = {"channel": channel_id, "file_id": str(file["id"]), "name": str(file.get("name", ""))}
    if thread_ts is not None:
        facts["thread_ts"] = thread_ts
    return ObjectRef(VENDOR, str(file["id"]), file.get("permalink"), facts=facts)
