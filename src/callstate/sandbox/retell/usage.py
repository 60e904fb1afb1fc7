"""What a simulated call cost and how fast its agent answered: `call_cost`, `latency`,
`llm_token_usage` in the shapes of retell-sdk 6.2.13 (voice.md §1.3).

Values are plausible, not measured: seeded by the call id so a scenario always yields the same
numbers. Costs are in cents, latencies in milliseconds.
"""

from __future__ import annotations

import random
from typing import Any

# Per-second list prices in cents, the shape of Retell's `call_cost.product_costs`.
_PRICES = (("elevenlabs_tts", 0.1166667), ("gpt-4o-mini", 0.01), ("retell_twilio", 0.025))


def call_cost(duration_ms: int) -> dict[str, Any]:
    """`call_cost`: one line per product, billed on whole seconds rounded up."""
    seconds = -(-duration_ms // 1000)
    costs = [round(price * seconds, 4) for _, price in _PRICES]
    return {
        "product_costs": [
            {"product": name, "unit_price": price, "cost": cost}
            for (name, price), cost in zip(_PRICES, costs, strict=True)
        ],
        "total_duration_seconds": seconds,
        "total_duration_unit_price": round(sum(price for _, price in _PRICES), 7),
        "combined_cost": round(sum(costs), 4),
    }


def _stats(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "p50": pct(0.5),
        "p90": pct(0.9),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": ordered[-1],
        "min": ordered[0],
        "num": len(ordered),
        "values": values,
    }


def latency(call_id: str, agent_turns: int) -> dict[str, Any]:
    """`latency`: end-to-end, LLM and TTS figures, one data point per agent turn."""
    rng = random.Random(f"{call_id}/latency")
    n = max(1, agent_turns)
    llm = [float(rng.randint(380, 900)) for _ in range(n)]
    tts = [float(rng.randint(180, 320)) for _ in range(n)]
    e2e = [a + b + rng.randint(150, 400) for a, b in zip(llm, tts, strict=True)]
    return {"e2e": _stats(e2e), "llm": _stats(llm), "tts": _stats(tts)}


def token_usage(call_id: str, agent_turns: int) -> dict[str, Any]:
    """`llm_token_usage`: prompt size per LLM request, growing as the conversation does."""
    rng = random.Random(f"{call_id}/tokens")
    values = [float(1_400 + 160 * i + rng.randint(0, 90)) for i in range(max(1, agent_turns))]
    return {
        "values": values,
        "average": round(sum(values) / len(values), 2),
        "num_requests": len(values),
    }
