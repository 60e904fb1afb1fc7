"""Every Slack payload the owner notification path builds passes the Block Kit validator, and
shows what the owner needs: who, company, outcome, two summary lines, the meeting in their
zone, the links."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callstate.connectors.ports import Links, ObjectRef
from callstate.connectors.slack.alert_blocks import alert_blocks, alert_text
from callstate.connectors.slack.blocks import (
    SUMMARY_CHARS,
    Detour,
    build_blocks,
    fallback_text,
    local_time,
    two_lines,
)
from callstate.connectors.slack.meeting_blocks import meeting_blocks, meeting_text
from callstate.domain.alerts import AlertView
from callstate.domain.calendar import BookingChangeKind
from callstate.domain.outcome import Outcome
from tests.connectors.slack.blockkit import assert_valid_message
from tests.domain.builders import notify_meeting, notify_owner

LINKS = Links(
    contact=ObjectRef("hubspot", "101", "https://app.hubspot.com/contacts/1/record/0-1/101"),
    call_log=ObjectRef("hubspot", "202", "https://app.hubspot.com/contacts/1/record/0-48/202"),
)


def _text(blocks: list[dict[str, object]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_the_owner_message_says_who_what_when_and_where_to_look() -> None:
    effect = notify_owner()
    blocks = build_blocks(effect, LINKS)
    assert_valid_message(fallback_text(effect), blocks)
    shown = _text(blocks)
    for fact in (
        "Dana Whitfield",
        "+14155550142",
        "Whitfield Holdings",
        "Meeting booked",
        "Storm damage on the north side",
        "Wed Nov 25, 2:30 PM EST",  # 19:30Z in the owner's zone
        "https://app.hubspot.com/contacts/1/record/0-1/101|Contact in CRM",
        "https://app.hubspot.com/contacts/1/record/0-48/202|Call log",
        "https://example.com/rec.wav|Recording",
    ):
        assert fact in shown, fact
    assert blocks[0]["type"] == "header"
    assert fallback_text(effect) == (
        "Dana Whitfield (Whitfield Holdings): Meeting booked (Inbound qualifier)"
    )
    assert "No Slack user" not in shown


def test_the_meeting_time_is_in_the_owner_zone_across_the_dst_change() -> None:
    # 2026-11-01: New York leaves daylight time at 06:00Z; Chicago an hour later.
    before = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    after = datetime(2026, 11, 1, 14, 0, tzinfo=UTC)
    assert local_time(before, "America/New_York") == "Sun Nov 1, 1:30 AM EDT"
    assert local_time(after, "America/New_York") == "Sun Nov 1, 9 AM EST"
    assert local_time(after, "America/Chicago") == "Sun Nov 1, 8 AM CST"
    note = notify_owner().meeting
    assert note is not None
    moved = note.model_copy(update={"start": after, "zone": "UTC"})
    effect = notify_owner(meeting=moved, owner_zone="America/Chicago")
    blocks = build_blocks(effect, LINKS)
    assert "Sun Nov 1, 8 AM CST" in _text(blocks)  # the reader's zone, not the note's
    assert_valid_message(fallback_text(effect), blocks)


def test_an_unmapped_owner_is_named_with_the_fix() -> None:
    effect = notify_owner()
    blocks = build_blocks(effect, LINKS, detour=Detour.NO_MEMBER)
    assert_valid_message(fallback_text(effect, detour=Detour.NO_MEMBER), blocks)
    note = blocks[1]["text"]["text"]
    assert "For Sam Rivera." in note
    assert "No Slack user has the email sam@acme.test" in note
    assert "fix `team` in the workspace config" in note
    assert fallback_text(effect, detour=Detour.NO_MEMBER).startswith("For Sam Rivera: ")


def test_an_owner_the_app_may_not_dm_is_named_with_the_scopes_to_add() -> None:
    effect = notify_owner()
    blocks = build_blocks(effect, LINKS, detour=Detour.NO_SCOPE)
    assert_valid_message(fallback_text(effect, detour=Detour.NO_SCOPE), blocks)
    note = blocks[1]["text"]["text"]
    assert note.startswith("*For Sam Rivera.* :warning: Not sent to sam@acme.test as a DM")
    assert "`users:read.email` or `im:write`" in note and "reinstall the app" in note
    assert "No Slack user" not in note


def test_a_cancelled_meeting_rewrites_the_meeting_line() -> None:
    blocks = build_blocks(notify_owner(), LINKS, cancelled=True)
    assert ":x: *Meeting cancelled:* was Wed Nov 25, 2:30 PM EST with Sam Rivera" in _text(blocks)
    assert "Meeting booked:" not in _text(blocks)


def test_a_bare_message_without_links_meeting_or_summary_is_still_valid() -> None:
    effect = notify_owner(
        owner_email=None,
        owner_name=None,
        company=None,
        outcome=None,
        summary=None,
        caller_phone=None,
        recording_url=None,
        meeting=None,
        duration_ms=None,
    )
    blocks = build_blocks(effect, Links())
    assert_valid_message(fallback_text(effect), blocks)
    assert "_No summary from the call._" in _text(blocks)
    assert [b["type"] for b in blocks] == ["header", "section"]


def test_the_summary_is_cut_to_two_lines_on_a_word_boundary() -> None:
    long = " ".join(["shingles"] * 80)
    short = two_lines(long)
    assert len(short) <= SUMMARY_CHARS
    assert short.endswith("shingles…")
    assert two_lines("One.\nTwo.\nThree.") == "One.\nTwo.…"
    assert two_lines("  Just one line. ") == "Just one line."


def test_unicode_and_oversized_values_stay_within_limits() -> None:
    effect = notify_owner(
        caller="Zoë Ñúñez-O'Brien 🏠" * 20,
        company="Société Générale des Toitures ☂" * 100,
        summary="Dach beschädigt — 屋根の修理 🌧️ " * 200,
        audience_name="Ünïcödé audience " * 30,
        flags=tuple(f"flag {n}: agent not configured 🚩" * 20 for n in range(15)),
    )
    for detour in Detour:
        blocks = build_blocks(effect, LINKS, detour=detour)
        assert_valid_message(fallback_text(effect, detour=detour), blocks)
    assert len(blocks[0]["text"]["text"]) <= 150


@settings(max_examples=60, deadline=None)
@given(
    caller=st.text(min_size=1, max_size=400).filter(str.strip),
    summary=st.one_of(st.none(), st.text(max_size=5000)),
    company=st.one_of(st.none(), st.text(min_size=1, max_size=300).filter(str.strip)),
    outcome=st.sampled_from(list(Outcome)),
)
def test_any_call_gives_a_valid_message(
    caller: str, summary: str | None, company: str | None, outcome: Outcome
) -> None:
    effect = notify_owner(caller=caller, summary=summary, company=company, outcome=outcome)
    for detour in (None, *Detour):
        assert_valid_message(
            fallback_text(effect, detour=detour),
            build_blocks(effect, LINKS, detour=detour),
        )


@pytest.mark.parametrize("change", list(BookingChangeKind))
def test_meeting_messages_are_valid(change: BookingChangeKind) -> None:
    effect = notify_meeting(change=change)
    assert_valid_message(meeting_text(effect), meeting_blocks(effect, LINKS))


def test_alert_messages_are_valid() -> None:
    alert = AlertView(
        incident_id="inc_1",
        workspace="acme",
        title="log_call failing at hubspot",
        detail="Property values were not valid " * 200,
        occurrences=6,
        last_subject="retell call call_0001",
        opened_at=datetime(2026, 11, 24, 15, 0, tzinfo=UTC),
        last_seen_at=datetime(2026, 11, 24, 15, 5, tzinfo=UTC),
    )
    assert_valid_message(alert_text(alert), alert_blocks(alert))
