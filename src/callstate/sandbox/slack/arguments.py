"""Reading Slack Web API method arguments: flags, bounded limits, JSON-encoded arguments,
timestamps and Slack's base64 cursors.

Arguments arrive as the query string merged with a JSON or form-encoded body (Slack accepts
both — api.slack.com "Using the Slack Web API"), so every value may be text or native JSON.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from callstate.sandbox.slack.workspace import SlackError

Args = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One method call: its arguments, and the emulator's own base URL (scheme, host and
    mount path, e.g. `http://127.0.0.1:8000/slack`) for URLs it hands out (`upload_url`)."""

    args: Args
    origin: str


def flag(args: Args, name: str) -> bool:
    return args.get(name) in (True, 1, "1", "true", "True")


def bounded(args: Args, name: str, *, default: int, high: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise SlackError("invalid_arguments") from None
    return default if value <= 0 else min(value, high)


def json_arg(args: Args, name: str, error: str) -> Any:
    """blocks/attachments/metadata/files: native JSON in a JSON body, JSON text in a form."""
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            raise SlackError(error) from None
    return raw


def micros(args: Args, name: str, error: str, default: int) -> int:
    raw = args.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(Decimal(str(raw)) * 1_000_000)
    except InvalidOperation:
        raise SlackError(error) from None


def ts_micros(ts: str) -> int:
    return int(ts.replace(".", ""))


def encode_cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def cursor_index(args: Args, prefix: str, keys: list[str]) -> int:
    """Index of the page start named by a `cursor` like Slack's base64 `team:C…`/`next_ts:…`."""
    raw = args.get("cursor")
    if not raw:
        return 0
    try:
        decoded = base64.b64decode(str(raw), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    if not decoded.startswith(prefix) or decoded[len(prefix) :] not in keys:
        raise SlackError("invalid_cursor")
    return keys.index(decoded[len(prefix) :])


def page(args: Args, prefix: str, keys: list[str], *, default: int, high: int) -> tuple[int, int]:
    """(start, end) of the requested page over `keys`, from `cursor` and `limit`."""
    start = cursor_index(args, prefix, keys)
    return start, start + bounded(args, "limit", default=default, high=high)


def multipart_parts(body: bytes, content_type: str) -> list[tuple[str, str | None, bytes]]:
    """(field name, file name, content) of each part of a `multipart/form-data` body.

    Parsed with the standard library's MIME parser (the emulator does not depend on
    python-multipart); a malformed body yields no parts.
    """
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        return []
    parts: list[tuple[str, str | None, bytes]] = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        name = part.get_param("name", header="content-disposition")
        parts.append(
            (
                name if isinstance(name, str) else "",
                part.get_filename(),
                payload if isinstance(payload, bytes) else b"",
            )
        )
    return parts
