"""`create_sandbox_app`: every vendor emulator mounted under one app, one SQLite file each.

Mounts `/hubspot`, `/gohighlevel`, `/slack`, `/calcom`, `/calendly` and `/retell` (the product
mounts this app at `/sandbox`, so a connector's base URL is `<server>/sandbox/hubspot`), plus
one `/retell/<name>` per `RetellAccount` (a workspace's own Retell account, own store
`retell-<name>.sqlite`). Another vendor is one more entry in the `vendors` mapping given to
`mount_vendors`: a name (its mount path without the leading slash) and a factory from its
`Store` to its FastAPI app, which must expose `app.state.sandbox_control`.

Root control API: `POST /_sandbox/reset` resets every mount; `GET /_sandbox/vendors` lists
them. Each mount also has its own `/<name>/_sandbox/...` (see `faults.py`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from callstate.sandbox.calcom import EventTypeSeed, create_calcom_app
from callstate.sandbox.calcom.seeds import SANDBOX_API_KEY as CALCOM_SANDBOX_KEY
from callstate.sandbox.calcom.seeds import SANDBOX_EVENT_TYPES
from callstate.sandbox.calendly import create_calendly_app
from callstate.sandbox.calendly.seeds import SANDBOX_EVENT_TYPES as CALENDLY_EVENT_TYPES
from callstate.sandbox.calendly.seeds import SANDBOX_USERS as CALENDLY_USERS
from callstate.sandbox.calendly.seeds import EventTypeSeed as CalendlyEventType
from callstate.sandbox.calendly.seeds import UserSeed as CalendlyUser
from callstate.sandbox.faults import ControlPanel
from callstate.sandbox.gohighlevel import (
    SANDBOX_LOCATION,
    GoHighLevelRateLimit,
    LocationSeed,
    create_gohighlevel_app,
)
from callstate.sandbox.hubspot import HubSpotRateLimit, create_hubspot_app
from callstate.sandbox.hubspot.app import SeedProperties, SeedRecords
from callstate.sandbox.retell import RetellAccount, create_retell_app
from callstate.sandbox.retell.accounts import check_names, create_account_app
from callstate.sandbox.retell.rest_app import SANDBOX_API_KEY as RETELL_SANDBOX_KEY
from callstate.sandbox.slack import SlackRateLimit, SlackUser, create_slack_app
from callstate.sandbox.store import Store

VendorFactory = Callable[[Store], FastAPI]


def create_sandbox_app(
    state_dir: Path | None,
    *,
    hubspot_properties: SeedProperties | None = None,
    hubspot_owners: SeedRecords | None = None,
    hubspot_sequences: SeedRecords | None = None,
    hubspot_sequences_enabled: bool = True,
    slack_channels: Sequence[str] = ("general",),
    hubspot_search_lag_seconds: float = 0.0,
    hubspot_rate_limit: HubSpotRateLimit | None = None,
    slack_rate_limit: SlackRateLimit | None = None,
    gohighlevel_locations: Sequence[LocationSeed] = (SANDBOX_LOCATION,),
    gohighlevel_rate_limit: GoHighLevelRateLimit | None = None,
    slack_users: Sequence[SlackUser] = (),
    slack_signing_secret: str | None = None,
    slack_interactivity_url: str | None = None,
    calcom_event_types: Sequence[EventTypeSeed] = SANDBOX_EVENT_TYPES,
    calcom_api_keys: Sequence[str] = (CALCOM_SANDBOX_KEY,),
    calcom_clock: Callable[[], float] = time.time,
    calendly_users: Sequence[CalendlyUser] = CALENDLY_USERS,
    calendly_event_types: Sequence[CalendlyEventType] = CALENDLY_EVENT_TYPES,
    retell_api_key: str = RETELL_SANDBOX_KEY,
    retell_webhook_url: str | None = None,
    retell_accounts: Sequence[RetellAccount] = (),
    retell_webhook_retry_delay: float = 1.0,
) -> FastAPI:
    """All emulators; `state_dir=None` keeps state in memory, else `<state_dir>/<vendor>.sqlite`.

    `retell_webhook_retry_delay` spaces the retries of every Retell account's webhooks;
    `calcom_clock` is Cal.com's "now" (epoch seconds; the benchmarks fix it).
    """

    def default_retell(store: Store) -> FastAPI:
        app = create_retell_app(
            store,
            api_key=retell_api_key,
            webhook_url=retell_webhook_url,
            webhook_retry_delay=retell_webhook_retry_delay,
        )
        check_names(retell_accounts, app)
        return app

    vendors: dict[str, VendorFactory] = {
        "hubspot": lambda store: create_hubspot_app(
            store,
            seed_properties=hubspot_properties,
            seed_owners=hubspot_owners,
            seed_sequences=hubspot_sequences,
            sequences_enabled=hubspot_sequences_enabled,
            search_lag_seconds=hubspot_search_lag_seconds,
            rate_limit=hubspot_rate_limit,
        ),
        "gohighlevel": lambda store: create_gohighlevel_app(
            store, locations=gohighlevel_locations, rate_limit=gohighlevel_rate_limit
        ),
        "slack": lambda store: create_slack_app(
            store,
            seed_channels=slack_channels,
            rate_limit=slack_rate_limit,
            seed_users=slack_users,
            signing_secret=slack_signing_secret,
            interactivity_url=slack_interactivity_url,
        ),
        "calcom": lambda store: create_calcom_app(
            store, event_types=calcom_event_types, api_keys=calcom_api_keys, clock=calcom_clock
        ),
        "calendly": lambda store: create_calendly_app(
            store, users=calendly_users, event_types=calendly_event_types
        ),
        "retell": default_retell,
    }
    for account in retell_accounts:
        vendors[f"retell/{account.name}"] = _account_factory(account, retell_webhook_retry_delay)
    return mount_vendors(state_dir, vendors)


def _account_factory(account: RetellAccount, retry_delay: float) -> VendorFactory:
    return lambda store: create_account_app(store, account, webhook_retry_delay=retry_delay)


def mount_vendors(state_dir: Path | None, vendors: Mapping[str, VendorFactory]) -> FastAPI:
    """Mount each vendor's app at `/<name>` over its own store (`a/b` → `a-b.sqlite`).

    Deeper names are mounted first: `/retell/acme` must be matched before `/retell` swallows it.
    """
    order = sorted(vendors, key=lambda name: -name.count("/"))
    stores = {
        name: Store(None if state_dir is None else state_dir / f"{name.replace('/', '-')}.sqlite")
        for name in order
    }

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        for store in stores.values():
            store.close()

    app = FastAPI(
        title="callstate sandbox",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    controls: dict[str, ControlPanel] = {}
    for name in order:
        vendor_app = vendors[name](stores[name])
        controls[name] = vendor_app.state.sandbox_control
        app.mount(f"/{name}", vendor_app)

    @app.post("/_sandbox/reset")
    def reset_all() -> dict[str, list[str]]:
        for control in controls.values():
            control.reset()
        return {"reset": sorted(controls)}

    @app.get("/_sandbox/vendors")
    def list_vendors() -> dict[str, list[str]]:
        return {"vendors": sorted(controls)}

    app.state.stores = stores
    app.state.controls = controls
    return app
