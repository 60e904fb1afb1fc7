"""A burst of analysed calls against a HubSpot emulator that enforces HubSpot's published limit.

    .venv/bin/python -m bench.crm_burst --calls 100
    .venv/bin/python -m bench.crm_burst --calls 500 --store postgresql

Starts `callstate serve --sandbox` with `CALLSTATE_SANDBOX_RATE_LIMITS=1` (the emulator answers
429 past 100 requests per rolling 10 s and 5 searches per second, like a Free/Starter private
app), sends `--calls` distinct `call_analyzed` webhooks at once, waits until every call is
settled, then reads the emulator's request log. Prints the time to settle, HubSpot requests per
second against the limit (the share of the limit used; target ≥ 90 %) and the 429s received
(target 0: the shared request budget should keep us under the limit instead of bouncing off it).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.databases import fresh_database
from tests.e2e.server import ServerProcess

from bench.ack import burst, settled

LIMIT_PER_SECOND = 100 / 10.0


def hubspot_exchanges(server: ServerProcess) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = server.get("/sandbox/hubspot/_sandbox/requests")
    return [r for r in records if "/_sandbox/" not in r["path"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.store, Path(tmp)) as db:
        server = ServerProcess(Path(tmp) / "data", db).start(CALLSTATE_SANDBOX_RATE_LIMITS="1")
        try:
            before = len(hubspot_exchanges(server))
            sent = asyncio.run(burst(f"{server.base_url}/webhooks/retell/acme", args.calls))
            began = time.monotonic() - sent
            while (done := settled(server.database_url)) < args.calls:
                if time.monotonic() - began > 3600:
                    raise SystemExit(f"burst did not settle: {done}/{args.calls}")
                time.sleep(0.5)
            took = time.monotonic() - began
            exchanges = hubspot_exchanges(server)[before:]
        finally:
            server.stop()
    throttled = sum(1 for e in exchanges if e["status"] == 429)
    by_path: dict[str, int] = {}
    for e in exchanges:
        if e["status"] == 429:
            shape = "/".join("{id}" if p.isdigit() else p for p in e["path"].split("/"))
            by_path[f"{e['method']} {shape}"] = by_path.get(f"{e['method']} {shape}", 0) + 1
    rate = len(exchanges) / took
    print(f"store={args.store} calls={args.calls}")
    print(
        f"settled in {took:.1f} s ({args.calls / took:.2f} calls/s); {len(exchanges)} HubSpot "
        f"requests ({len(exchanges) / args.calls:.1f} per call) at {rate:.2f}/s = "
        f"{100 * rate / LIMIT_PER_SECOND:.0f} % of the 100/10 s limit; 429s received: {throttled}"
    )
    for path, count in sorted(by_path.items()):
        print(f"  429 x{count}: {path}")


if __name__ == "__main__":
    main()
