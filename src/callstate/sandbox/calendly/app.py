"""`create_calendly_app`: the Calendly API v2 emulator over one `Store`.

Layers, outermost first: `SandboxControl` (control API, recorder, faults) → `CalendlyGate`
(token → user, rate limits) → FastAPI routes. Users and event types are seeds (read-only, as
callstate never edits them); scheduled events and invitees live in the store and are wiped by
`POST /_sandbox/reset`. Resource URIs stay `https://api.calendly.com/...` whatever address the
emulator is served from (seeds.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from fastapi import FastAPI

from callstate.sandbox.calendly.catalog_api import catalog_router
from callstate.sandbox.calendly.directory import Directory
from callstate.sandbox.calendly.errors import fault_body, install_error_handlers
from callstate.sandbox.calendly.events_api import events_router
from callstate.sandbox.calendly.gate import CalendlyGate, CalendlyRateLimit, RateCounter
from callstate.sandbox.calendly.invitees_api import invitees_router
from callstate.sandbox.calendly.scheduling import Scheduling
from callstate.sandbox.calendly.seeds import (
    SANDBOX_EVENT_TYPES,
    SANDBOX_ORGANIZATION,
    SANDBOX_USERS,
    EventTypeSeed,
    OrganizationSeed,
    UserSeed,
)
from callstate.sandbox.calendly.webhooks import Webhooks, webhooks_router
from callstate.sandbox.faults import ControlPanel, SandboxControl
from callstate.sandbox.store import Store


def create_calendly_app(
    store: Store,
    *,
    users: Sequence[UserSeed] = SANDBOX_USERS,
    event_types: Sequence[EventTypeSeed] = SANDBOX_EVENT_TYPES,
    organization: OrganizationSeed = SANDBOX_ORGANIZATION,
    scheduling_api: bool = True,
    rate_limit: CalendlyRateLimit | None = None,
    max_window_days: int = 7,
    clock: Callable[[], float] = time.time,
    deliver: Callable[[str, bytes, dict[str, str]], None] | None = None,
) -> FastAPI:
    """The Calendly emulator.

    `scheduling_api=False` answers `POST /invitees` as a plan without the Scheduling API does
    (403). `rate_limit=None` sends the rate-limit headers without ever answering 429.
    `max_window_days` bounds `/event_type_available_times` (7 in the document; 31 since
    2026-07-09). `deliver(url, body, headers)` posts webhook deliveries (default: httpx).
    """
    directory = Directory(users, event_types, organization)
    scheduling = Scheduling(store, directory, clock)
    webhooks = Webhooks(store, directory, clock, deliver=deliver)
    scheduling.listeners.append(webhooks.on_change)

    def wipe() -> None:
        # Counters survive a reset, as in every emulator; this one keeps none.
        with store.transaction() as tx:
            tx.wipe()

    counter = RateCounter(rate_limit, clock)
    panel = ControlPanel(reset_state=wipe, fault_body=fault_body)
    panel.on_reset(counter.reset)

    app = FastAPI(
        title="callstate sandbox: Calendly", docs_url=None, redoc_url=None, openapi_url=None
    )
    install_error_handlers(app)
    app.include_router(catalog_router(scheduling, max_window_days=max_window_days))
    app.include_router(events_router(scheduling))
    app.include_router(invitees_router(scheduling, scheduling_api=scheduling_api))
    app.include_router(webhooks_router(webhooks))
    app.add_middleware(CalendlyGate, users={u.token: u for u in directory.users}, counter=counter)
    app.add_middleware(SandboxControl, panel=panel)
    app.state.sandbox_control = panel
    app.state.store = store
    app.state.scheduling = scheduling
    app.state.webhooks = webhooks
    return app
