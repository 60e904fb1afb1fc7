"""What an outbound agent must say in its opening before anything else.

An automated sales call names the business, says that an AI is speaking, that the call is
recorded, and how to opt out (the issue's list; the usual TCPA / two-party-consent practice).
`missing_disclosures` checks the opening text as written: it is a phrase check, not a
language model, so it errs towards refusing, and `{{variables}}` are not expanded (a variable
can be empty at call time, so a disclosure must be literal text). It cannot tell "this call is
recorded" from "this call is not recorded"; a person still reads the opening once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Disclosure(StrEnum):
    BUSINESS_NAME = "business_name"
    AI = "ai"
    RECORDING = "recording"
    OPT_OUT = "opt_out"


@dataclass(frozen=True, slots=True)
class MissingDisclosure:
    item: Disclosure
    what: str  # the requirement, for a person
    hint: str  # a sentence the agent could say, ready to paste into the opening


# Whole words, case-insensitive, any run of spaces/hyphens between words.
_PHRASES: dict[Disclosure, tuple[str, ...]] = {
    Disclosure.AI: (
        "AI",
        "A.I.",
        "artificial intelligence",
        "virtual assistant",
        "automated assistant",
        "digital assistant",
    ),
    Disclosure.RECORDING: ("recorded", "recording"),
    Disclosure.OPT_OUT: (
        "opt out",
        "stop calling",
        "remove you",
        "do not call",
        "don't call",
    ),
}


def _pattern(phrase: str) -> re.Pattern[str] | None:
    words = [re.escape(w) for w in re.split(r"[\s-]+", phrase.strip()) if w]
    if not words:
        return None  # nothing to say, so it cannot have been said
    body = r"[\s\-]+".join(words)
    return re.compile(rf"(?<![\w.]){body}(?![\w])", re.IGNORECASE)


def _says(text: str, phrase: str) -> bool:
    pattern = _pattern(phrase)
    return pattern is not None and pattern.search(_plain(text)) is not None


def _plain(text: str) -> str:
    # Editors turn "don't" into a typographic apostrophe (U+2019); match it like "'".
    return text.replace("\u2019", "'")


def missing_disclosures(opening: str | None, business_name: str) -> tuple[MissingDisclosure, ...]:
    """The disclosures `opening` lacks, in the order they are usually spoken; () when it has
    them all. `business_name` is the workspace's `name`."""
    text = opening or ""
    missing: list[MissingDisclosure] = []
    if not _says(text, business_name):
        missing.append(
            MissingDisclosure(
                Disclosure.BUSINESS_NAME,
                f"the business name ({business_name!r})",
                f"This is Alex calling from {business_name}.",
            )
        )
    if not any(_says(text, p) for p in _PHRASES[Disclosure.AI]):
        missing.append(
            MissingDisclosure(
                Disclosure.AI,
                "that an AI is speaking",
                "I'm an AI assistant.",
            )
        )
    if not any(_says(text, p) for p in _PHRASES[Disclosure.RECORDING]):
        missing.append(
            MissingDisclosure(
                Disclosure.RECORDING,
                "that the call is recorded",
                "This call is recorded.",
            )
        )
    if not any(_says(text, p) for p in _PHRASES[Disclosure.OPT_OUT]):
        missing.append(
            MissingDisclosure(
                Disclosure.OPT_OUT,
                "how to opt out",
                "If you'd rather we didn't call, just say so and we'll remove you from our list.",
            )
        )
    return tuple(missing)
