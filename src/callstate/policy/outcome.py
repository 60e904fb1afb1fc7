"""What an analysed call came to: the line's disposition first, then what the agent extracted.

The agent's post-call analysis (Retell `custom_analysis_data`) is free-form; these keys are the
ones callstate reads, documented in docs/configuration.md:
`outcome` (one of `Outcome`'s values, wins when present), `meeting_booked`, `do_not_call`,
`wrong_number`, `callback_requested` / `callback_at`, `interested`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from callstate.domain.call import CallEvent, Disposition
from callstate.domain.outcome import Outcome

_BY_DISPOSITION = {
    Disposition.VOICEMAIL: Outcome.VOICEMAIL,
    Disposition.NO_ANSWER: Outcome.NO_ANSWER,
    Disposition.BUSY: Outcome.BUSY,
    Disposition.FAILED: Outcome.FAILED,
}
_STATED = frozenset(o.value for o in Outcome)
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def flag(value: Any) -> bool | None:
    """Agents write booleans as booleans, strings or numbers; anything else is unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        word = value.strip().casefold()
        return True if word in _TRUE else False if word in _FALSE else None
    return None


def classify(event: CallEvent, qualified: bool | None) -> Outcome:
    """`qualified` is the ICP verdict (None when nothing was extracted to judge by)."""
    if event.disposition in _BY_DISPOSITION:
        return _BY_DISPOSITION[event.disposition]
    if event.analysis is not None and event.analysis.in_voicemail:
        return Outcome.VOICEMAIL
    custom: Mapping[str, Any] = event.analysis.custom if event.analysis else {}
    stated = str(custom.get("outcome", "")).strip().casefold()
    if stated in _STATED:
        return Outcome(stated)
    if flag(custom.get("do_not_call")):
        return Outcome.DO_NOT_CALL
    if flag(custom.get("wrong_number")):
        return Outcome.WRONG_NUMBER
    if flag(custom.get("meeting_booked")):
        return Outcome.MEETING_BOOKED
    if flag(custom.get("interested")) is False:
        return Outcome.NOT_INTERESTED
    if flag(custom.get("callback_requested")) or custom.get("callback_at"):
        return Outcome.CALLBACK_REQUESTED
    if qualified is True:
        return Outcome.QUALIFIED
    if qualified is False:
        return Outcome.NOT_QUALIFIED
    return Outcome.CONNECTED
