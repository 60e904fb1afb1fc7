"""Block Kit for a review-queue item. Pure: `ReviewView` in, message payload out.

Why the call was flagged, who called, what it came to, a short summary (and the caller's words
around a matched phrase), links, then the reviewer's buttons: Approve, Re-run analysis, Mark
do-not-call (behind a `confirm` dialog) and a Reassign owner menu. Every element's `action_id`
is `review:<action>`; buttons carry the item id as `value`, the menu (whose options carry the
member's email) finds it in its block's `block_id` (`review:<item id>`).

After a decision the message is rewritten with "who did what" in the workspace's zone; a final
decision removes the actions, a re-run keeps them (the item still wants a decision).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from callstate.connectors.slack.blocks import clip, two_lines
from callstate.domain.review import ReviewAction, ReviewDecision, ReviewStatus, ReviewView

ACTION_PREFIX = "review:"
BLOCK_PREFIX = "review:"
_MAX_OPTIONS = 100  # static_select's limit
_VERB = {
    ReviewStatus.APPROVED: ":white_check_mark: Approved",
    ReviewStatus.DO_NOT_CALL: ":no_entry_sign: Marked do-not-call",
    ReviewStatus.REASSIGNED: ":bust_in_silhouette: Reassigned",
    ReviewStatus.REANALYSED: ":arrows_counterclockwise: Analysis re-run",
    ReviewStatus.OPEN: ":eyes: Reopened",
}


def action_id(action: ReviewAction) -> str:
    return f"{ACTION_PREFIX}{action.value}"


def clock_time(decision: ReviewDecision, zone: str) -> str:
    """`10:42 AM EST` in the workspace's zone."""
    local = decision.at.astimezone(ZoneInfo(zone))
    return f"{local.hour % 12 or 12}:{local.minute:02d} {local:%p %Z}"


def decision_line(view: ReviewView) -> str | None:
    """ "✅ Approved by <@U123> · 10:42 AM EST", or None while undecided."""
    decision = view.decision
    if decision is None:
        return None
    detail = f" {decision.detail}" if decision.detail else ""
    actor = f"<@{decision.actor_id}>"
    return f"{_VERB[decision.status]}{detail} by {actor} · {clock_time(decision, view.zone)}"


def review_text(view: ReviewView) -> str:
    """The fallback text (notifications, screen readers)."""
    reasons = "; ".join(r.text for r in view.reasons)
    line = decision_line(view)
    head = f"Review: {view.caller} ({view.audience_name}): {reasons}"
    return clip(f"{head} {line}" if line else head, 3000)


def _button(text: str, action: ReviewAction, item: str, style: str | None = None) -> Any:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id(action),
        "value": item,
    }
    if style is not None:
        button["style"] = style
    return button


def _actions(view: ReviewView) -> dict[str, Any]:
    dnc = _button("Mark do-not-call", ReviewAction.DNC, view.item_id, "danger")
    dnc["confirm"] = {
        "title": {"type": "plain_text", "text": "Mark do-not-call?"},
        "text": {
            "type": "mrkdwn",
            "text": clip(f"{view.caller_phone or view.caller} will never be called again.", 300),
        },
        "confirm": {"type": "plain_text", "text": "Mark do-not-call"},
        "deny": {"type": "plain_text", "text": "Cancel"},
        "style": "danger",
    }
    elements: list[dict[str, Any]] = [
        _button("Approve", ReviewAction.APPROVE, view.item_id, "primary"),
        _button("Re-run analysis", ReviewAction.RERUN, view.item_id),
        dnc,
    ]
    options = [
        {
            "text": {"type": "plain_text", "text": clip(name, 75)},
            "value": email,
        }
        for email, name in view.team[:_MAX_OPTIONS]
    ]
    if options:
        elements.append(
            {
                "type": "static_select",
                "action_id": action_id(ReviewAction.REASSIGN),
                "placeholder": {"type": "plain_text", "text": "Reassign owner"},
                "options": options,
            }
        )
    return {"type": "actions", "block_id": f"{BLOCK_PREFIX}{view.item_id}", "elements": elements}


def review_blocks(view: ReviewView) -> list[dict[str, Any]]:
    reasons = "\n".join(f"• {r.text}" for r in view.reasons)
    who = view.caller + (f" ({view.caller_phone})" if view.caller_phone else "")
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": clip(f":mag: *Review: {who}* · {view.audience_name}\n{reasons}", 3000),
            },
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Outcome*\n{view.outcome.replace('_', ' ')}"},
                {"type": "mrkdwn", "text": f"*Caller*\n{clip(who, 200)}"},
            ],
        },
    ]
    if view.summary:
        text = f"*Summary*\n{two_lines(view.summary)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    if view.excerpt:
        quote = f"> {clip(' '.join(view.excerpt.split()), 500)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": quote}})
    links = [
        f"<{url}|{label}>"
        for url, label in ((view.contact_url, "CRM contact"), (view.recording_url, "Recording"))
        if url
    ]
    if links:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(links)}]}
        )
    line = decision_line(view)
    if line is not None:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
    if not view.final:
        blocks.append(_actions(view))
    return blocks
