"""`create_calcom_app`: the Cal.com API v2 emulator over one `Store`.

Layers, outermost first: `SandboxControl` (control API, recorder, faults) → `CalcomGate`
(API key, `cal-api-version`, rate limits) → FastAPI routes. Event types and hosts are seeds
held in memory (they are configuration, not state); bookings and webhook subscriptions live
in the store, so a sandbox restarted on the same file keeps them. `POST /_sandbox/reset` wipes
bookings and subscriptions (counters survive: a uid handed out never names another booking).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from fastapi import FastAPI

from callstate.sandbox.calcom.bookings import Bookings
from callstate.sandbox.calcom.bookings_api import bookings_router
from callstate.sandbox.calcom.errors import fault_body, install_error_handlers
from callstate.sandbox.calcom.gate import CalcomGate, CalcomRateLimit, RateCounter
from callstate.sandbox.calcom.seeds import SANDBOX_API_KEY, SANDBOX_EVENT_TYPES, EventTypeSeed
from callstate.sandbox.calcom.slots_api import slots_router
from callstate.sandbox.calcom.webhooks import Webhooks, webhooks_router
from callstate.sandbox.faults import ControlPanel, SandboxControl
from callstate.sandbox.store import Store


def create_calcom_app(
    store: Store,
    *,
    event_types: Sequence[EventTypeSeed] = SANDBOX_EVENT_TYPES,
    api_keys: Sequence[str] = (SANDBOX_API_KEY,),
    rate_limit: CalcomRateLimit | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The Cal.com emulator.

    `event_types`: the personal event types and their hosts (default 1001 for
    ana@acme.example in America/New_York, 1002 for ben@acme.example in America/Chicago, 30
    minutes, Mon-Fri 09:00-17:00). `api_keys`: the keys that reach them. `rate_limit=None`
    sends the rate-limit headers without ever answering 429. `clock` decides "now" for
    minimum notice, past bookings and the status filters.
    """
    by_id = {event.id: event for event in event_types}
    if len(by_id) != len(event_types):
        raise ValueError("each seeded event type needs its own id")

    def wipe() -> None:
        with store.transaction() as tx:
            tx.wipe()

    webhooks = Webhooks(store, clock)
    bookings = Bookings(store, by_id, clock, webhooks.booking_changed)
    counter = RateCounter(rate_limit, clock)
    panel = ControlPanel(reset_state=wipe, fault_body=fault_body)
    panel.on_reset(counter.reset)

    app = FastAPI(
        title="callstate sandbox: Cal.com", docs_url=None, redoc_url=None, openapi_url=None
    )
    install_error_handlers(app)
    app.include_router(slots_router(bookings, by_id))
    app.include_router(bookings_router(bookings))
    app.include_router(webhooks_router(webhooks))
    app.add_middleware(CalcomGate, api_keys=api_keys, counter=counter)
    app.add_middleware(SandboxControl, panel=panel)
    app.state.sandbox_control = panel
    app.state.store = store
    app.state.bookings = bookings
    app.state.webhooks = webhooks
    return app
