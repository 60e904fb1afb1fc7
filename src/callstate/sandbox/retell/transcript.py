"""Transcript shapes of a simulated Retell call: the plain text and the timed utterances.

Retell sends a transcript three ways (voice.md §1.5): `transcript` ("Agent: ...\\nUser: ...\\n"),
`transcript_object` (utterances with per-word `start`/`end` in seconds of audio time) and
`transcript_with_tool_calls`. Word times here come from a fixed speaking rate, so they are
approximate, as Retell says its own are.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

Role = Literal["agent", "user"]

_LABELS: dict[Role, str] = {"agent": "Agent", "user": "User"}
_FIRST_WORD_S = 0.52  # the agent greets shortly after the line opens
_WORD_S = 0.31
_WORD_GAP_S = 0.05
_TURN_GAP_S = 0.74


def render_text(turns: Sequence[tuple[Role, str]]) -> str:
    """The `transcript` field: one "Label: text" line per utterance."""
    return "".join(f"{_LABELS[role]}: {text}\n" for role, text in turns)


def _timed(turns: Sequence[tuple[Role, str]]) -> tuple[list[list[dict[str, Any]]], float]:
    clock = _FIRST_WORD_S
    per_turn: list[list[dict[str, Any]]] = []
    for _, text in turns:
        words: list[dict[str, Any]] = []
        for word in text.split():
            end = clock + _WORD_S
            words.append({"word": word, "start": round(clock, 3), "end": round(end, 3)})
            clock = end + _WORD_GAP_S
        per_turn.append(words)
        clock += _TURN_GAP_S
    return per_turn, clock


def transcript_seconds(turns: Sequence[tuple[Role, str]]) -> float:
    """Audio seconds until the last word of these turns has been spoken."""
    return round(_timed(turns)[1], 3)


def timed_utterances(turns: Sequence[tuple[Role, str]]) -> list[dict[str, Any]]:
    """The `transcript_object` list: role, content, words with times, agent response ids."""
    per_turn, _ = _timed(turns)
    utterances: list[dict[str, Any]] = []
    response_id = 0
    for (role, text), words in zip(turns, per_turn, strict=True):
        utterance: dict[str, Any] = {"role": role, "content": text, "words": words}
        if role == "agent":
            # Retell numbers the agent's responses within a call (metadata.response_id).
            utterance["metadata"] = {"response_id": response_id}
            response_id += 1
        utterances.append(utterance)
    return utterances
