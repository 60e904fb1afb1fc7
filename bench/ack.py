"""Webhook ack throughput/latency and the time for a burst of calls to settle.

    .venv/bin/python -m bench.ack --store sqlite
    .venv/bin/python -m bench.ack --store postgresql --seconds 20 --burst 500

Starts a real `callstate serve --sandbox` process, drives it over loopback with signed Retell
webhooks from an asyncio client in this process (which shares the machine's cores with the
server: the figures are conservative), and prints the figures docs/benchmarks.md records.

- ack: `call_ended` events (full call object with transcript, ~6 KB) with unique call ids at
  each concurrency for --seconds; each is verified, parsed, recorded and answered, and its
  (effect-free) workflow runs in the background, as in production.
- burst: --burst distinct calls' `call_analyzed` at concurrency 32, then the time until every
  call is settled: contact upserted and call logged in the HubSpot emulator, message posted in
  the Slack emulator. The emulators are checked afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import httpx
from sqlalchemy import create_engine, func, select
from tests.databases import fresh_database
from tests.e2e.server import API_KEY, ServerProcess

from callstate.connectors.retell.signature import sign
from callstate.domain.call import CallStatus
from callstate.sandbox.retell.calls import CallScenario, build_events
from callstate.storage.db import normalise_url
from callstate.storage.tables import CallEventRow, CallRow

TRANSCRIPT: tuple[tuple[Literal["agent", "user"], str], ...] = (
    ("agent", "Thanks for calling Acme Roofing, this is Sam. How can I help?"),
    ("user", "Hi, the storm last night tore a bunch of shingles off my roof."),
    ("agent", "Sorry to hear that. Is any water coming in, or is it dry inside?"),
    ("user", "It's dry for now, but I'd like a quote to replace the whole roof."),
    ("agent", "We can do that. May I have your name and an email for the quote?"),
    ("user", "Dana Whitfield, and it's dana.whitfield@example.com."),
)


def template(event: str) -> str:
    """One real payload with a placeholder call id and caller number."""
    scenario = CallScenario(
        call_id="CALLID",
        agent_id="agent_acme_inbound",
        direction="inbound",
        from_number="+14155550142",
        to_number="+14155550100",
        start=datetime.now(UTC) - timedelta(minutes=5),
        caller_name="Dana Whitfield",
        summary="Storm damage; wants a roof replacement quote this week.",
        transcript=TRANSCRIPT,
    )
    body = next(e for e in build_events(scenario) if e["event"] == event)
    return json.dumps(body, separators=(",", ":")).replace("+14155550142", "PHONE")


def payload(text: str, call_id: str, phone: str) -> bytes:
    return text.replace("CALLID", call_id).replace("PHONE", phone).encode()


WRK_SCRIPT = Path(__file__).with_name("wrk_post.lua")


def wrk_run(
    url: str, concurrency: int, seconds: float, prefix: str, workdir: Path
) -> dict[str, float]:
    """The same requests from wrk (C, one thread): a lighter client leaves the server more CPU."""
    text = template("call_ended")
    now = int(time.time() * 1000)
    bodies = workdir / f"{prefix}.txt"
    with bodies.open("w") as out:
        for i in range(int(2500 * seconds) + 1000):
            body = payload(text, f"{prefix}_{i:08d}", f"+1415555{i % 10_000:04d}")
            out.write(sign(body, API_KEY, now) + "\t" + body.decode() + "\n")
    command = [
        "wrk", "-t1", f"-c{concurrency}", f"-d{int(seconds)}s", "--latency",
        "-s", str(WRK_SCRIPT), url, "--", str(bodies),
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return {
        "requests": float(re.search(r"(\d+) requests in", output).group(1)),  # type: ignore[union-attr]
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50": _ms(re.search(r"50%\s+([\d.]+)(\w+)", output)),
        "p99": _ms(re.search(r"99%\s+([\d.]+)(\w+)", output)),
        "errors": float(m.group(1))
        if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output))
        else 0,
    }


def _ms(match: re.Match[str] | None) -> float:
    assert match is not None, "unexpected wrk output"
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def ack_run(url: str, concurrency: int, seconds: float, prefix: str) -> dict[str, float]:
    text = template("call_ended")
    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def worker() -> None:
            nonlocal counter, errors
            while time.monotonic() < deadline:
                counter += 1
                body = payload(text, f"{prefix}_{counter:08d}", f"+1415555{counter % 10_000:04d}")
                header = sign(body, API_KEY, int(time.time() * 1000))
                started = time.perf_counter()
                response = await client.post(
                    url, content=body, headers={"x-retell-signature": header}
                )
                latencies.append((time.perf_counter() - started) * 1000)
                if response.status_code != 204:
                    errors += 1

        began = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - began
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p99": percentile(latencies, 0.99),
        "errors": errors,
    }


async def burst(url: str, calls: int) -> float:
    text = template("call_analyzed")
    semaphore = asyncio.Semaphore(32)
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
    async with httpx.AsyncClient(timeout=30, limits=limits) as client:

        async def send(i: int) -> None:
            body = payload(text, f"burst_{i:06d}", f"+1212555{i:04d}")
            async with semaphore:
                response = await client.post(
                    url,
                    content=body,
                    headers={"x-retell-signature": sign(body, API_KEY, int(time.time() * 1000))},
                )
            assert response.status_code == 204, response.text

        began = time.monotonic()
        await asyncio.gather(*(send(i) for i in range(calls)))
        return time.monotonic() - began


def drained(server: ServerProcess) -> None:
    """Wait until every earlier workflow finished, so the burst is measured on its own."""
    for _ in range(1200):
        calls = server.get("/api/calls", limit=500)
        if all(c["status"] in ("ended", "settled", "started") for c in calls) and _idle(server):
            return
        time.sleep(0.5)


def _idle(server: ServerProcess) -> bool:
    engine = create_engine(normalise_url(server.database_url))
    try:
        with engine.connect() as connection:
            pending = connection.execute(
                select(func.count())
                .select_from(CallEventRow)
                .where(CallEventRow.dispatched_at.is_(None))
            ).scalar_one()
    finally:
        engine.dispose()
    return int(pending) == 0


def settled(database_url: str) -> int:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            query = select(func.count(CallRow.id)).where(
                CallRow.status == CallStatus.SETTLED.value, CallRow.external_call_id.like("burst_%")
            )
            return int(connection.execute(query).scalar_one())
    finally:
        engine.dispose()


def emulator_totals(server: ServerProcess) -> tuple[int, int]:
    def count(kind: str) -> int:
        total, after = 0, None
        while True:
            params = {"limit": 100, **({"after": after} if after else {})}
            page = server.get(f"/sandbox/hubspot/crm/v3/objects/{kind}", **params)
            total += len(page["results"])
            after = (page.get("paging") or {}).get("next", {}).get("after")
            if not after:
                return total

    return count("contacts"), count("calls")


def ack_table(server: ServerProcess, args: argparse.Namespace, label: str, workdir: Path) -> None:
    url = f"{server.base_url}/webhooks/retell/acme"
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    print(f"ack, {label}, client={'wrk' if use_wrk else 'python'}, {args.seconds:.0f} s each")
    print(f"{'conc':>5} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for concurrency in (int(c) for c in args.concurrency.split(",")):
        prefix = f"ack{label[:1]}{concurrency}"
        if use_wrk:
            r = wrk_run(url, concurrency, args.seconds, prefix, workdir)
        else:
            r = asyncio.run(ack_run(url, concurrency, args.seconds, prefix))
        print(
            f"{concurrency:>5} {r['requests']:>9.0f} {r['rps']:>8.0f} "
            f"{r['p50']:>8.1f} {r['p99']:>8.1f} {r['errors']:>7.0f}"
        )


def burst_run(server: ServerProcess, calls: int) -> None:
    drained(server)
    url = f"{server.base_url}/webhooks/retell/acme"
    sent = asyncio.run(burst(url, calls))
    began = time.monotonic() - sent
    while (done := settled(server.database_url)) < calls:
        if time.monotonic() - began > 900:
            raise SystemExit(f"burst did not settle: {done}/{calls}")
        time.sleep(0.25)
    total = time.monotonic() - began
    contacts, logged = emulator_totals(server)
    print(
        f"burst: {calls} calls acked in {sent:.1f} s; all settled after {total:.1f} s "
        f"({calls / total:.1f} calls/s, 3 effects each); HubSpot emulator now holds "
        f"{contacts} contacts and {logged} calls"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", default="1,8,32")
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    args = parser.parse_args()
    print(f"store={args.store}")
    for label, extra in (("single process", ()), ("API process only", ("--no-worker",))):
        with tempfile.TemporaryDirectory() as tmp, fresh_database(args.store, Path(tmp)) as db:
            server = ServerProcess(Path(tmp) / "data", db).start(*extra)
            try:
                ack_table(server, args, label, Path(tmp))
            finally:
                server.stop()
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.store, Path(tmp)) as db:
        server = ServerProcess(Path(tmp) / "data", db).start()
        try:
            burst_run(server, args.burst)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
