"""`plan` puts a call the review rules flag in the queue: one `FlagForReview` per call."""

from __future__ import annotations

from callstate.domain.call import Analysis, Disposition, Sentiment
from callstate.domain.effects import FlagForReview, NotifyOwner, Plan
from callstate.domain.outcome import Outcome
from callstate.transition import plan
from tests.domain.builders import audience, call_event


def flags(the_plan: Plan) -> list[FlagForReview]:
    return [e for e in the_plan.effects if isinstance(e, FlagForReview)]


def test_a_flagged_call_gets_one_review_item_with_a_short_excerpt() -> None:
    event = call_event(
        transcript="Agent: Hi\nUser: Please stop calling me, this is a scam.\n",
        analysis=Analysis(summary="Unhappy.", sentiment=Sentiment.NEGATIVE),
    )
    the_plan = plan(event, [], audience(), review_channel="acme-review")
    [flag] = flags(the_plan)
    assert flag.key == "acme:retell:call_0001:flag_for_review"
    assert flag.channel == "acme-review"
    assert [r.code for r in flag.reasons] == ["negative_sentiment", "phrase", "phrase"]
    assert flag.excerpt is not None and "stop calling" in flag.excerpt
    assert flag.contact == "acme:retell:call_0001:upsert_contact"
    assert flag.caller == "Dana Whitfield" and flag.outcome is Outcome.CONNECTED
    assert "review: negative_sentiment, phrase, phrase" in the_plan.notes
    assert plan(event, [], audience(), review_channel="acme-review") == the_plan


def test_an_unflagged_call_has_none_and_the_channel_defaults_to_the_audiences() -> None:
    assert flags(plan(call_event(), [], audience())) == []
    angry = call_event(analysis=Analysis(sentiment=Sentiment.NEGATIVE))
    [flag] = flags(plan(angry, [], audience()))
    assert flag.channel == "acme-sales"


def test_a_quiet_voicemail_is_still_reviewed_when_a_rule_fires() -> None:
    voicemail = call_event(
        disposition=Disposition.VOICEMAIL,
        end_reason="voicemail_reached",
        transcript="User: I'm calling my lawyer about these calls.\n",
    )
    the_plan = plan(voicemail, [], audience(voicemail_notify=False))
    assert not any(isinstance(e, NotifyOwner) for e in the_plan.effects)
    [flag] = flags(the_plan)
    assert flag.outcome is Outcome.VOICEMAIL
