"""ICP fit: points from the audience's rules over what the agent extracted, clamped to 0-100."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from callstate.config.model import Icp, IcpRule


@dataclass(frozen=True, slots=True)
class IcpFit:
    score: int | None  # None: no rule could be evaluated (nothing extracted)
    reasons: tuple[str, ...]

    def qualified(self, icp: Icp) -> bool | None:
        return None if self.score is None else self.score >= icp.qualified_at


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").strip())
        except ValueError:
            return None
    return None


def _matches(rule: IcpRule, value: Any) -> bool:
    if rule.equals is not None:
        if isinstance(rule.equals, str) and isinstance(value, str):
            return value.strip().casefold() == rule.equals.casefold()
        return bool(value == rule.equals)
    if rule.any_of:
        return isinstance(value, str) and value.strip().casefold() in {
            v.casefold() for v in rule.any_of
        }
    number = _number(value)
    if number is None:
        return False
    return (rule.min is None or number >= rule.min) and (rule.max is None or number <= rule.max)


def score(icp: Icp, extracted: Mapping[str, Any]) -> IcpFit:
    """Rules whose field was not extracted neither add nor subtract: silence is not evidence."""
    evaluated = [rule for rule in icp.rules if extracted.get(rule.field) not in (None, "")]
    if not evaluated:
        return IcpFit(None, ())
    hits = [rule for rule in evaluated if _matches(rule, extracted[rule.field])]
    total = max(0, min(100, sum(rule.points for rule in hits)))
    return IcpFit(total, tuple(rule.reason for rule in hits))
