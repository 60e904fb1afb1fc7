"""Slack's external file upload (research/calendar_slack.md §3.2; files.* method pages).

1. `files.getUploadURLExternal(filename, length)` → `{upload_url, file_id}`; the URL is on the
   emulator itself (`<mount>/upload/v1/<ticket>`), as slack_sdk's `files_upload_v2` POSTs the
   bytes to whatever absolute URL it is given.
2. `POST <upload_url>` with the raw bytes or a multipart form (first file part); the byte
   count must equal the declared `length` (else HTTP 400). Slack answers `OK - <length>`.
3. `files.completeUploadExternal(files=[{id, title}], channel_id | channels, initial_comment |
   blocks, thread_ts)` shares the files into the conversation as one message with a `files`
   entry (`upload: true`); without a channel the file stays private. Unknown or not yet
   uploaded ids → `file_not_found`; a bad channel → `invalid_channel`.

Store layout: `uploads` (ticket → pending upload), `files` (file id → file object, once
completed), `file_bytes` (file id → base64 content), counter `file_id`.
"""

from __future__ import annotations

import base64
import mimetypes
import secrets
from collections.abc import Callable
from typing import Any

from callstate.sandbox.slack.arguments import Call, bounded, json_arg
from callstate.sandbox.slack.chat import PERMALINK_HOST
from callstate.sandbox.slack.workspace import (
    BOT_ID,
    BOT_USER_ID,
    TEAM_ID,
    SlackError,
    Workspace,
)
from callstate.sandbox.store import Doc, Store


class UploadRejectedError(Exception):
    """The upload URL refuses the bytes: `status` and a plain-text reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class FileMethods:
    """files.getUploadURLExternal, the upload URL, files.completeUploadExternal, files.info."""

    def __init__(
        self,
        store: Store,
        workspace: Workspace,
        target: Callable[[object], Doc],
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self.ws = workspace
        self._target = target  # a channel id, DM id or user id → the conversation
        self._clock = clock

    def get_upload_url(self, call: Call) -> Doc:
        filename = str(call.args.get("filename") or "")
        length = bounded(call.args, "length", default=0, high=1 << 40)
        if length <= 0:
            raise SlackError("missing_argument")  # "typically only when length is 0"
        if not filename:
            raise SlackError("invalid_arguments")
        ticket = secrets.token_urlsafe(18)
        with self._store.transaction() as tx:
            file_id = f"F{tx.next_value('file_id'):010d}"
            tx.put(
                "uploads",
                ticket,
                {
                    "file_id": file_id,
                    "filename": filename,
                    "length": length,
                    "alt_txt": call.args.get("alt_txt") or None,
                    "uploaded": False,
                },
            )
        return {"ok": True, "upload_url": f"{call.origin}/upload/v1/{ticket}", "file_id": file_id}

    def receive(self, ticket: str, data: bytes) -> str:
        """Step 2: keep the bytes of a pending upload; the answer body on success."""
        with self._store.transaction() as tx:
            upload = tx.get("uploads", ticket)
            if upload is None:
                raise UploadRejectedError(404, "unknown or completed upload ticket")
            if len(data) != upload["length"]:
                raise UploadRejectedError(
                    400, f"length mismatch: declared {upload['length']}, received {len(data)}"
                )
            tx.put("file_bytes", upload["file_id"], {"base64": base64.b64encode(data).decode()})
            tx.put("uploads", ticket, {**upload, "uploaded": True})
        return f"OK - {len(data)}"

    def complete(self, call: Call) -> Doc:
        args = call.args
        wanted = json_arg(args, "files", "invalid_arguments")
        if not isinstance(wanted, list) or not wanted:
            raise SlackError("invalid_arguments")
        refs = [args["channel_id"]] if args.get("channel_id") else []
        refs += [c for c in str(args.get("channels") or "").split(",") if c.strip()]
        try:
            conversations = [self._target(ref.strip()) for ref in refs]
        except SlackError:
            raise SlackError("invalid_channel") from None
        blocks = json_arg(args, "blocks", "invalid_blocks_format")
        with self._store.transaction() as tx:
            uploads = {u["file_id"]: (t, u) for t, u in tx.scan("uploads") if u["uploaded"]}
            shared: list[Doc] = []
            for item in wanted:
                file_id = item.get("id") if isinstance(item, dict) else None
                if not isinstance(file_id, str) or file_id not in uploads:
                    raise SlackError("file_not_found")
                ticket, upload = uploads[file_id]
                title = str(item.get("title") or upload["filename"])
                doc = self._file_object(call.origin, upload, title, conversations)
                tx.put("files", file_id, doc)
                tx.delete("uploads", ticket)
                shared.append(doc)
            for conversation in conversations:
                message: Doc = {
                    "type": "message",
                    "text": str(args.get("initial_comment") or ""),
                    "files": shared,
                    "upload": True,
                    "user": BOT_USER_ID,
                    "bot_id": BOT_ID,
                    "display_as_bot": False,
                    "team": TEAM_ID,
                }
                if blocks and not args.get("initial_comment"):
                    message["blocks"] = blocks
                self.ws.post(
                    conversation["id"],
                    message,
                    thread_ts=args.get("thread_ts") or None,
                    broadcast=False,
                )
        return {"ok": True, "files": shared}

    def info(self, call: Call) -> Doc:
        doc = self._store.get("files", str(call.args.get("file") or ""))
        if doc is None:
            raise SlackError("file_not_found")
        return {"ok": True, "file": doc, "comments": [], "response_metadata": {"next_cursor": ""}}

    def content(self, file_id: str) -> tuple[Doc, bytes] | None:
        """A completed file's object and bytes (for tests, the demo and `url_private`)."""
        doc = self._store.get("files", file_id)
        data = self._store.get("file_bytes", file_id)
        if doc is None or data is None:
            return None
        return doc, base64.b64decode(data["base64"])

    def _file_object(
        self, origin: str, upload: Doc, title: str, conversations: list[Doc]
    ) -> dict[str, Any]:
        file_id, name = upload["file_id"], upload["filename"]
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
        now = int(self._clock())
        doc: dict[str, Any] = {
            "id": file_id,
            "created": now,
            "timestamp": now,
            "name": name,
            "title": title,
            "mimetype": mimetypes.guess_type(name)[0] or "application/octet-stream",
            "filetype": ext,
            "pretty_type": ext.upper(),
            "user": BOT_USER_ID,
            "user_team": TEAM_ID,
            "editable": False,
            "size": upload["length"],
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": any(not c.get("is_im") for c in conversations),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{origin}/files-pri/{TEAM_ID}-{file_id}/{name}",
            "url_private_download": f"{origin}/files-pri/{TEAM_ID}-{file_id}/download/{name}",
            "permalink": f"{PERMALINK_HOST}/files/{BOT_USER_ID}/{file_id}/{name}",
            "permalink_public": f"https://slack-files.com/{TEAM_ID}-{file_id}-sandbox",
            "channels": [c["id"] for c in conversations if not c.get("is_im")],
            "groups": [],
            "ims": [c["id"] for c in conversations if c.get("is_im")],
            "comments_count": 0,
            "has_rich_preview": False,
        }
        if upload.get("alt_txt"):
            doc["alt_txt"] = upload["alt_txt"]
        return doc
