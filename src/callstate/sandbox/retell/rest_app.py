"""`create_retell_app`: the Retell REST API emulator (LLMs, agents, numbers, calls) over one Store.

Layers, outermost first: `RecordingCdn` (recordings, no key: media.py) → `RetellControl`
(callee scripts, settle, inbound calls, do-not-call list; plays calls after their response) →
`SandboxControl` (recorder, faults, reset: faults.py) → `RetellGate` (Bearer API key, optional
rate limit) → FastAPI routes (agents_api, calls_api). One account: `api_key` authenticates
requests and signs the webhooks of played calls and inbound-call requests, as a Retell key with
the "webhook" badge does (research/voice.md §1.6). Seeds are installed at creation (kept when
the store already holds them) and again after `POST /_sandbox/reset`. Several accounts are
several apps, one store each (accounts.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from callstate.sandbox.faults import ControlPanel, SandboxControl
from callstate.sandbox.retell.agents import AGENTS, LLMS, Engines
from callstate.sandbox.retell.agents_api import engines_router, numbers_router
from callstate.sandbox.retell.calls_api import calls_router
from callstate.sandbox.retell.control import ControlHandler, RetellControl
from callstate.sandbox.retell.delivery import Delivery
from callstate.sandbox.retell.dnc import dnc_control
from callstate.sandbox.retell.inbound import InboundCalls, InboundWebhook
from callstate.sandbox.retell.media import RecordingCdn
from callstate.sandbox.retell.numbers import NUMBERS, Numbers
from callstate.sandbox.retell.phone_calls import CallLog
from callstate.sandbox.retell.player import Deliver, Player
from callstate.sandbox.retell.rest_errors import fault_body, install_error_handlers
from callstate.sandbox.retell.rest_gate import RequestWindow, RetellGate, RetellRateLimit
from callstate.sandbox.retell.simulator import Report, Simulator
from callstate.sandbox.store import Store

SANDBOX_API_KEY = "key_sandbox_retell_0000000000000000"


@dataclass(frozen=True)
class RetellSeed:
    """Objects the account holds from the start, each with its id (`llm_id`, `agent_id`,
    `phone_number`) and any other fields, as the create calls would take them."""

    llms: Sequence[Mapping[str, Any]] = ()
    agents: Sequence[Mapping[str, Any]] = ()
    phone_numbers: Sequence[Mapping[str, Any]] = ()


def create_retell_app(
    store: Store,
    *,
    api_key: str = SANDBOX_API_KEY,
    clock: Callable[[], float] = time.time,
    deliver: Deliver | None = None,
    webhook_url: str | None = None,
    seed: RetellSeed = RetellSeed(),
    rate_limit: RetellRateLimit | None = None,
    webhook_retry_delay: float = 1.0,
    media_base_url: str | None = None,
) -> FastAPI:
    """The Retell emulator.

    `deliver(url, deliveries) -> Report` sends a played call's webhooks; the default is the
    call simulator's `Simulator` signing with `api_key` (Retell's 10 s timeout, 3 retries
    `webhook_retry_delay` apart; the inbound webhook is retried the same way). `webhook_url` is
    the account-level URL, used for agents without their own. `rate_limit=None` never answers
    429 on its own (faults still can). `media_base_url`, the externally visible base URL of
    this app, makes recording URLs point at the app itself (media.py); without it they name
    Retell's CDN and cannot be fetched.
    """
    engines = Engines(store, clock)
    numbers = Numbers(store, clock)
    calls = CallLog(store, engines, numbers, clock, media_base_url=media_base_url)

    def simulate(url: str, deliveries: Sequence[Delivery]) -> Report:
        return Simulator(url, api_key, retry_delay=webhook_retry_delay).deliver(deliveries)

    player = Player(calls, deliver or simulate)

    def install_seeds() -> None:
        with store.transaction() as tx:
            for llm in seed.llms:
                if tx.get(LLMS, str(llm["llm_id"])) is None:
                    engines.create_llm(llm, llm_id=str(llm["llm_id"]))
            for agent in seed.agents:
                if tx.get(AGENTS, str(agent["agent_id"])) is None:
                    engines.create_agent(agent, agent_id=str(agent["agent_id"]))
            for number in seed.phone_numbers:
                if tx.get(NUMBERS, str(number["phone_number"])) is None:
                    numbers.create(
                        number, kind=str(number.get("phone_number_type", "retell-twilio"))
                    )

    def wipe() -> None:
        # Counters survive: an id handed out before a reset must never name another object.
        with store.transaction() as tx:
            tx.wipe()
            install_seeds()

    install_seeds()
    window = RequestWindow(rate_limit, clock)
    panel = ControlPanel(reset_state=wipe, fault_body=fault_body)
    panel.on_reset(window.reset)
    panel.on_reset(player.forget)

    app = FastAPI(
        title="callstate sandbox: Retell", docs_url=None, redoc_url=None, openapi_url=None
    )
    install_error_handlers(app)
    routers = (
        engines_router(engines),
        numbers_router(numbers),
        calls_router(calls, account_webhook_url=webhook_url),
    )
    for router in routers:
        app.include_router(router)
    app.add_middleware(RetellGate, api_keys=frozenset({api_key}), window=window)
    app.add_middleware(SandboxControl, panel=panel)
    inbound = InboundCalls(
        calls,
        numbers,
        InboundWebhook(api_key, retry_delay=webhook_retry_delay),
        account_webhook_url=webhook_url,
    )
    handlers: dict[str, ControlHandler] = {
        "inbound-calls": inbound.handle,
        "dnc": partial(dnc_control, store),
    }
    app.add_middleware(RetellControl, store=store, player=player, handlers=handlers)
    app.add_middleware(RecordingCdn, calls=calls)
    app.state.sandbox_control = panel
    app.state.api_paths = frozenset(
        route.path for r in routers for route in r.routes if isinstance(route, APIRoute)
    )
    app.state.store = store
    app.state.retell_player = player
    return app
