"""Build a whole callstate process from settings: storage, workspaces, connectors, executor, app.

This is where process-wide things are created, once, and passed down; nothing below reads the
environment or holds module-level clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from callstate.cli.seeds import sandbox_seeds
from callstate.config.load import load_workspaces
from callstate.config.model import Workspace
from callstate.config.settings import Settings
from callstate.connectors.registry import build_connectors
from callstate.execution.gate import RequestGate
from callstate.execution.runtime import Executor, ExecutorSettings
from callstate.execution.services import AlertPolicy, Services
from callstate.sandbox.app import create_sandbox_app
from callstate.sandbox.hubspot import HubSpotRateLimit
from callstate.storage.db import make_engine, migrate
from callstate.storage.throttle import Throttle
from callstate.web.app import create_app


@dataclass
class Runtime:
    settings: Settings
    services: Services
    executor: Executor
    app: FastAPI

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.port}"


def sandbox_base_urls(settings: Settings) -> dict[str, str]:
    root = f"http://127.0.0.1:{settings.port}/sandbox"
    return {
        "hubspot": f"{root}/hubspot",
        "gohighlevel": f"{root}/gohighlevel",
        "slack": f"{root}/slack/api/",
        "calcom": f"{root}/calcom",
        "calendly": f"{root}/calendly",
    }


def _retell_seeds(settings: Settings, workspaces: Mapping[str, Workspace]) -> dict[str, Any]:
    """The Retell emulator is one account: the first workspace's key, its webhook URL."""
    first = next(iter(workspaces.values()))
    return {
        "retell_api_key": first.retell.api_key.get_secret_value(),
        "retell_webhook_url": f"http://127.0.0.1:{settings.port}/webhooks/retell/{first.id}",
    }


def build_runtime(settings: Settings, env: Mapping[str, str], *, worker: bool = True) -> Runtime:
    """`worker=False` serves webhooks only; a separate `callstate worker` runs the workflows."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    workspaces = load_workspaces(settings.config_dir, env, sandbox=settings.sandbox)
    engine = make_engine(settings.database_url)
    migrate(engine)
    base_urls = sandbox_base_urls(settings) if settings.sandbox else None
    gate = RequestGate(Throttle(engine))
    connectors = {w.id: build_connectors(w, base_urls, gate) for w in workspaces.values()}
    services = Services(
        engine=engine,
        workspaces=workspaces,
        connectors=connectors,
        alerts=AlertPolicy(poll_seconds=float(settings.alert_poll_seconds)),
    )
    executor = Executor(
        ExecutorSettings(
            system_database_url=settings.dbos_database_url,
            worker_concurrency=settings.worker_concurrency,
            executor_id=settings.executor_id,
        ),
        services,
    )
    mounts = {}
    if settings.sandbox:
        mounts["/sandbox"] = create_sandbox_app(
            settings.data_dir / "sandbox",
            **sandbox_seeds(workspaces),
            hubspot_rate_limit=HubSpotRateLimit() if settings.sandbox_rate_limits else None,
            **_retell_seeds(settings, workspaces),
        )
    if worker:
        app = create_app(
            services,
            on_start=executor.start,
            on_stop=executor.stop,
            on_recorded=executor.wake,
            mounts=mounts,
        )
    else:
        app = create_app(services, mounts=mounts)
    return Runtime(settings=settings, services=services, executor=executor, app=app)
