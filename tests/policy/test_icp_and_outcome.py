"""ICP score from the audience's rules; the outcome from disposition and extraction."""

from __future__ import annotations

from typing import Any

import pytest

from callstate.config.model import Icp, IcpRule
from callstate.domain.call import Analysis, Disposition
from callstate.domain.outcome import Outcome
from callstate.policy.icp import score
from callstate.policy.outcome import classify
from tests.domain.builders import call_event

ICP = Icp(
    qualified_at=50,
    rules=(
        IcpRule(field="homeowner", equals=True, points=40, reason="Owns the home"),
        IcpRule(field="roof_age", min=15, points=30, reason="Roof is 15+ years old"),
        IcpRule(field="state", any_of=("NY", "NJ"), points=20, reason="In our service area"),
        IcpRule(field="renter", equals=True, points=-60, reason="Renter"),
    ),
)


def test_points_add_up_and_reasons_are_kept() -> None:
    fit = score(ICP, {"homeowner": True, "roof_age": "22", "state": "ny"})
    assert fit.score == 90
    assert fit.reasons == ("Owns the home", "Roof is 15+ years old", "In our service area")
    assert fit.qualified(ICP) is True


def test_score_is_clamped_and_silence_is_not_evidence() -> None:
    assert score(ICP, {"renter": True}).score == 0
    assert score(ICP, {}).score is None
    assert score(ICP, {"roof_age": ""}).qualified(ICP) is None


def analysed(**custom: Any) -> Analysis:
    return Analysis(summary="s", custom=custom)


@pytest.mark.parametrize(
    ("disposition", "custom", "qualified", "outcome"),
    [
        (Disposition.VOICEMAIL, {"meeting_booked": True}, True, Outcome.VOICEMAIL),
        (Disposition.NO_ANSWER, {}, None, Outcome.NO_ANSWER),
        (Disposition.CONNECTED, {"outcome": "Not_Interested"}, True, Outcome.NOT_INTERESTED),
        (Disposition.CONNECTED, {"do_not_call": "yes", "meeting_booked": True}, True,
         Outcome.DO_NOT_CALL),
        (Disposition.CONNECTED, {"meeting_booked": "true"}, None, Outcome.MEETING_BOOKED),
        (Disposition.CONNECTED, {"interested": False}, True, Outcome.NOT_INTERESTED),
        (Disposition.CONNECTED, {"callback_at": "2026-11-25T10:00"}, True,
         Outcome.CALLBACK_REQUESTED),
        (Disposition.CONNECTED, {}, True, Outcome.QUALIFIED),
        (Disposition.CONNECTED, {}, False, Outcome.NOT_QUALIFIED),
        (Disposition.CONNECTED, {"outcome": "nonsense"}, None, Outcome.CONNECTED),
    ],
)  # fmt: skip
def test_classification(
    disposition: Disposition, custom: dict[str, Any], qualified: bool | None, outcome: Outcome
) -> None:
    event = call_event(disposition=disposition, analysis=analysed(**custom))
    assert classify(event, qualified) is outcome
