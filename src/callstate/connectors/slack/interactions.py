"""Slack's interactivity payload, read: only the fields a review click needs.

Slack POSTs `application/x-www-form-urlencoded` with one field `payload=<json>`; a button or menu
click is `type: "block_actions"` with the clicking `user` and its `actions` (research/
calendar_slack.md §3.5). Our review elements carry `review:<action>` action ids; a button's
`value` is the item id, the owner menu's block id is `review:<item id>` and its chosen option the
member's email (connectors/slack/review_blocks.py builds them).
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callstate.connectors.slack.review_blocks import ACTION_PREFIX, BLOCK_PREFIX
from callstate.domain.review import ReviewAction


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlackUser(_Wire):
    id: str = Field(min_length=1, max_length=64)
    username: str | None = None
    name: str | None = None


class SelectedOption(_Wire):
    value: str = Field(max_length=200)


class BlockAction(_Wire):
    action_id: str = Field(max_length=255)
    block_id: str | None = Field(default=None, max_length=255)
    value: str | None = Field(default=None, max_length=2000)
    selected_option: SelectedOption | None = None


class Interaction(_Wire):
    type: str
    user: SlackUser
    actions: list[BlockAction] = Field(default_factory=list, max_length=25)


def parse_interaction(body: bytes) -> Interaction:
    """Slack's form body: one field `payload` holding the JSON. Raises ValueError."""
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=True, max_num_fields=5)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError("the body is not a form-encoded `payload`") from exc
    values = form.get("payload")
    if not values or len(values) != 1:
        raise ValueError("the form has no single `payload` field")
    try:
        return Interaction.model_validate(json.loads(values[0]))
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError("`payload` is not a Slack interaction") from exc


def review_click(action: BlockAction) -> tuple[str, ReviewAction, str] | None:
    """(item id, action, value) of one of our elements; None for anything else."""
    if not action.action_id.startswith(ACTION_PREFIX):
        return None
    try:
        kind = ReviewAction(action.action_id.removeprefix(ACTION_PREFIX))
    except ValueError:
        return None
    if kind is ReviewAction.REASSIGN:
        block = action.block_id or ""
        chosen = action.selected_option.value if action.selected_option else ""
        if not block.startswith(BLOCK_PREFIX) or not chosen:
            return None
        return block.removeprefix(BLOCK_PREFIX), kind, chosen
    return (action.value, kind, "") if action.value else None
