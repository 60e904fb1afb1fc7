"""What the other person on a call does: the callee script.

Set through `POST /retell/_sandbox/scripts`, keyed by `to_number`: the other party's number,
the callee of a placed call, the caller of an inbound one (`POST /_sandbox/inbound-calls`). A
number without a script answers and talks (`connected`). Outcomes and the Retell call they
produce (voice.md §1.1, §1.4):

- `connected`: `call_started`, `call_ended` (`user_hangup`), `call_analyzed` with the script's
  summary, sentiment, success flag and `custom_analysis_data`;
- `voicemail`: connected to a mailbox: `voicemail_reached`, `in_voicemail: true`; the agent
  leaves its `voicemail_option` static text when it has one;
- `no_answer` / `busy`: never connected (`dial_no_answer` / `dial_busy`): no `call_started`,
  status `not_connected`;
- `error`: never connected, `error_unknown` (status `error`).

`disconnection_reason` overrides the outcome's usual reason (`user_requested_dnc` also puts the
number on the account's do-not-call list, dnc.py); `times` makes a script apply to that many
calls only (then the number answers normally again). `webhooks: false` loses every webhook of
the call, as when all of Retell's delivery attempts failed (voice.md §1.7): the call still
happens and `get-call` / `list-calls` show it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from callstate.sandbox.retell.calls import Sentiment
from callstate.sandbox.retell.transcript import Role

Outcome = Literal["connected", "voicemail", "no_answer", "busy", "error"]
SCRIPTS = "scripts"

_DEFAULT_TALK: tuple[tuple[Role, str], ...] = (
    ("user", "Hello?"),
    ("agent", "Hi, this is the assistant calling on behalf of our team. Is now a good time?"),
    ("user", "Sure, go ahead."),
    ("agent", "Thanks, I'll keep it short. We'll follow up by email with the details."),
    ("user", "Sounds good, thank you. Bye."),
)
_INBOUND_TALK: tuple[tuple[Role, str], ...] = (
    ("agent", "Thanks for calling, how can I help you today?"),
    ("user", "Hi, I'd like to know more about your services."),
    ("agent", "Of course. I'll note your details and we'll follow up by email."),
    ("user", "Great, thank you. Bye."),
)
_GREETING: tuple[Role, str] = ("user", "Hi, you've reached my voicemail. Leave a message.")


class CalleeScript(BaseModel):
    """The callee's behaviour for calls to `to_number`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    to_number: str
    outcome: Outcome = "connected"
    disconnection_reason: str | None = None
    summary: str | None = None
    sentiment: Sentiment | None = None
    call_successful: bool | None = None
    custom_analysis_data: dict[str, Any] = Field(default_factory=dict)
    caller_name: str | None = None
    caller_email: str | None = None
    transcript: list[tuple[Role, str]] | None = None
    duration_seconds: float | None = Field(default=None, ge=0)
    times: int | None = Field(default=None, ge=1)
    webhooks: bool = True

    @property
    def connected(self) -> bool:
        return self.outcome in ("connected", "voicemail")

    def reason(self) -> str | None:
        if self.disconnection_reason is not None:
            return self.disconnection_reason
        return {"no_answer": "dial_no_answer", "busy": "dial_busy", "error": "error_unknown"}.get(
            self.outcome
        )

    def talk(
        self, begin_message: str | None, voicemail_text: str | None, *, inbound: bool = False
    ) -> tuple[Any, ...]:
        """The conversation the call transcript shows (none when it never connected)."""
        if not self.connected:
            return ()
        if self.transcript is not None:
            return tuple((role, text) for role, text in self.transcript)
        if self.outcome == "voicemail":
            message = voicemail_text or "Hi, sorry we missed you. Please call us back."
            return (_GREETING, ("agent", message))
        if inbound:
            opening = ("agent", begin_message) if begin_message else _INBOUND_TALK[0]
            return (opening, *_INBOUND_TALK[1:])
        if begin_message:
            return (("agent", begin_message), *_DEFAULT_TALK[2:])
        return _DEFAULT_TALK

    def analysis_defaults(self) -> dict[str, Any]:
        """Sentiment and success an analysis of this outcome would plausibly give."""
        answered = self.outcome == "connected"
        return {
            "sentiment": self.sentiment or ("Positive" if answered else "Unknown"),
            "call_successful": answered if self.call_successful is None else self.call_successful,
        }


def default_script(to_number: str) -> CalleeScript:
    return CalleeScript(to_number=to_number)
