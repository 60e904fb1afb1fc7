"""In-call tool latency: `check_availability` and `book_meeting`, our own time and the total.

    .venv/bin/python -m bench.tools                       # zero added vendor latency
    .venv/bin/python -m bench.tools --latency-ms 150      # each Cal.com request takes 150 ms more
    .venv/bin/python -m bench.tools --store postgresql --calls 300

The service's app runs in this process (FastAPI TestClient) over a real database; Cal.com and
HubSpot are the sandbox emulators on loopback HTTP. Every request to them goes through a timing
transport, so a tool's own time is its wall time minus the time spent waiting on the vendors:
signature check, parsing, routing, round-robin counters, the meetings claim, slot choice and
speech. Each call's CRM lookup is warmed by a first request that is not measured (in production it
overlaps the caller's first sentence), so the figures below wait on no lookup. Requests run one at
a time; the shared machine's noise shows in p99, which is why this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from tests.databases import fresh_database
from tests.sandbox.conftest import LoopbackServer

from callstate.cli.seeds import sandbox_seeds
from callstate.config.load import load_workspaces
from callstate.config.model import CalcomConfig, HubSpotConfig
from callstate.connectors.calcom.calendar import CalcomCalendar
from callstate.connectors.hubspot.crm import HubSpotCrm
from callstate.connectors.registry import WorkspaceConnectors, build_chat
from callstate.connectors.retell.signature import sign
from callstate.execution.services import Services
from callstate.observability import configure_logging
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.calcom import create_calcom_app
from callstate.sandbox.hubspot import create_hubspot_app
from callstate.storage.db import make_engine, migrate
from callstate.web.app import create_app

KEY = "sandbox-retell-api-key"


class TimedTransport(httpx.HTTPTransport):
    """Adds up the seconds spent in vendor round trips (requests run one at a time)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = super().handle_request(request)
            response.read()
            return response
        finally:
            with self._lock:
                self.seconds += time.perf_counter() - started


def _monday(now: datetime) -> datetime:
    days = (7 - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=13, minute=0, second=0, microsecond=0)


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {p50 * 1000:6.2f} ms   p99 {p99 * 1000:6.2f} ms   max {ordered[-1] * 1000:6.2f} ms"


@contextmanager
def _database(store: str, tmp: Path) -> Iterator[str]:
    with fresh_database(store, tmp) as url:
        yield url


def run(store: str, calls: int, latency_ms: int) -> None:
    configure_logging("warning")
    now = _monday(datetime.now(UTC))
    workspaces = {"acme": load_workspaces(None, {}, sandbox=True)["acme"]}
    seeds = sandbox_seeds(workspaces)
    # Slots up to 4 weeks ahead: every measured booking takes a distinct one.
    vendors = {
        "calcom": lambda store_: create_calcom_app(
            store_,
            event_types=seeds["calcom_event_types"],
            api_keys=seeds["calcom_api_keys"],
            clock=now.timestamp,
        ),
        "hubspot": lambda store_: create_hubspot_app(
            store_, seed_properties=seeds["hubspot_properties"], seed_owners=seeds["hubspot_owners"]
        ),
    }
    server = LoopbackServer(mount_vendors(None, vendors))
    server.start()
    root = server.base_url
    if latency_ms:
        httpx.post(
            f"{root}/calcom/_sandbox/faults",
            json={"mode": "delay", "seconds": latency_ms / 1000, "times": None},
        ).raise_for_status()
    workspace = workspaces["acme"]
    transport = TimedTransport()
    assert isinstance(workspace.calendar, CalcomConfig)
    assert isinstance(workspace.crm, HubSpotConfig)
    calendar = CalcomCalendar(
        workspace.calendar.api_key.get_secret_value(),
        base_url=f"{root}/calcom",
        transport=transport,
    )
    crm = HubSpotCrm(workspace.crm, base_url=f"{root}/hubspot", transport=transport)
    connectors = {
        "acme": WorkspaceConnectors(crm=crm, chat=build_chat(workspace), calendar=calendar)
    }
    with tempfile.TemporaryDirectory() as tmp, _database(store, Path(tmp)) as url:
        engine = make_engine(url)
        migrate(engine)
        services = Services(
            engine=engine, workspaces=workspaces, connectors=connectors, clock=lambda: now
        )
        own: dict[str, list[float]] = {"check_availability": [], "book_meeting": []}
        total: dict[str, list[float]] = {"check_availability": [], "book_meeting": []}
        with TestClient(create_app(services)) as client:

            def tool(call_id: str, name: str, args: dict[str, Any], measure: bool) -> Any:
                body = json.dumps(
                    {
                        "name": name,
                        "call": {
                            "call_id": call_id,
                            "agent_id": "agent_acme_inbound",
                            "direction": "inbound",
                            "from_number": f"+1212555{1000 + int(call_id.split('_')[1]):04d}",
                            "to_number": "+14155550100",
                        },
                        "args": args,
                    }
                ).encode()
                headers = {"x-retell-signature": sign(body, KEY, int(now.timestamp() * 1000))}
                vendor_before = transport.seconds
                started = time.perf_counter()
                response = client.post("/tools/retell/acme", content=body, headers=headers)
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                if measure:
                    total[name].append(elapsed)
                    own[name].append(elapsed - (transport.seconds - vendor_before))
                return response.json()

            for n in range(calls):
                call_id = f"bench_{n}"
                day = now + timedelta(days=1 + (n // 16) % 25)
                tool(call_id, "check_availability", {"when": "anytime"}, measure=False)
                when = f"{day:%A %B} {day.day}"
                tool(call_id, "check_availability", {"when": when}, measure=True)
                start = day.replace(hour=14 + (n % 16) // 2, minute=30 * (n % 2))
                answer = tool(call_id, "book_meeting", {"start": start.isoformat()}, True)
                if not answer.get("booked") and answer.get("reason") != "slot_unavailable":
                    raise SystemExit(f"unexpected answer: {answer}")
        engine.dispose()
    server.stop()
    print(f"store={store} calls={calls} added Cal.com latency={latency_ms} ms")
    for name in own:
        print(f"{name:>18} own   {_percentiles(own[name])}")
        print(f"{name:>18} total {_percentiles(total[name])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=0)
    args = parser.parse_args()
    run(args.store, args.calls, args.latency_ms)


if __name__ == "__main__":
    main()
