"""What a call came to, in the words a sales team uses; the key of every outcome-driven map."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """One per analysed call; `policy.outcome.classify` decides it.

    Ordered roughly from best to worst for the pipeline; the order carries no meaning in code.
    """

    MEETING_BOOKED = "meeting_booked"
    QUALIFIED = "qualified"
    CALLBACK_REQUESTED = "callback_requested"
    CONNECTED = "connected"  # spoke, nothing decided
    NOT_QUALIFIED = "not_qualified"
    NOT_INTERESTED = "not_interested"
    DO_NOT_CALL = "do_not_call"
    WRONG_NUMBER = "wrong_number"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()
