"""One Block Kit validator for every Slack message callstate builds (owner DMs, meeting
notes, alerts, the review queue, digests): `assert_valid_message(text, blocks)`.

Each block is parsed with slack_sdk's models and rendered back with `to_dict()`, which enforces
the limits slack_sdk knows and must give back exactly what we built (nothing unknown dropped);
then the limits of research/calendar_slack.md §3.1 slack_sdk does not check are checked here.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block

MAX_BLOCKS = 50
MAX_FALLBACK = 4000  # Slack truncates at 40,000; past 4,000 it is unreadable in a notification
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS = 25
MAX_BUTTON_TEXT = 75
MAX_URL = 3000
MAX_BLOCK_ID = 255
# Undocumented cumulative cap (`msg_blocks_too_long`, bolt-js issues 2509, 2867): ~12-13k.
MAX_TOTAL_TEXT = 12_000


def _texts(node: Any) -> list[str]:
    """Every `text` string in a block, however deep (sections, fields, context, buttons)."""
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for item in node for t in _texts(item)]
    return []


def _check_block(raw: dict[str, Any]) -> None:
    kind = raw.get("type")
    block = Block.parse(raw)
    assert block is not None and block.type == kind, f"slack_sdk does not know {raw!r}"
    assert block.to_dict() == raw, f"slack_sdk renders {kind} differently:\n{block.to_dict()}"
    assert len(raw.get("block_id", "")) <= MAX_BLOCK_ID
    for text in _texts(raw):
        assert text.strip(), f"empty text in {raw!r}"
    if kind == "header":
        assert raw["text"]["type"] == "plain_text"
        assert len(raw["text"]["text"]) <= MAX_HEADER
    elif kind == "section":
        assert "text" in raw or "fields" in raw
        if "text" in raw:
            assert len(raw["text"]["text"]) <= MAX_SECTION_TEXT
        fields = raw.get("fields", [])
        assert len(fields) <= MAX_FIELDS
        assert all(len(f["text"]) <= MAX_FIELD_TEXT for f in fields)
    elif kind == "context":
        assert 1 <= len(raw["elements"]) <= MAX_CONTEXT_ELEMENTS
    elif kind == "actions":
        assert 1 <= len(raw["elements"]) <= MAX_ACTIONS
        for element in raw["elements"]:
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= MAX_BUTTON_TEXT
                assert len(element.get("url", "")) <= MAX_URL


def assert_valid_message(text: str, blocks: list[dict[str, Any]]) -> None:
    """What chat.postMessage / chat.update would accept, and a readable fallback `text`."""
    assert text.strip(), "the fallback text is always set (notifications, screen readers)"
    assert len(text) <= MAX_FALLBACK
    assert 1 <= len(blocks) <= MAX_BLOCKS
    for block in blocks:
        _check_block(block)
    total = sum(len(t) for t in _texts(blocks))
    assert total <= MAX_TOTAL_TEXT, f"{total} characters of block text"
