"""Which calls a person should look at: the audience's review rules over an analysed call. Pure.

The rules, in the order their reasons are listed:

- `low_confidence`: how sure the classification is. Retell's analysis carries no confidence of
  its own, so this is honest about what we have: a `confidence` the agent was told to extract
  (0-1, or a percentage) below `min_confidence`; and, with `unclear_outcome` on, a connected
  call whose outcome the agent did not state (`outcome` missing, no yes/no field decided it),
  so `policy.outcome.classify` fell back on the ICP score or on plain "connected".
- `negative_sentiment`: Retell's `user_sentiment` is Negative.
- `phrase`: the caller said a do-not-call or complaint phrase. Only the caller's lines count
  (`User:` in Retell's transcript): the agent's own opt-out disclosure ("if you'd rather we
  didn't call...") must not flag every outbound call. Case-insensitive, whole words.
- `failed_booking`: the caller agreed a time the call could not book (the meeting is still
  pending; the post-call booking may still fail).
- `long_silence`: the longest gap between utterances is over `max_silence_seconds`.
- `vip`: an ICP score, company or deal value the audience names as important.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from callstate.config.model import Audience
from callstate.config.oversight import ReviewRules
from callstate.domain.calendar import MeetingState
from callstate.domain.call import CallEvent, Disposition, Sentiment
from callstate.domain.outcome import Outcome
from callstate.domain.review import ReviewReason
from callstate.policy.icp import IcpFit
from callstate.policy.outcome import flag

_DECIDING_FLAGS = ("do_not_call", "wrong_number", "meeting_booked", "callback_requested")
_INFERRED = frozenset({Outcome.CONNECTED, Outcome.QUALIFIED, Outcome.NOT_QUALIFIED})
_STATED = frozenset(o.value for o in Outcome)
_CALLER_LINE = re.compile(r"^\s*(user|caller|customer)\s*:\s*(.*)$", re.IGNORECASE)
_ANY_LABEL = re.compile(r"^\s*[A-Za-z_ ]{1,20}:", re.MULTILINE)
_EXCERPT_CHARS = 60


def number(value: Any) -> float | None:
    """A number the agent extracted: a number, or a string that reads as one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.replace(",", "").replace("$", "").replace("%", "").strip())
        except ValueError:
            return None
    return None


def caller_speech(transcript: str | None) -> str:
    """The caller's words: the `User:` lines of a labelled transcript, else all of it."""
    if not transcript:
        return ""
    text = transcript.replace("\u2019", "'")
    if not _ANY_LABEL.search(text):
        return text
    lines = (_CALLER_LINE.match(line) for line in text.splitlines())
    return "\n".join(m.group(2) for m in lines if m is not None)


def phrase_hits(speech: str, phrases: tuple[str, ...]) -> list[tuple[str, str]]:
    """(phrase, excerpt) for each phrase said, in the configured order."""
    hits: list[tuple[str, str]] = []
    for phrase in phrases:
        words = [re.escape(w) for w in phrase.replace("\u2019", "'").split()]
        if not words:
            continue
        found = re.search(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", speech, re.IGNORECASE)
        if found is not None:
            hits.append((phrase, _excerpt(speech, found.start(), found.end())))
    return hits


def _excerpt(text: str, start: int, end: int) -> str:
    left, right = max(0, start - _EXCERPT_CHARS), min(len(text), end + _EXCERPT_CHARS)
    middle = " ".join(text[left:right].split())
    return ("…" if left else "") + middle + ("…" if right < len(text) else "")


def confidence(custom: Mapping[str, Any]) -> float | None:
    """The agent's own `confidence`, as a fraction (a value over 1 is read as a percentage)."""
    value = number(custom.get("confidence"))
    if value is None or value < 0 or value > 100:
        return None
    return value / 100 if value > 1 else value


def _stated(custom: Mapping[str, Any]) -> bool:
    said = str(custom.get("outcome", "")).strip().casefold()
    return said in _STATED or any(flag(custom.get(k)) for k in _DECIDING_FLAGS)


def _confidence_reasons(
    event: CallEvent, rules: ReviewRules, outcome: Outcome, custom: Mapping[str, Any]
) -> list[ReviewReason]:
    rated = confidence(custom)
    if rules.min_confidence is not None and rated is not None and rated < rules.min_confidence:
        text = f"The agent rated its analysis {rated:.0%} sure (below {rules.min_confidence:.0%})."
        return [ReviewReason(code="low_confidence", text=text)]
    inferred = (
        rules.unclear_outcome
        and event.disposition is Disposition.CONNECTED
        and outcome in _INFERRED
        and not _stated(custom)
    )
    if inferred:
        text = f"The agent stated no outcome; “{outcome.value}” was inferred."
        return [ReviewReason(code="low_confidence", text=text)]
    return []


def _vip_reasons(rules: ReviewRules, fit: IcpFit, custom: Mapping[str, Any]) -> list[ReviewReason]:
    vip = rules.vip
    found: list[str] = []
    if vip.min_icp_score is not None and fit.score is not None and fit.score >= vip.min_icp_score:
        found.append(f"ICP score {fit.score}")
    company = custom.get(vip.company_field)
    names = {c.casefold() for c in vip.companies}
    if isinstance(company, str) and company.strip().casefold() in names:
        found.append(f"account {company.strip()}")
    value = number(custom.get(vip.deal_value_field))
    if vip.min_deal_value is not None and value is not None and value >= vip.min_deal_value:
        found.append(f"deal value {value:,.0f}")
    if not found:
        return []
    return [ReviewReason(code="vip", text="VIP: " + ", ".join(found) + ".")]


def review_reasons(
    event: CallEvent,
    audience: Audience,
    *,
    fit: IcpFit,
    outcome: Outcome,
    meeting: MeetingState | None,
) -> tuple[ReviewReason, ...]:
    """Why the analysed call should be reviewed; () when no rule fires (or review is off).
    `meeting` is the state of the meeting the call agreed, if any."""
    rules = audience.review
    if not rules.enabled:
        return ()
    analysis = event.analysis
    custom = analysis.custom if analysis else {}
    reasons = _confidence_reasons(event, rules, outcome, custom)
    if rules.negative_sentiment and analysis and analysis.sentiment is Sentiment.NEGATIVE:
        reasons.append(ReviewReason(code="negative_sentiment", text="The caller sounded unhappy."))
    for phrase, _ in phrase_hits(caller_speech(event.transcript), rules.phrases):
        reasons.append(ReviewReason(code="phrase", text=f"The caller said “{phrase}”."))
    if rules.failed_booking and meeting is MeetingState.PENDING:
        text = "The caller agreed a meeting the call could not book."
        reasons.append(ReviewReason(code="failed_booking", text=text))
    silence = event.longest_silence_ms
    limit = rules.max_silence_seconds
    if limit is not None and silence is not None and silence > limit * 1000:
        text = f"A silence of {silence / 1000:.0f} s (over {limit:g} s)."
        reasons.append(ReviewReason(code="long_silence", text=text))
    reasons.extend(_vip_reasons(rules, fit, custom))
    return tuple(reasons)


def review_excerpt(event: CallEvent, audience: Audience) -> str | None:
    """The caller's words around the first matched phrase, for the reviewer (never more)."""
    hits = phrase_hits(caller_speech(event.transcript), audience.review.phrases)
    return hits[0][1] if hits else None
