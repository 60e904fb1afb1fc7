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
from callstate.sandbox.retell import RetellAccount, RetellSeed
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
        "retell": f"{root}/retell",
    }


def _retell_seeds(settings: Settings, workspaces: Mapping[str, Workspace]) -> dict[str, Any]:
    """One emulated Retell account per workspace at `/sandbox/retell/<id>`, as an agency gives
    each client its own: the workspace's key, its webhook URL, every audience's numbers (bound
    to agents by `callstate agents apply`). `/sandbox/retell` stays the first workspace's
    stand-alone account for the simulator's direct use."""
    server = f"http://127.0.0.1:{settings.port}"
    first = next(iter(workspaces.values()))
    accounts = [
        RetellAccount(
            name=workspace.id,
            api_key=workspace.retell.api_key.get_secret_value(),
            webhook_url=f"{server}/webhooks/retell/{workspace.id}",
            seed=RetellSeed(
                phone_numbers=[
                    {"phone_number": number, "nickname": f"{workspace.name}: {audience.name}"}
                    for audience in workspace.audiences
                    for number in audience.numbers
                ]
            ),
            media_base_url=f"{server}/sandbox/retell/{workspace.id}",
        )
        for workspace in workspaces.values()
    ]
    return {
        "retell_api_key": first.retell.api_key.get_secret_value(),
        "retell_webhook_url": f"{server}/webhooks/retell/{first.id}",
        "retell_accounts": accounts,
    }


def _urls_of(workspace: Workspace, base_urls: Mapping[str, str] | None) -> dict[str, str] | None:
    """The sandbox URLs for one workspace: its own Retell account."""
    if base_urls is None:
        return None
    return {**base_urls, "retell": f"{base_urls['retell']}/{workspace.id}"}


def build_runtime(settings: Settings, env: Mapping[str, str], *, worker: bool = True) -> Runtime:
    """`worker=False` serves webhooks only; a separate `callstate worker` runs the workflows."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    workspaces = load_workspaces(settings.config_dir, env, sandbox=settings.sandbox)
    engine = make_engine(settings.database_url)
    migrate(engine)
    base_urls = sandbox_base_urls(settings) if settings.sandbox else None
    gate = RequestGate(Throttle(engine))
    connectors = {
        w.id: build_connectors(w, _urls_of(w, base_urls), gate) for w in workspaces.values()
    }
    services = Services(
        engine=engine,
        workspaces=workspaces,
        connectors=connectors,
        alerts=AlertPolicy(poll_seconds=float(settings.alert_poll_seconds)),
        thread_wait_seconds=float(settings.thread_wait_seconds),
        artifacts_dir=settings.data_dir / "artifacts" if settings.copy_artifacts else None,
    )
    executor = Executor(
        ExecutorSettings(
            system_database_url=settings.dbos_database_url,
            worker_concurrency=settings.worker_concurrency,
            executor_id=settings.executor_id,
            reconcile_seconds=float(settings.reconcile_seconds),
            ops_check_seconds=float(settings.ops_check_seconds),
            digest_check_seconds=float(settings.digest_check_seconds),
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

    def stop() -> None:
        executor.stop()
        services.close()

    if worker:
        app = create_app(
            services,
            on_start=executor.start,
            on_stop=stop,
            on_recorded=executor.wake,
            mounts=mounts,
            api_token=settings.api_token,
            sandbox=settings.sandbox,
        )
    else:
        app = create_app(
            services,
            on_stop=services.close,
            mounts=mounts,
            api_token=settings.api_token,
            sandbox=settings.sandbox,
        )
    return Runtime(settings=settings, services=services, executor=executor, app=app)
