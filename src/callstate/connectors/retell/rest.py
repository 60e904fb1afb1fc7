"""`RetellRest`: one Retell workspace's REST client, on the official `retell` SDK (6.2.13).

What the integrator needs from Retell's API, vendor-neutral at the edges: Retell LLM and agent
settings as plain dicts in and out, phone numbers (listed, and bound to agents), `place_call`
(create-phone-call, always with an `idempotency_key`), `get_call`, and `list_calls_since` for
reconciliation (research/voice.md §4). Credentials are constructor arguments: one instance per
workspace, never shared.

Retries: the SDK retries timeouts, 408/409/429/5xx twice by default with no idempotency header
(voice.md §4.1); 6.2.13's `create_phone_call` alone defaults to no retries. We build the client
with `max_retries=0` for every call: the executor owns retries (with backoff and dead-letter),
and a retried `place_call` is safe because Retell keeps an `idempotency_key` for one hour
(voice.md §4.2), so the key must be derived from the effect, never random per attempt.

Errors: SDK exceptions are mapped once, here (`_errors`): 429 → `RateLimited` (Retry-After),
408/5xx, timeouts and connection failures → `Transient`, other 4xx → `Permanent`. An unknown id
is 422 "Cannot find requested asset under given api key." in Retell's documents → `Permanent`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
from retell import APIConnectionError, APIStatusError, APITimeoutError, Omit, Retell, omit

from callstate.connectors.errors import Transient
from callstate.connectors.http import classify

VENDOR = "retell"
PUBLIC_API = "https://api.retellai.com"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
PAGE_SIZE = 200

Settings = dict[str, Any]


@contextmanager
def _errors() -> Iterator[None]:
    """SDK exceptions → connector errors (connectors/errors.py)."""
    try:
        yield
    except APIStatusError as exc:
        raise classify(VENDOR, exc.response, _message(exc)) from exc
    except APITimeoutError as exc:
        raise Transient(VENDOR, "timed out") from exc
    except APIConnectionError as exc:
        raise Transient(VENDOR, f"connection failed: {exc}") from exc


def _message(exc: APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return f"HTTP {exc.status_code}: {body['message']}"
    return f"HTTP {exc.status_code}: {exc.message}"


def _plain(model: Any) -> Settings:
    """An SDK response model as the JSON Retell sent (API names, unset fields left out)."""
    data = model.to_dict(mode="json")
    assert isinstance(data, dict)
    return dict(data)


class RetellRest:
    """One Retell account (workspace), addressed with its API key."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = PUBLIC_API,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        http_client: httpx.Client | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._page_size = page_size
        self._sdk = Retell(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=0,
            http_client=http_client,
        )

    def close(self) -> None:
        self._sdk.close()

    # -- Retell LLMs (response engines) -----------------------------------------------------

    def get_llm(self, llm_id: str) -> Settings:
        """The LLM's settings (latest version). Safe to repeat. Permanent if unknown."""
        with _errors():
            return _plain(self._sdk.llm.retrieve(llm_id))

    def list_llms(self) -> list[Settings]:
        """Every Retell LLM of the account, following pages. Safe to repeat."""
        items: list[Settings] = []
        key: str | None = None
        with _errors():
            while True:
                page = self._sdk.llm.list(limit=self._page_size, pagination_key=_after(key))
                items.extend(_plain(item) for item in page.items)
                if not page.has_more or not page.pagination_key:
                    return items
                key = page.pagination_key

    def create_llm(self, settings: Mapping[str, Any]) -> Settings:
        """A new Retell LLM with `settings` (general_prompt, begin_message, general_tools, ...).
        Not idempotent: repeating creates another one."""
        with _errors():
            return _plain(self._sdk.llm.create(extra_body=dict(settings)))

    def update_llm(self, llm_id: str, changes: Mapping[str, Any]) -> Settings:
        """PATCH the given fields; the rest stay. Safe to repeat."""
        with _errors():
            return _plain(self._sdk.llm.update(llm_id, extra_body=dict(changes)))

    # -- agents -----------------------------------------------------------------------------

    def get_agent(self, agent_id: str) -> Settings:
        """The agent's settings (latest version). Safe to repeat. Permanent if unknown."""
        with _errors():
            return _plain(self._sdk.agent.retrieve(agent_id))

    def list_agents(self) -> list[Settings]:
        """Every agent as a 6.x summary (`agent_id`, `agent_name`, `channel`, ...): call
        `get_agent` for the settings. Safe to repeat."""
        items: list[Settings] = []
        key: str | None = None
        with _errors():
            while True:
                page = self._sdk.agent.list(limit=self._page_size, pagination_key=_after(key))
                items.extend(_plain(item) for item in page.items)
                if not page.has_more or not page.pagination_key:
                    return items
                key = page.pagination_key

    def create_agent(self, settings: Mapping[str, Any]) -> Settings:
        """A new agent; `settings` needs `response_engine` and `voice_id`. Not idempotent."""
        rest = {k: v for k, v in settings.items() if k not in ("response_engine", "voice_id")}
        with _errors():
            agent = self._sdk.agent.create(
                response_engine=settings["response_engine"],
                voice_id=settings["voice_id"],
                extra_body=rest,
            )
            return _plain(agent)

    def update_agent(self, agent_id: str, changes: Mapping[str, Any]) -> Settings:
        """PATCH the given fields (`None` clears one, e.g. voicemail_option). Safe to repeat."""
        with _errors():
            return _plain(self._sdk.agent.update(agent_id, extra_body=dict(changes)))

    # -- phone numbers and calls ------------------------------------------------------------

    def list_phone_numbers(self) -> list[Settings]:
        """Every number with its bindings (`inbound_agents`, `outbound_agents`, ...)."""
        items: list[Settings] = []
        key: str | None = None
        with _errors():
            while True:
                page = self._sdk.phone_number.list(pagination_key=_after(key))
                items.extend(_plain(item) for item in page.items)
                if not page.has_more or not page.pagination_key:
                    return items
                key = page.pagination_key

    def update_phone_number(self, phone_number: str, changes: Mapping[str, Any]) -> Settings:
        """PATCH the number's settings (`inbound_agents`, `outbound_agents`,
        `inbound_webhook_url`, ...); the rest stay. Safe to repeat. Permanent if unknown."""
        with _errors():
            return _plain(self._sdk.phone_number.update(phone_number, extra_body=dict(changes)))

    def place_call(
        self,
        from_number: str,
        to_number: str,
        *,
        idempotency_key: str,
        agent_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        dynamic_variables: Mapping[str, str] | None = None,
        honor_internal_dnc: bool = False,
    ) -> str:
        """Dial `to_number` from `from_number` (its outbound agent, or `agent_id`); returns the
        call id. Repeating with the same `idempotency_key` within an hour returns the same call
        and dials nobody again; after a Transient error, repeat with the same key.

        `honor_internal_dnc`: Retell refuses (400 → `Permanent`) to dial a contact its own
        do-not-call list holds (voice.md §4.2), e.g. one who said "stop calling me" to an agent
        with DNC detection on."""
        if not idempotency_key:
            raise ValueError("place_call needs an idempotency_key (voice.md §4.2)")
        options: dict[str, Any] = {}
        if agent_id is not None:
            options["override_agent_id"] = agent_id
        if metadata is not None:
            options["metadata"] = dict(metadata)
        if dynamic_variables is not None:
            options["retell_llm_dynamic_variables"] = dict(dynamic_variables)
        with _errors():
            call = self._sdk.call.create_phone_call(
                from_number=from_number,
                to_number=to_number,
                idempotency_key=idempotency_key,
                honor_internal_dnc=honor_internal_dnc,
                **options,
            )
        return str(call.call_id)

    def rerun_analysis(self, call_id: str) -> Settings:
        """Recompute the call's post-call analysis (`PUT /rerun-call-analysis/{call_id}`); the
        call object as Retell answers it. Charged by Retell, so callers key it: repeating it
        reruns (and charges) again. Permanent if the call is unknown."""
        with _errors():
            return _plain(self._sdk.call.rerun_analysis(call_id))

    def get_call(self, call_id: str) -> Settings:
        """The call object as Retell holds it now. Safe to repeat. Permanent if unknown."""
        with _errors():
            return _plain(self._sdk.call.retrieve(call_id))

    def list_calls_since(
        self, start: datetime, *, agent_ids: Sequence[str] | None = None
    ) -> Iterator[Settings]:
        """Calls started at or after `start` (aware), oldest first, page by page (6.x
        `/v3/list-calls` items: no transcripts or recording URLs; `get_call` has them)."""
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError("start must be an aware datetime")
        criteria: dict[str, Any] = {
            "start_timestamp": {"op": "ge", "type": "number", "value": start.timestamp() * 1000}
        }
        if agent_ids:
            criteria["agent"] = [{"agent_id": agent} for agent in agent_ids]
        key: str | None = None
        while True:
            with _errors():
                page = self._sdk.call.list(
                    filter_criteria=criteria,  # type: ignore[arg-type]
                    sort_order="ascending",
                    limit=self._page_size,
                    pagination_key=_after(key),
                )
            yield from (_plain(item) for item in page.items)
            if not page.has_more or not page.pagination_key:
                return
            key = page.pagination_key


def _after(key: str | None) -> str | Omit:
    """The SDK leaves `omit` out of the request: no key on the first page."""
    return omit if key is None else key
