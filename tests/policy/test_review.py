"""Review rules: which analysed calls a person should look at, and why."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callstate.config.model import Icp, IcpRule
from callstate.config.oversight import ReviewRules, VipRules
from callstate.domain.calendar import MeetingState
from callstate.domain.call import Analysis, Disposition, Sentiment
from callstate.domain.outcome import Outcome
from callstate.domain.review import ReviewReason
from callstate.policy.icp import IcpFit, score
from callstate.policy.outcome import classify
from callstate.policy.review import caller_speech, phrase_hits, review_excerpt, review_reasons
from tests.domain.builders import audience, call_event

ICP = Icp(
    rules=(
        IcpRule(field="homeowner", equals=True, points=50, reason="Owns it"),
        IcpRule(field="budget", min=10000, points=50, reason="Big job"),
    )
)


def codes(
    *,
    rules: ReviewRules | None = None,
    meeting: MeetingState | None = None,
    **event: Any,
) -> list[str]:
    aud = audience(review=rules or ReviewRules(), icp=ICP)
    call = call_event(**event)
    fit = score(aud.icp, call.analysis.custom if call.analysis else {})
    outcome = classify(call, fit.qualified(aud.icp))
    found = review_reasons(call, aud, fit=fit, outcome=outcome, meeting=meeting)
    return [r.code for r in found]


def said(*lines: str) -> str:
    return "".join(f"Agent: Hello\nUser: {line}\n" for line in lines)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({}, []),
        ({"transcript": said("Please stop calling me.")}, ["phrase"]),
        ({"transcript": said("STOP   CALLING me")}, ["phrase"]),
        ({"transcript": said("I'll call my lawyer", "this is a scam")}, ["phrase", "phrase"]),
        ({"transcript": said("I don\u2019t want this, don't call again")}, ["phrase"]),
        # Whole words only: "sued" and "lawyers'" inside other words do not count...
        ({"transcript": said("My name is Sue, a non-complaintive person")}, []),
        # ...and the agent's own opt-out disclosure is not the caller asking.
        ({"transcript": "Agent: If you'd rather we do not call, say so.\nUser: Fine.\n"}, []),
        # A transcript without speaker labels is all the caller's.
        ({"transcript": "take me off your list"}, ["phrase"]),
        ({"analysis": Analysis(sentiment=Sentiment.NEGATIVE)}, ["negative_sentiment"]),
        ({"analysis": Analysis(sentiment=Sentiment.POSITIVE)}, []),
        ({"longest_silence_ms": 21_000}, ["long_silence"]),
        ({"longest_silence_ms": 20_000}, []),
        ({"analysis": Analysis(custom={"confidence": 0.3})}, ["low_confidence"]),
        ({"analysis": Analysis(custom={"confidence": "35%"})}, ["low_confidence"]),
        ({"analysis": Analysis(custom={"confidence": 80})}, []),
        ({"analysis": Analysis(custom={"confidence": "unsure"})}, []),
        ({"analysis": Analysis(custom={"homeowner": True, "budget": 20000})}, []),
        # A voicemail is reviewed too when a rule fires.
        (
            {
                "disposition": Disposition.VOICEMAIL,
                "transcript": "User: this is a scam, report you",
            },
            ["phrase", "phrase"],
        ),
    ],
)
def test_rules_table(overrides: dict[str, Any], expected: list[str]) -> None:
    assert codes(**overrides) == expected


def test_failed_booking_is_a_meeting_still_pending() -> None:
    assert codes(meeting=MeetingState.PENDING) == ["failed_booking"]
    assert codes(meeting=MeetingState.BOOKED) == []
    off = ReviewRules(failed_booking=False)
    assert codes(rules=off, meeting=MeetingState.PENDING) == []


def test_vip_by_score_company_and_deal_value() -> None:
    rules = ReviewRules(
        vip=VipRules(min_icp_score=100, companies=("Initech",), min_deal_value=50000)
    )
    big = Analysis(custom={"homeowner": True, "budget": 20000})
    assert codes(rules=rules, analysis=big) == ["vip"]
    assert codes(rules=rules, analysis=Analysis(custom={"company": " initech "})) == ["vip"]
    assert codes(rules=rules, analysis=Analysis(custom={"deal_value": "$75,000"})) == ["vip"]
    assert codes(rules=rules, analysis=Analysis(custom={"deal_value": 1000})) == []


def test_unclear_outcome_is_opt_in_and_ignores_stated_outcomes() -> None:
    rules = ReviewRules(unclear_outcome=True)
    assert codes(rules=rules, analysis=Analysis()) == ["low_confidence"]
    assert codes(rules=rules, analysis=Analysis(custom={"outcome": "not_interested"})) == []
    assert codes(rules=rules, analysis=Analysis(custom={"callback_requested": "yes"})) == []
    assert codes(rules=ReviewRules(), analysis=Analysis()) == []
    unanswered = codes(rules=rules, analysis=Analysis(), disposition=Disposition.NO_ANSWER)
    assert unanswered == []


def test_disabled_or_cleared_rules_flag_nothing() -> None:
    loud: dict[str, Any] = {
        "transcript": said("stop calling"),
        "analysis": Analysis(sentiment=Sentiment.NEGATIVE),
        "longest_silence_ms": 60_000,
    }
    assert codes(rules=ReviewRules(enabled=False), **loud) == []
    quiet = ReviewRules(phrases=(), negative_sentiment=False, max_silence_seconds=None)
    assert codes(rules=quiet, **loud) == []


def test_reasons_say_why_in_a_sentence() -> None:
    aud = audience()
    call = call_event(transcript=said("Stop calling me or I'll sue you"))
    fit = IcpFit(None, ())
    reasons = review_reasons(call, aud, fit=fit, outcome=Outcome.CONNECTED, meeting=None)
    assert reasons == (
        ReviewReason(code="phrase", text="The caller said “stop calling”."),
        ReviewReason(code="phrase", text="The caller said “sue you”."),
    )
    excerpt = review_excerpt(call, aud)
    assert excerpt is not None and "Stop calling me" in excerpt


def test_excerpt_is_short_and_only_the_callers_words() -> None:
    long_line = "blah " * 100 + "stop calling" + " blah" * 100
    transcript = f"Agent: a secret the agent said\nUser: {long_line}\n"
    [(phrase, excerpt)] = phrase_hits(caller_speech(transcript), ("stop calling",))
    assert phrase == "stop calling"
    assert len(excerpt) < 150 and excerpt.startswith("…") and excerpt.endswith("…")
    assert "secret" not in caller_speech(transcript)


_TEXT = st.lists(
    st.sampled_from(["stop calling", "scam", "User: ", "Agent: ", "\n", " ", "hello", "sue"]),
    max_size=30,
).map("".join)


@given(
    transcript=st.none() | _TEXT,
    sentiment=st.sampled_from(list(Sentiment)),
    silence=st.none() | st.integers(min_value=0, max_value=120_000),
    confidence=st.none() | st.floats(min_value=-5, max_value=150, allow_nan=False),
    meeting=st.none() | st.sampled_from(list(MeetingState)),
)
def test_same_inputs_same_reasons(
    transcript: str | None,
    sentiment: Sentiment,
    silence: int | None,
    confidence: float | None,
    meeting: MeetingState | None,
) -> None:
    custom = {} if confidence is None else {"confidence": confidence}
    event: dict[str, Any] = {
        "transcript": transcript,
        "analysis": Analysis(sentiment=sentiment, custom=custom),
        "longest_silence_ms": silence,
    }
    first = codes(meeting=meeting, **event)
    assert first == codes(meeting=meeting, **event)
    assert len(first) == len(set(first) - {"phrase"}) + first.count("phrase")
    assert ("negative_sentiment" in first) == (sentiment is Sentiment.NEGATIVE)
