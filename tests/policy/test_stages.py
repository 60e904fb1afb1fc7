"""Deals move forward along the pipeline and never back unless the outcome allows it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callstate.policy.stages import decide_move

ORDER = ("new", "qualified", "booked", "won", "lost")


@pytest.mark.parametrize(
    ("current", "target", "allow", "stage", "moved"),
    [
        ("new", "booked", False, "booked", True),
        ("booked", "qualified", False, "booked", False),
        ("booked", "qualified", True, "qualified", True),
        ("booked", "booked", False, "booked", False),
        ("archived-stage", "won", False, "archived-stage", False),
    ],
)
def test_moves(current: str, target: str, allow: bool, stage: str, moved: bool) -> None:
    move = decide_move(current, target, ORDER, allow_backwards=allow)
    assert (move.stage, move.moved) == (stage, moved)
    assert move.reason


def test_a_target_outside_the_pipeline_is_an_error() -> None:
    with pytest.raises(ValueError, match="not in the pipeline"):
        decide_move("new", "nowhere", ORDER, allow_backwards=False)


@given(st.lists(st.sampled_from(ORDER), min_size=1, max_size=12))
def test_a_sequence_of_outcomes_never_moves_a_deal_backwards(targets: list[str]) -> None:
    stage = targets[0]
    for target in targets[1:]:
        after = decide_move(stage, target, ORDER, allow_backwards=False).stage
        assert ORDER.index(after) >= ORDER.index(stage)
        assert after in (stage, target)
        stage = after
    assert ORDER.index(stage) == max(ORDER.index(t) for t in targets)
