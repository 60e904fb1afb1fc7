"""Inbound-call routing latency: `POST /webhooks/retell/{workspace}/inbound`, own time and total.

    .venv/bin/python -m bench.inbound                          # 300 calls, SQLite, no added latency
    .venv/bin/python -m bench.inbound --latency-ms 150         # each HubSpot request +150 ms
    .venv/bin/python -m bench.inbound --store postgresql --budget-ms 500
    .venv/bin/python -m bench.inbound --no-gate                # HubSpot requests spend no budget

Retell waits for this answer before the caller hears anything but ringing. The inbound router runs
in this process (FastAPI TestClient, the router and `CallerLookup` exactly as `create_app` wires
them, but with the lookup budget of `--budget-ms`) over a real database; HubSpot is the emulator on
loopback HTTP, with contacts seeded for some of the callers (owners, open deals, a few tagged
do-not-call). Requests are signed like Retell's and call the example workspace acme's inbound
number; the service clock walks through a week (Thanksgiving included) at hours inside and outside
business hours. When the example defines no `hours`, Mon-Fri 08:00-18:00 with US/NY holidays are
applied in memory, so both branches are taken.

Callers: half known (seeded), a third unknown, the rest withheld (`""` or `"anonymous"`).
HubSpot requests pass through `RequestGate` over the database, as in `callstate serve`, with a
limit large enough never to make them wait: the gate's cost is measured, its throttling is not
(`--no-gate` leaves it out, as bench/tools.py does, to show what the rest costs).

**Own time** = time in the app (`Stopwatch`, as in bench/tools.py: from the ASGI call to the
answer's last byte) minus the time the handler waited on the CRM: the lookup's HubSpot round
trips when it finished within the budget, the whole budget when it timed out. The **client side**
line is the same from the TestClient's wall time (what the figures before 2026-11-25 measured),
which adds the TestClient's hand-offs between threads. Own time includes the signature check,
parsing, submitting the lookup to its thread pool and the hand-offs between threads, the gate's
token transactions, parsing HubSpot's answers, the agent-id read, the decision (business hours,
holidays, variables) and the JSON answer, plus the `inbound.answered` log line (rendered to
/dev/null). The first 10 calls warm the process and are not measured. Requests run one
at a time; the shared machine's noise shows in p99, which is why this is a benchmark, not a test.

Past 400 lines because the lookup ledger (which request's CRM time is which, while timed-out reads
keep running beside later calls) serves only this benchmark.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import structlog
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.databases import fresh_database

from bench.tools import KEY, Stopwatch, TimedTransport
from bench.vendors import vendor_process
from callstate.config.hours import BusinessHours
from callstate.config.load import load_workspaces
from callstate.config.model import HubSpotConfig, Workspace
from callstate.connectors.http import Gate
from callstate.connectors.hubspot.crm import HubSpotCrm
from callstate.connectors.ports import ContactSnapshot
from callstate.connectors.registry import build_connectors
from callstate.connectors.retell.signature import sign
from callstate.domain.budget import Budget
from callstate.domain.effects import AddTags, AssignOwner, EnsureDeal, UpsertContact
from callstate.domain.ids import deal_key
from callstate.domain.outcome import Outcome
from callstate.execution.gate import RequestGate
from callstate.execution.lookup import CallerLookup
from callstate.execution.services import Services
from callstate.observability import configure_logging
from callstate.policy.hours import is_open
from callstate.policy.inbound import LookupState
from callstate.storage.db import make_engine, migrate
from callstate.storage.throttle import Throttle
from callstate.web.inbound import inbound_router

WARMUP_CALLS = 10
KNOWN_CALLERS = 60
WEEK_START = date(2026, 11, 23)  # a Monday; Thursday is Thanksgiving
LOCAL_TIMES = ((7, 30), (9, 15), (12, 0), (16, 45), (18, 30), (22, 0))
FALLBACK_HOURS = {
    **{day: ["08:00", "18:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": {"country": "US", "subdivision": "NY"},
}
# The gate's bucket never runs dry at this size: what is measured is its cost, not its waits.
UNTHROTTLED_PER_10S = 1_000_000
STATES = tuple(LookupState)


@dataclass
class Lookup:
    """One `find_contact`: its HubSpot round trips (start, end) and its seconds at the gate.
    The deal is read beside the contact, so the time waited on HubSpot is the union of the
    round trips, not their sum."""

    phone: str
    trips: list[tuple[float, float]] = field(default_factory=list)
    gate_seconds: float = 0.0
    done: bool = False

    @property
    def http_seconds(self) -> float:
        waited, reached = 0.0, float("-inf")
        for start, end in sorted(self.trips):
            if end > reached:
                waited += end - max(start, reached)
                reached = end
        return waited


class LookupLedger:
    """Charges each HubSpot round trip and gate pass to the lookup its context is serving (the
    connector runs the deal read in its own thread with the caller's context); reads that
    outlived their budget keep running beside later calls, so a global sum would not do."""

    def __init__(self) -> None:
        self.lookups: list[Lookup] = []
        self._current: ContextVar[Lookup | None] = ContextVar("bench_lookup", default=None)

    @contextmanager
    def lookup(self, phone: str) -> Iterator[None]:
        entry = Lookup(phone)
        self.lookups.append(entry)
        token = self._current.set(entry)
        try:
            yield
        finally:
            entry.done = True
            self._current.reset(token)

    def charge(self, trip: tuple[float, float] | None = None, gate: float = 0.0) -> None:
        entry = self._current.get()
        if entry is not None:
            if trip is not None:
                entry.trips.append(trip)
            entry.gate_seconds += gate

    def timed_gate(self, gate: Gate) -> Gate:
        def timed(key: str, budget: Budget) -> None:
            started = time.perf_counter()
            try:
                gate(key, budget)
            finally:
                self.charge(gate=time.perf_counter() - started)

        return timed

    def finished_since(self, index: int, phone: str) -> Lookup | None:
        mine = [e for e in self.lookups[index:] if e.phone == phone and e.done]
        return mine[-1] if mine else None


class LedgerTransport(TimedTransport):
    def __init__(self, ledger: LookupLedger) -> None:
        super().__init__()
        self._ledger = ledger

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        try:
            return super().handle_request(request)
        finally:
            self._ledger.charge(trip=(started, time.perf_counter()))


class LedgerHubSpotCrm(HubSpotCrm):
    """The real connector; each `find_contact` opens its entry in the ledger."""

    def __init__(self, config: HubSpotConfig, ledger: LookupLedger, **options: Any) -> None:
        super().__init__(config, **options)
        self._ledger = ledger

    def find_contact(
        self, phone: str, *, deal_key: str | None = None, pipeline: str | None = None
    ) -> ContactSnapshot | None:
        with self._ledger.lookup(phone):
            return super().find_contact(phone, deal_key=deal_key, pipeline=pipeline)


@dataclass(frozen=True, slots=True)
class Caller:
    kind: str  # known | unknown | withheld
    wire_number: str  # as Retell sends it


@dataclass
class Figures:
    own: list[float] = field(default_factory=list)
    client: list[float] = field(default_factory=list)
    own_by_state: dict[str, list[float]] = field(default_factory=dict)
    total: list[float] = field(default_factory=list)
    gate: list[float] = field(default_factory=list)
    states: Counter[str] = field(default_factory=Counter)
    after_hours: int = 0


def known_number(index: int) -> str:
    return f"+1212555{2000 + index % KNOWN_CALLERS:04d}"


def caller_for(n: int) -> Caller:
    slot = n % 20
    if slot < 10:
        return Caller("known", known_number(n // 20 * 10 + slot))
    if slot < 17:
        return Caller("unknown", f"+1646555{n % 10_000:04d}")
    return Caller("withheld", "" if slot % 2 else "anonymous")


def moment_for(n: int, zone: str) -> datetime:
    hour, minute = LOCAL_TIMES[(n // 7) % len(LOCAL_TIMES)]
    day = WEEK_START + timedelta(days=n % 7)
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def bench_workspace(example: Workspace) -> tuple[Workspace, str]:
    """The example with an unthrottled HubSpot budget, and hours when it defines none."""
    assert isinstance(example.crm, HubSpotConfig)
    crm = example.crm.model_copy(update={"requests_per_10s": UNTHROTTLED_PER_10S})
    update: dict[str, Any] = {"crm": crm}
    hours_note = "the example's"
    if example.hours is None:
        update["hours"] = BusinessHours.model_validate(FALLBACK_HOURS)
        hours_note = "Mon-Fri 08:00-18:00 + US/NY holidays (the example defines none)"
    return example.model_copy(update=update), hours_note


def seed_contacts(workspace: Workspace, base_url: str) -> None:
    """Known callers: an owner each (alternating), an open deal for every other, a few DNC."""
    assert isinstance(workspace.crm, HubSpotConfig)
    crm = HubSpotCrm(workspace.crm, base_url=base_url)
    pipeline = workspace.default_audience.crm.pipeline
    for i in range(KNOWN_CALLERS):
        phone = known_number(i)
        contact = crm.upsert_contact(
            UpsertContact(key=f"seed-{i}", phone=phone, name=f"Caller {i} Known")
        )
        owner = workspace.team[i % len(workspace.team)].email
        crm.assign_owner(AssignOwner(key=f"own-{i}", contact="c", owner_email=owner), contact, None)
        if i % 2 == 0:
            deal = EnsureDeal(
                key=f"deal-{i}",
                contact="c",
                deal_key=deal_key(workspace.id, phone, pipeline),
                pipeline=pipeline,
                stage="appointmentscheduled",
                name=f"Roof inspection {i}",
                outcome=Outcome.MEETING_BOOKED,
            )
            crm.ensure_deal(deal, contact)
        if i % 10 == 3:
            crm.add_tags(AddTags(key=f"tag-{i}", contact="c", tags=("do-not-call",)), contact)
    crm.close()


def quietly_log_at_info() -> None:
    """Production's level, so the log calls cost what they cost in `serve`; the lines go nowhere."""
    configure_logging("info")
    sink = open(os.devnull, "w")  # noqa: SIM115 - open for the whole run
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(sink))
    logging.root.handlers = [logging.StreamHandler(sink)]


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000

    return (
        f"p50 {at(0.50):7.2f}   p95 {at(0.95):7.2f}   p99 {at(0.99):7.2f}   "
        f"max {ordered[-1] * 1000:7.2f} ms"
    )


def expected_states(caller: Caller) -> set[str]:
    allowed = {
        "known": {LookupState.FOUND, LookupState.TIMED_OUT},
        "unknown": {LookupState.NOT_FOUND, LookupState.TIMED_OUT},
        "withheld": {LookupState.NO_CALLER_ID},
    }[caller.kind]
    return {state.value for state in allowed}


def check_answer(response: httpx.Response, caller: Caller, after_hours: bool, audience: str) -> str:
    """The lookup state of a valid answer; exits on anything else."""
    if response.status_code != 200 or "call_inbound" not in response.json():
        raise SystemExit(f"unexpected answer {response.status_code}: {response.text}")
    answer = response.json()["call_inbound"]
    state: str = answer["metadata"]["callstate_lookup"]
    if state not in expected_states(caller):
        raise SystemExit(f"{caller.kind} caller {caller.wire_number!r} got lookup {state}")
    if answer["dynamic_variables"]["after_hours"] != str(after_hours).lower():
        raise SystemExit(f"after_hours should be {after_hours}: {answer}")
    if answer["metadata"]["callstate_audience"] != audience:
        raise SystemExit(f"audience should be {audience}: {answer}")
    return state


def expected_audience(workspace: Workspace, after_hours: bool) -> str:
    if after_hours and workspace.after_hours_audience is not None:
        return workspace.after_hours_audience
    return workspace.default_audience.id


def crm_wait(state: str, lookup: Lookup | None, budget: float) -> float:
    if state == LookupState.TIMED_OUT:
        return budget
    if state in (LookupState.FOUND, LookupState.NOT_FOUND):
        if lookup is None:
            raise SystemExit(f"a {state} answer with no finished lookup")
        return lookup.http_seconds
    return 0.0


def drive(
    client: TestClient,
    watch: Stopwatch,
    workspace: Workspace,
    ledger: LookupLedger,
    set_clock: Callable[[datetime], None],
    budget: float,
    calls: int,
) -> Figures:
    figures = Figures()
    number = workspace.default_audience.numbers[0]
    url = f"/webhooks/retell/{workspace.id}/inbound"
    for n in range(-WARMUP_CALLS, calls):
        caller = caller_for(n % 10_000)
        now = moment_for(n, workspace.timezone)
        set_clock(now)
        wire = {"from_number": caller.wire_number, "to_number": number, "call_id": f"bench_{n}"}
        content = json.dumps({"event": "call_inbound", "call_inbound": wire}).encode()
        headers = {"x-retell-signature": sign(content, KEY, int(now.timestamp() * 1000))}
        first = len(ledger.lookups)
        started = time.perf_counter()
        response = client.post(url, content=content, headers=headers)
        elapsed = time.perf_counter() - started
        after_hours = not is_open(workspace.hours, workspace.timezone, now)
        audience = expected_audience(workspace, after_hours)
        state = check_answer(response, caller, after_hours, audience)
        if n < 0:
            continue
        lookup = (
            ledger.finished_since(first, caller.wire_number) if caller.kind != "withheld" else None
        )
        figures.total.append(elapsed)
        waited = crm_wait(state, lookup, budget)
        own = watch.seconds - waited
        figures.client.append(elapsed - waited)
        figures.own.append(own)
        figures.own_by_state.setdefault(state, []).append(own)
        figures.gate.append(lookup.gate_seconds if lookup is not None else 0.0)
        figures.states[state] += 1
        figures.after_hours += after_hours
    return figures


def add_latency(hubspot_url: str, latency_ms: int) -> None:
    if latency_ms:
        httpx.post(
            f"{hubspot_url}/_sandbox/faults",
            json={"mode": "delay", "seconds": latency_ms / 1000, "times": None},
        ).raise_for_status()


def run(
    store: str, calls: int, latency_ms: int, budget_ms: int | None, *, gated: bool = True
) -> Figures:
    quietly_log_at_info()
    workspace, hours_note = bench_workspace(load_workspaces(None, {}, sandbox=True)["acme"])
    assert isinstance(workspace.crm, HubSpotConfig)
    with vendor_process() as root:
        return _run(store, calls, latency_ms, budget_ms, gated, workspace, hours_note, root)


def _run(
    store: str,
    calls: int,
    latency_ms: int,
    budget_ms: int | None,
    gated: bool,
    workspace: Workspace,
    hours_note: str,
    root: str,
) -> Figures:
    assert isinstance(workspace.crm, HubSpotConfig)
    hubspot_url = f"{root}/hubspot"
    seed_contacts(workspace, hubspot_url)
    add_latency(hubspot_url, latency_ms)
    ledger = LookupLedger()
    clock = [datetime.now(UTC)]
    with tempfile.TemporaryDirectory() as tmp, fresh_database(store, Path(tmp)) as url:
        engine = make_engine(url)
        migrate(engine)
        crm = LedgerHubSpotCrm(
            workspace.crm,
            ledger,
            base_url=hubspot_url,
            transport=LedgerTransport(ledger),
            gate=ledger.timed_gate(RequestGate(Throttle(engine))) if gated else None,
        )
        services = Services(
            engine=engine,
            workspaces={workspace.id: workspace},
            connectors={workspace.id: replace(build_connectors(workspace), crm=crm)},
            clock=lambda: clock[0],
        )
        callers = (
            CallerLookup(services)
            if budget_ms is None
            else CallerLookup(services, budget_seconds=budget_ms / 1000)
        )
        app = FastAPI()
        app.include_router(inbound_router(services, callers))
        watch = Stopwatch(app)

        def set_clock(now: datetime) -> None:
            clock[0] = now

        try:
            with TestClient(watch) as client:
                budget = callers.budget_seconds
                figures = drive(client, watch, workspace, ledger, set_clock, budget, calls)
        finally:
            callers.close()
            engine.dispose()
    gate_note = "request gate over the database" if gated else "no request gate"
    report(figures, store, calls, latency_ms, callers.budget_seconds, f"{hours_note}; {gate_note}")
    return figures


def report(
    figures: Figures, store: str, calls: int, latency_ms: int, budget: float, notes: str
) -> None:
    print(
        f"store={store} calls={calls} added HubSpot latency={latency_ms} ms "
        f"lookup budget={budget * 1000:.0f} ms"
    )
    print(f"business hours: {notes}; {figures.after_hours} of {calls} calls after hours")
    print("every answer: 200 with call_inbound")
    print(f"own   {percentiles(figures.own)}   (in the app)")
    print(f"client side {percentiles(figures.client)}   (adds the TestClient's hand-offs)")
    print(f"total {percentiles(figures.total)}")
    if any(figures.gate):
        print(f"gate  {percentiles(figures.gate)}   (part of own: request-budget transactions)")
    print("lookup " + "   ".join(f"{s.value} {figures.states[s.value]}" for s in STATES))
    for state, values in sorted(figures.own_by_state.items()):
        print(f"own, {state:>12}: {percentiles(values)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=0, help="added to each HubSpot request")
    parser.add_argument(
        "--budget-ms", type=int, default=None, help="CRM lookup budget (default: CallerLookup's)"
    )
    parser.add_argument(
        "--no-gate", action="store_true", help="no request-budget gate (as bench/tools.py)"
    )
    args = parser.parse_args()
    run(args.store, args.calls, args.latency_ms, args.budget_ms, gated=not args.no_gate)


if __name__ == "__main__":
    main()
