"""Inbound calls: a person dials one of the account's numbers (`POST /_sandbox/inbound-calls`).

Body `{"from_number", "to_number"}` (E.164; `to_number` a number of the account, else 404).
What Retell does before answering (voice.md §2):

1. If the number has an `inbound_webhook_url`, POST it the signed `call_inbound` request:
   `from_number`, `to_number`, `call_id` (the id the call will have) and, when the number has
   an inbound agent bound, `agent_id` / `agent_version`. Signed like the call webhooks with the
   account's API key; 10 s timeout, retried up to 3 times on a non-2xx answer or an error.
2. A 2xx answer's `call_inbound` may name `override_agent_id` (+ `override_agent_version`;
   ignored unless it is an agent of the account), `dynamic_variables` (only string values are
   kept) and `metadata`, all used for the call.
3. Every attempt failed (or there was no webhook): the number's bound inbound agent answers,
   with no variables or metadata. No agent at all: nobody answers; the call is not recorded
   (200, `answered: false`).

An answered call is registered like a placed one (direction `inbound`) and played after the
response by the `Player`, the caller's script (`CalleeScript` keyed by `from_number`) deciding
how it goes. Answer 201: `{call_id, answered, agent_id, metadata, dynamic_variables,
inbound_webhook: {status, attempts}}` (`status`: the last HTTP status, null after an error).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from callstate.sandbox.retell.control import plays_of
from callstate.sandbox.retell.delivery import SIGNATURE_HEADER, encode, sign
from callstate.sandbox.retell.numbers import Numbers
from callstate.sandbox.retell.phone_calls import CallLog, Dial
from callstate.sandbox.retell.player import play_for
from callstate.sandbox.retell.rest_errors import RetellApiError
from callstate.sandbox.retell.simulator import wall_clock_ms
from callstate.sandbox.store import Doc

_E164 = r"^\+[1-9]\d{1,14}$"


class InboundCallRequest(BaseModel):
    """The control endpoint's body: who dials which number of the account."""

    model_config = ConfigDict(extra="forbid")

    from_number: str = Field(pattern=_E164)
    to_number: str = Field(pattern=_E164)


@dataclass(frozen=True)
class WebhookAnswer:
    """How the inbound webhook answered: `choice` is its `call_inbound` on 2xx, else None."""

    status: int | None
    attempts: int
    choice: dict[str, Any] | None

    def report(self) -> dict[str, Any]:
        return {"status": self.status, "attempts": self.attempts}


NO_WEBHOOK = WebhookAnswer(status=None, attempts=0, choice=None)


@dataclass(frozen=True)
class InboundWebhook:
    """Sends `call_inbound` requests the way Retell does (timeout, retries, signature)."""

    api_key: str
    timeout: float = 10.0
    max_retries: int = 3
    retry_delay: float = 1.0

    async def ask(self, url: str, request: dict[str, Any]) -> WebhookAnswer:
        body = encode({"event": "call_inbound", "call_inbound": request})
        status: int | None = None
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            for attempt in range(1, self.max_retries + 2):
                if attempt > 1:
                    await asyncio.sleep(self.retry_delay)
                status, text = await self._post(client, url, body)
                if status is not None and 200 <= status < 300:
                    return WebhookAnswer(status, attempt, _call_inbound(text))
        return WebhookAnswer(status, self.max_retries + 1, None)

    async def _post(
        self, client: httpx.AsyncClient, url: str, body: bytes
    ) -> tuple[int | None, str]:
        # Signed at send time: a retry carries a fresh `v=`, as a real resend would.
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: sign(body, self.api_key, wall_clock_ms()),
        }
        try:
            response = await client.post(url, content=body, headers=headers)
        except httpx.TransportError:
            return None, ""
        return response.status_code, response.text


def _call_inbound(text: str) -> dict[str, Any]:
    """The `call_inbound` object of a 2xx answer; {} when the body holds none."""
    try:
        answer = json.loads(text) if text.strip() else {}
    except ValueError:
        return {}
    choice = answer.get("call_inbound") if isinstance(answer, dict) else None
    return choice if isinstance(choice, dict) else {}


def _variables(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


class InboundCalls:
    """The `inbound-calls` control handler of one account."""

    def __init__(
        self,
        calls: CallLog,
        numbers: Numbers,
        webhook: InboundWebhook,
        *,
        account_webhook_url: str | None,
    ) -> None:
        self._calls = calls
        self._numbers = numbers
        self._webhook = webhook
        self._account_webhook_url = account_webhook_url

    async def handle(self, request: Request) -> Response:
        if request.method != "POST":
            return JSONResponse({"error": "use POST /_sandbox/inbound-calls"}, status_code=405)
        try:
            dialled = InboundCallRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"error": json.loads(exc.json())}, status_code=422)
        try:
            number = await asyncio.to_thread(self._numbers.get, dialled.to_number)
        except RetellApiError:
            message = f"{dialled.to_number} is not a number of this account"
            return JSONResponse({"error": message}, status_code=404)
        call_id = await asyncio.to_thread(self._calls.reserve_call_id)
        seed = f"{dialled.from_number}/{dialled.to_number}/{call_id}"
        bound = await asyncio.to_thread(self._calls.bound_agent, number, "inbound", seed)
        answer = await self._ask(number, dialled, call_id, bound)
        agent, dial = self._decide(answer, bound, dialled)
        body: dict[str, Any] = {
            "call_id": None,
            "answered": False,
            "agent_id": None if agent is None else agent["agent_id"],
            "metadata": dial.metadata,
            "dynamic_variables": dial.variables,
            "inbound_webhook": answer.report(),
        }
        if agent is None:
            return JSONResponse(body)
        placed = await asyncio.to_thread(self._calls.answer, call_id, dial, agent)
        play = play_for(placed, self._account_webhook_url)
        if play is not None:
            plays_of(request.scope).append(play)
        return JSONResponse({**body, "call_id": call_id, "answered": True}, status_code=201)

    async def _ask(
        self, number: Doc, dialled: InboundCallRequest, call_id: str, bound: Doc | None
    ) -> WebhookAnswer:
        url = number.get("inbound_webhook_url")
        if not isinstance(url, str) or not url:
            return NO_WEBHOOK
        request: dict[str, Any] = {
            "from_number": dialled.from_number,
            "to_number": dialled.to_number,
        }
        if bound is not None:
            request["agent_id"] = bound["agent_id"]
            request["agent_version"] = int(bound.get("version") or 0)
        request["call_id"] = call_id
        return await self._webhook.ask(url, request)

    def _decide(
        self, answer: WebhookAnswer, bound: Doc | None, dialled: InboundCallRequest
    ) -> tuple[Doc | None, Dial]:
        choice = answer.choice
        if choice is None:
            return bound, Dial("inbound", dialled.from_number, dialled.to_number)
        override = choice.get("override_agent_id")
        agent = None
        if isinstance(override, str) and override:
            agent = self._calls.agent(override, choice.get("override_agent_version"))
        dial = Dial(
            "inbound",
            dialled.from_number,
            dialled.to_number,
            metadata=choice.get("metadata"),
            variables=_variables(choice.get("dynamic_variables")),
        )
        return agent or bound, dial
