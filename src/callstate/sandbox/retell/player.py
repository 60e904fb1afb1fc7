"""Plays placed calls in the background: state changes and signed webhooks, in order.

A call is played only after its create-phone-call response has gone out (`RetellControl` hands
it over once the ASGI response finished), on one worker thread, one call after the other. For
each event of the call (`build_events`: `call_started` only if it connected, then `call_ended`
and `call_analyzed`, voice.md §1.1) the call log first takes the event's call object (so
`get-call` agrees with what was sent), then the event goes to the agent's `webhook_url` (else
the account-level URL), signed with the account's API key by the existing `Simulator`, if the
agent subscribes to it (`webhook_events`, default the three lifecycle events).

Deterministic for tests: `settle(timeout)` waits until every handed-over call has been played
and `deliveries()` reports every attempt. Plays are kept in memory only: a sandbox restarted
mid-play leaves that call `registered`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from callstate.sandbox.retell.calls import CallScenario, build_events
from callstate.sandbox.retell.delivery import Delivery, plan_deliveries
from callstate.sandbox.retell.phone_calls import CallLog, Placed
from callstate.sandbox.retell.simulator import Report

Deliver = Callable[[str, Sequence[Delivery]], Report]
DEFAULT_EVENTS = ("call_started", "call_ended", "call_analyzed")


@dataclass(frozen=True)
class Play:
    scenario: CallScenario
    webhook_url: str | None
    events: tuple[str, ...] = DEFAULT_EVENTS


def play_for(placed: Placed, account_webhook_url: str | None) -> Play | None:
    """How a newly registered call is played; None for an idempotent replay (already played)."""
    if placed.scenario is None or placed.agent is None:
        return None
    url = placed.agent.get("webhook_url") or account_webhook_url
    events = tuple(placed.agent.get("webhook_events") or DEFAULT_EVENTS)
    return Play(placed.scenario, url if placed.webhooks else None, events)


class Player:
    """One daemon worker thread playing `Play`s in the order they were handed over."""

    def __init__(self, calls: CallLog, deliver: Deliver) -> None:
        self._calls = calls
        self._deliver = deliver
        self._queue: queue.Queue[Play] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._attempts: dict[str, list[dict[str, Any]]] = {}
        self._thread: threading.Thread | None = None

    def submit(self, play: Play) -> None:
        with self._idle:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="retell-sandbox-player", daemon=True
                )
                self._thread.start()
        self._queue.put(play)

    def settle(self, timeout: float) -> bool:
        """Wait until every submitted call has been played; False if `timeout` ran out."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def deliveries(self) -> dict[str, list[dict[str, Any]]]:
        """Every webhook attempt so far, per call id (see `simulator.Attempt`)."""
        with self._idle:
            return {k: list(v) for k, v in self._attempts.items()}

    def forget(self) -> None:
        with self._idle:
            self._attempts.clear()

    def _run(self) -> None:
        while True:
            play = self._queue.get()
            try:
                self._play(play)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _play(self, play: Play) -> None:
        for event in build_events(play.scenario):
            self._calls.record(event["call"])
            if play.webhook_url is None or event["event"] not in play.events:
                continue
            report = self._deliver(play.webhook_url, plan_deliveries([event]))
            with self._idle:
                sink = self._attempts.setdefault(play.scenario.call_id, [])
                sink.extend(asdict(a) for a in report.attempts)
