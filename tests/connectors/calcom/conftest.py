"""Fixtures: the Cal.com emulator on loopback HTTP (mounted as the product mounts it), a clock
the tests move, and `CalcomCalendar`s pointed at it.

Spec validation: `on_spec(base, "calcom")`, with the document's fixes in tests/vendor_specs.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import ASGIApp

from callstate.connectors.calcom.calendar import CalcomCalendar
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.calcom import SANDBOX_API_KEY, create_calcom_app
from callstate.sandbox.store import Store
from tests.sandbox.conftest import on_spec, serve

__all__ = ["on_spec", "serve"]

# Monday 2026-10-26 12:00Z = 08:00 in New York: before the week that crosses the DST change.
NOW = datetime(2026, 10, 26, 12, 0, tzinfo=UTC)


class Clock:
    """The emulator's "now", moved by tests."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now.timestamp()


@dataclass
class CalSandbox:
    """One served emulator: the server's root URL (what `on_spec` takes) and helpers."""

    root: str
    app: FastAPI
    clock: Clock
    calendars: list[CalcomCalendar] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"{self.root}/calcom"

    def calendar(self, api_key: str = SANDBOX_API_KEY, **options: Any) -> CalcomCalendar:
        calendar = CalcomCalendar(api_key, base_url=self.base_url, **options)
        self.calendars.append(calendar)
        return calendar

    def api(self, version: str, api_key: str | None = SANDBOX_API_KEY) -> httpx.Client:
        """A raw client, to act as another booker or to read state back."""
        headers = {"cal-api-version": version}
        if api_key is not None:
            headers["authorization"] = f"Bearer {api_key}"
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=10)

    def fault(self, **spec: Any) -> None:
        httpx.post(f"{self.base_url}/_sandbox/faults", json=spec).raise_for_status()

    def bookings(self) -> list[dict[str, Any]]:
        """Every booking the emulator holds (from its store, not through the API)."""
        found: list[dict[str, Any]] = self.app.state.bookings.all()
        return found


@pytest.fixture
def make_calcom(serve: Callable[[ASGIApp], str]) -> Iterator[Callable[..., CalSandbox]]:
    made: list[CalSandbox] = []

    def make(**options: Any) -> CalSandbox:
        clock = options.pop("clock", None) or Clock()
        apps: list[FastAPI] = []

        def factory(store: Store) -> FastAPI:
            apps.append(create_calcom_app(store, clock=clock, **options))
            return apps[-1]

        root = serve(mount_vendors(None, {"calcom": factory}))
        made.append(CalSandbox(root, apps[0], clock))
        return made[-1]

    yield make
    for sandbox in made:
        for calendar in sandbox.calendars:
            calendar.close()


@pytest.fixture
def calcom(make_calcom: Callable[..., CalSandbox]) -> CalSandbox:
    """The default emulator: event types 1001 (ana, New York) and 1002 (ben, Chicago)."""
    return make_calcom()
