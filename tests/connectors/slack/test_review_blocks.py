"""The review-queue message: valid Block Kit, four actions, rewritten after a decision."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callstate.connectors.slack.review_blocks import review_blocks, review_text
from callstate.domain.review import ReviewDecision, ReviewReason, ReviewStatus, ReviewView
from tests.connectors.slack.blockkit import assert_valid_message
from tests.connectors.slack.conftest import SALES, SlackSandbox

VIEW = ReviewView(
    item_id="rv_0123456789abcdef01234567",
    message_key="acme:retell:call_1:flag_for_review",
    audience_name="Inbound qualifier",
    caller="Dana Whitfield",
    caller_phone="+14155550142",
    outcome="not_interested",
    reasons=(
        ReviewReason(code="phrase", text="The caller said “stop calling”."),
        ReviewReason(code="negative_sentiment", text="The caller sounded unhappy."),
    ),
    summary="Caller was annoyed and asked not to be called.",
    excerpt="…please stop calling me, I've told you twice…",
    recording_url="https://example.com/rec.wav",
    contact_url="https://app.hubspot.com/contacts/1/record/0-1/42",
    zone="America/New_York",
    team=(("sam@acme.test", "Sam Rivera"), ("jo@acme.test", "Jo Chen")),
)
AT = datetime(2026, 11, 24, 15, 42, tzinfo=UTC)  # 10:42 AM in New York


def decided(status: ReviewStatus, detail: str | None = None) -> ReviewView:
    decision = ReviewDecision(status=status, actor_id="U0REVIEWER", at=AT, detail=detail)
    return VIEW.model_copy(update={"decision": decision})


def actions(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = [b for b in blocks if b["type"] == "actions"]
    return list(found[0]["elements"]) if found else []


def test_an_open_item_has_the_four_actions() -> None:
    blocks = review_blocks(VIEW)
    assert_valid_message(review_text(VIEW), blocks)
    elements = actions(blocks)
    assert [e["action_id"] for e in elements] == [
        "review:approve",
        "review:rerun",
        "review:dnc",
        "review:reassign",
    ]
    approve, _, dnc, reassign = elements
    assert approve["style"] == "primary" and approve["value"] == VIEW.item_id
    assert dnc["style"] == "danger" and dnc["confirm"]["style"] == "danger"
    assert reassign["type"] == "static_select"
    assert [o["value"] for o in reassign["options"]] == ["sam@acme.test", "jo@acme.test"]
    block = next(b for b in blocks if b["type"] == "actions")
    assert block["block_id"] == f"review:{VIEW.item_id}"
    text = str(blocks)
    assert "stop calling" in text and "Dana Whitfield" in text and "rec.wav" in text


def test_a_final_decision_says_who_and_when_and_removes_the_actions() -> None:
    view = decided(ReviewStatus.APPROVED)
    blocks = review_blocks(view)
    assert_valid_message(review_text(view), blocks)
    assert actions(blocks) == []
    assert "Approved by <@U0REVIEWER> · 10:42 AM EST" in str(blocks)
    reassigned = review_blocks(decided(ReviewStatus.REASSIGNED, "to Jo Chen"))
    assert "Reassigned to Jo Chen by <@U0REVIEWER>" in str(reassigned)


def test_a_rerun_keeps_the_actions() -> None:
    view = decided(ReviewStatus.REANALYSED)
    blocks = review_blocks(view)
    assert_valid_message(review_text(view), blocks)
    assert len(actions(blocks)) == 4
    assert "Analysis re-run by <@U0REVIEWER>" in str(blocks)


def test_no_team_means_no_reassign_menu_and_long_texts_are_clipped() -> None:
    view = VIEW.model_copy(update={"team": (), "summary": "word " * 2000, "excerpt": "x" * 5000})
    blocks = review_blocks(view)
    assert_valid_message(review_text(view), blocks)
    assert [e["action_id"] for e in actions(blocks)][-1] == "review:dnc"


def test_posted_once_recovered_by_key_then_rewritten(slack: SlackSandbox) -> None:
    chat = slack.chat()
    posted = chat.post_review("acme-sales", VIEW, recover=False)
    again = slack.chat().post_review("acme-sales", VIEW, recover=True)
    assert again.object_id == posted.object_id
    [message] = slack.history(SALES)
    assert message["metadata"]["event_payload"]["key"] == VIEW.message_key
    assert len(actions(message["blocks"])) == 4
    chat.update_review(posted, decided(ReviewStatus.DO_NOT_CALL))
    [message] = slack.history(SALES)
    assert actions(message["blocks"]) == []
    assert "Marked do-not-call by <@U0REVIEWER>" in str(message["blocks"])
