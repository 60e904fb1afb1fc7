"""Where a deal goes after a call: forward along the pipeline, never back unless allowed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StageMove:
    stage: str  # where the deal is after the decision
    moved: bool
    reason: str


def decide_move(
    current: str, target: str, order: Sequence[str], *, allow_backwards: bool
) -> StageMove:
    """`order` is the pipeline's stages by display order (ids). A stage missing from `order`
    (archived, or a pipeline edited by hand) is never moved away from automatically."""
    if current == target:
        return StageMove(current, False, f"already at {target}")
    if target not in order:
        raise ValueError(f"stage {target!r} is not in the pipeline")
    if current not in order:
        return StageMove(current, False, f"kept {current}: not a stage of the pipeline any more")
    if order.index(target) > order.index(current):
        return StageMove(target, True, f"moved {current} → {target}")
    if allow_backwards:
        return StageMove(target, True, f"moved back {current} → {target} (allowed)")
    return StageMove(current, False, f"kept {current}: {target} would move the deal backwards")
