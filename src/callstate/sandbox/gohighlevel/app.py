"""`create_gohighlevel_app`: the GoHighLevel (LeadConnector API v2) emulator over one `Store`.

Layers, outermost first: `SandboxControl` (control API, recorder, faults) → `GoHighLevelGate`
(PIT → location, `Version` header, rate limits) → FastAPI routes. Seeds (locations, users,
pipelines, workflows, custom fields) are installed at creation — idempotently, so a sandbox
restarted on the same state file keeps its objects and ids — and again after
`POST /_sandbox/reset`, which wipes everything else.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from fastapi import FastAPI

from callstate.sandbox.faults import ControlPanel, SandboxControl
from callstate.sandbox.gohighlevel.activity import Activity
from callstate.sandbox.gohighlevel.contacts import Contacts
from callstate.sandbox.gohighlevel.contacts_api import contacts_router
from callstate.sandbox.gohighlevel.directory import Directory, directory_router, seed_directory
from callstate.sandbox.gohighlevel.errors import fault_body, install_error_handlers
from callstate.sandbox.gohighlevel.fields import Fields, fields_router
from callstate.sandbox.gohighlevel.gate import (
    GoHighLevelGate,
    GoHighLevelRateLimit,
    Grant,
    RateCounter,
)
from callstate.sandbox.gohighlevel.opportunities import Opportunities, opportunities_router
from callstate.sandbox.gohighlevel.seeds import SANDBOX_LOCATION, DuplicateRule, LocationSeed
from callstate.sandbox.store import Store


def create_gohighlevel_app(
    store: Store,
    *,
    locations: Sequence[LocationSeed] = (SANDBOX_LOCATION,),
    duplicate_rule: DuplicateRule = DuplicateRule(),  # noqa: B008 - frozen, shared safely
    rate_limit: GoHighLevelRateLimit | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The GoHighLevel emulator.

    `locations`: the sub-accounts and their PITs (default: `loc_sandbox_acme` with
    `sandbox-ghl-token`). `duplicate_rule`: the "Allow Duplicate Contact" setting of every
    location that does not set its own. `rate_limit=None` sends the rate-limit headers without
    ever answering 429.
    """
    seeds = tuple(locations)
    tokens = [loc.token for loc in seeds]
    if len(set(tokens)) != len(tokens):
        raise ValueError("each seeded location needs its own token")
    grants = {loc.token: Grant(loc.id, loc.company_id, loc.scopes) for loc in seeds}

    directory = Directory(store)
    fields = Fields(store, clock)

    def install_seeds() -> None:
        with store.transaction() as tx:
            seed_directory(tx, seeds, duplicate_rule)
            for loc in seeds:
                fields.seed(tx, loc.id, loc.custom_fields)

    def wipe() -> None:
        # Counters survive: an id handed out before a reset must never name another object.
        with store.transaction() as tx:
            tx.wipe()
            install_seeds()

    install_seeds()
    counter = RateCounter(rate_limit, clock)
    panel = ControlPanel(reset_state=wipe, fault_body=fault_body)
    panel.on_reset(counter.reset)

    contacts = Contacts(store, directory, fields, clock)
    activity = Activity(store, contacts, directory, clock)
    opportunities = Opportunities(store, directory, contacts, fields, clock)

    app = FastAPI(
        title="callstate sandbox: GoHighLevel", docs_url=None, redoc_url=None, openapi_url=None
    )
    install_error_handlers(app)
    # Fixed paths first: /opportunities/pipelines and /opportunities/search before /{id}.
    app.include_router(directory_router(directory))
    app.include_router(fields_router(fields, store))
    app.include_router(opportunities_router(opportunities))
    app.include_router(contacts_router(contacts, activity))
    app.add_middleware(GoHighLevelGate, grants=grants, counter=counter)
    app.add_middleware(SandboxControl, panel=panel)
    app.state.sandbox_control = panel
    app.state.store = store
    app.state.activity = activity
    return app
