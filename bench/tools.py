"""In-call tool latency: `check_availability` and `book_meeting`, our own time and the total.

    .venv/bin/python -m bench.tools                       # acme: Cal.com + HubSpot, no latency
    .venv/bin/python -m bench.tools --workspace summit    # summit: Calendly + GoHighLevel
    .venv/bin/python -m bench.tools --latency-ms 150      # each calendar request takes 150 ms more
    .venv/bin/python -m bench.tools --store postgresql --calls 300

The service's app runs in this process (FastAPI TestClient) over a real database, with the
example workspace's connectors built as `callstate serve` builds them (each vendor request first
spends the shared request budget in the database); the calendar and CRM emulators run in a
process of their own on loopback HTTP (`bench/vendors.py`). Every request to them goes through a
timing transport, so a tool's own time is the time the request spends in the app minus the time
spent waiting on the vendors: signature check, parsing, routing, the hop to a worker thread, the
request-budget statements, round-robin counters, the meetings claim, the connectors' request
building and answer parsing, slot choice, speech and the JSON answer. "In the app" runs from the
ASGI call to the answer's last byte handed to the server (`Stopwatch`); the "client side" line
also counts the TestClient's own hops between this thread and the app's event loop, which
`callstate serve` does not have (uvicorn reads the request from the socket on the loop).
Each call's CRM lookup is warmed by a first request that is not measured (in production it
overlaps the caller's first sentence), so the figures below wait on no lookup.
Requests run one at a time; the shared machine's noise shows in p99, which is why this is a
benchmark, not a test.
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

from bench.vendors import VENDORS, vendor_process
from callstate.config.load import load_workspaces
from callstate.config.model import Workspace
from callstate.connectors.registry import build_connectors
from callstate.connectors.retell.signature import sign
from callstate.execution.gate import RequestGate
from callstate.execution.services import Services
from callstate.observability import configure_logging
from callstate.storage.db import make_engine, migrate
from callstate.storage.throttle import Throttle
from callstate.web.app import create_app

KEY = "sandbox-retell-api-key"


class TimedTransport(httpx.HTTPTransport):
    """Adds up the seconds during which at least one vendor round trip was out: two requests
    side by side (HubSpot's contact and deal reads) are waited for once, not twice."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._out = 0
        self._since = 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if self._out == 0:
                self._since = time.perf_counter()
            self._out += 1
        try:
            response = super().handle_request(request)
            response.read()
            return response
        finally:
            with self._lock:
                self._out -= 1
                if self._out == 0:
                    self.seconds += time.perf_counter() - self._since


class Stopwatch:
    """ASGI wrapper: seconds from the app being called to the last body byte it sends."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self.seconds = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Any) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.seconds = time.perf_counter() - started
            await send(message)

        await self._app(scope, receive, timed)


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


def run(store: str, calls: int, latency_ms: int, workspace: str = "acme") -> None:
    configure_logging("warning")
    now = _monday(datetime.now(UTC))
    workspaces = {workspace: load_workspaces(None, {}, sandbox=True)[workspace]}
    # Slots up to 4 weeks ahead: every measured booking takes a distinct one.
    with vendor_process(now=now.timestamp()) as root:
        _measure(store, calls, latency_ms, now, workspaces, root)


def _measure(
    store: str,
    calls: int,
    latency_ms: int,
    now: datetime,
    workspaces: dict[str, Workspace],
    root: str,
) -> None:
    (workspace,) = workspaces.values()
    assert workspace.calendar is not None
    calendar_kind = workspace.calendar.kind
    if latency_ms:
        httpx.post(
            f"{root}/{calendar_kind}/_sandbox/faults",
            json={"mode": "delay", "seconds": latency_ms / 1000, "times": None},
        ).raise_for_status()
    transport = TimedTransport()
    audience = next(a for a in workspace.audiences if a.agent_ids and a.numbers)
    with tempfile.TemporaryDirectory() as tmp, _database(store, Path(tmp)) as url:
        engine = make_engine(url)
        migrate(engine)
        # As `callstate serve` builds them: every vendor request spends the shared budget. The
        # gate's clock moves 5 s ahead before each tool call (the caller speaks between tools),
        # so no tool spends tokens its predecessor took from the database, and the bench's pace
        # (far above one call's) never waits on Cal.com's 120 requests a minute.
        skipped = [0.0]
        gate = RequestGate(Throttle(engine), clock=lambda: time.time() + skipped[0])
        urls = {vendor: f"{root}/{vendor}" for vendor in VENDORS}
        connectors = {workspace.id: build_connectors(workspace, urls, gate, transport=transport)}
        services = Services(
            engine=engine, workspaces=workspaces, connectors=connectors, clock=lambda: now
        )
        own: dict[str, list[float]] = {"check_availability": [], "book_meeting": []}
        client_side: dict[str, list[float]] = {"check_availability": [], "book_meeting": []}
        total: dict[str, list[float]] = {"check_availability": [], "book_meeting": []}
        stopwatch = Stopwatch(create_app(services))
        with TestClient(stopwatch) as client:

            def tool(call_id: str, name: str, args: dict[str, Any], measure: bool) -> Any:
                body = json.dumps(
                    {
                        "name": name,
                        "call": {
                            "call_id": call_id,
                            "agent_id": audience.agent_ids[0],
                            "direction": "inbound",
                            "from_number": f"+1212555{1000 + int(call_id.split('_')[1]):04d}",
                            "to_number": audience.numbers[0],
                        },
                        "args": args,
                    }
                ).encode()
                key = workspace.retell.api_key.get_secret_value()
                headers = {"x-retell-signature": sign(body, key, int(now.timestamp() * 1000))}
                skipped[0] += 5.0
                vendor_before = transport.seconds
                started = time.perf_counter()
                response = client.post(
                    f"/tools/retell/{workspace.id}", content=body, headers=headers
                )
                elapsed = time.perf_counter() - started
                response.raise_for_status()
                answer = response.json()
                if measure:
                    vendor = transport.seconds - vendor_before
                    total[name].append(elapsed)
                    client_side[name].append(elapsed - vendor)
                    own[name].append(stopwatch.seconds - vendor)
                    if name == "book_meeting":
                        by_reason = answer.get("reason") or "booked"
                        own.setdefault(f"  {by_reason}", []).append(own[name][-1])
                return answer

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
    print(
        f"workspace={workspace.id} ({calendar_kind}, {workspace.crm.kind}) store={store} "
        f"calls={calls} added {calendar_kind} latency={latency_ms} ms"
    )
    print("own time in the app; the client side adds the TestClient's hops; total adds the vendors")
    for name in own:
        print(f"{name:>18} own   {_percentiles(own[name])}   n={len(own[name])}")
        if name in total:
            print(f"{name:>18} client side {_percentiles(client_side[name])}")
            print(f"{name:>18} total {_percentiles(total[name])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--workspace", choices=("acme", "summit"), default="acme")
    args = parser.parse_args()
    run(args.store, args.calls, args.latency_ms, args.workspace)


if __name__ == "__main__":
    main()
