"""The Calendly request gate: bearer token → user, and rate limits with Calendly's headers.

- Auth: `Authorization: Bearer <personal access token>`; no or unknown token → 401
  Unauthenticated. The token's user is put in the ASGI scope (`USER_KEY`) for the routes.
- Rate limits (research/calendar_slack.md §2.5, §2.2): per user, 500 requests a minute on paid
  plans; Create Event Invitee (`POST /invitees`) additionally 10 a minute, 50 an hour and 100 a
  day on paid non-Enterprise plans. Every authenticated response carries `X-RateLimit-Limit`,
  `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds until the window resets); for
  `/invitees` they describe its tightest limit. Windows are fixed and aligned to the clock
  (how Calendly's windows align is undocumented). Counting always happens; refusing with 429
  only when a `CalendlyRateLimit` is given. No `Retry-After`: Calendly documents only the
  `X-RateLimit-*` headers.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from callstate.sandbox.calendly.errors import RATE_LIMITED, UNAUTHENTICATED, error_body
from callstate.sandbox.calendly.seeds import UserSeed
from callstate.sandbox.faults import CONTROL_PREFIX, route_path

USER_KEY = "callstate.calendly.user"
INVITEES_PATH = "/invitees"


@dataclass(frozen=True)
class CalendlyRateLimit:
    """Limits to enforce; the defaults are Calendly's documented paid, non-Enterprise ones."""

    per_minute: int = 500
    invitees_per_minute: int = 10
    invitees_per_hour: int = 50
    invitees_per_day: int = 100


@dataclass(frozen=True)
class _Window:
    name: str
    index: int
    allowed: int
    used: int
    reset: float


class RateCounter:
    """Fixed-window request counts per (user, window)."""

    def __init__(self, limit: CalendlyRateLimit | None, clock: Callable[[], float]) -> None:
        self.enforced = limit is not None
        self.limit = limit or CalendlyRateLimit()
        self._clock = clock
        self._counts: dict[tuple[str, str, int], int] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def _windows(self, invitees: bool) -> list[tuple[str, float, int]]:
        limit = self.limit
        windows = [("all", 60.0, limit.per_minute)]
        if invitees:
            windows += [
                ("invitees-minute", 60.0, limit.invitees_per_minute),
                ("invitees-hour", 3600.0, limit.invitees_per_hour),
                ("invitees-day", 86400.0, limit.invitees_per_day),
            ]
        return windows

    def take(self, user: str, *, invitees: bool) -> tuple[bool, dict[str, str]]:
        """Count one request; returns (refused, rate-limit headers)."""
        now = self._clock()
        with self._lock:
            states = []
            for name, seconds, allowed in self._windows(invitees):
                index = math.floor(now / seconds)
                used = self._counts.get((user, name, index), 0)
                states.append(_Window(name, index, allowed, used, (index + 1) * seconds - now))
            blocking = [w for w in states if w.used >= w.allowed] if self.enforced else []
            if blocking:
                # The header tells the wait that matters: the longest of the spent windows.
                shown = max(blocking, key=lambda w: w.reset)
                remaining = 0
            else:
                for w in states:
                    key = (user, w.name, w.index)
                    self._counts[key] = self._counts.get(key, 0) + 1
                shown = min(states, key=lambda w: (w.allowed - w.used, -w.reset))
                remaining = max(0, shown.allowed - shown.used - 1)
        headers = {
            "X-RateLimit-Limit": str(shown.allowed),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(max(1, math.ceil(shown.reset))),
        }
        return bool(blocking), headers


class CalendlyGate:
    """ASGI middleware: 401 without a known token, 429 past a limit, headers on every answer."""

    def __init__(
        self, app: ASGIApp, *, users: Mapping[str, UserSeed], counter: RateCounter
    ) -> None:
        self.app = app
        self.users = users
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope)
        if scope["type"] != "http" or path.startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        user = self.users.get(_bearer(headers.get("authorization", "")))
        if user is None:
            await JSONResponse(error_body(*UNAUTHENTICATED), 401)(scope, receive, send)
            return
        invitees = scope["method"] == "POST" and path.rstrip("/") == INVITEES_PATH
        refused, limits = self.counter.take(user.email, invitees=invitees)
        if refused:
            await JSONResponse(error_body(*RATE_LIMITED), 429, headers=limits)(scope, receive, send)
            return
        scope[USER_KEY] = user

        async def with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                mutable = MutableHeaders(scope=message)
                for name, value in limits.items():
                    mutable[name] = value
            await send(message)

        await self.app(scope, receive, with_limits)


def _bearer(value: str) -> str:
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def caller_of(request: Request) -> UserSeed:
    """The user whose token made the request (set by `CalendlyGate`)."""
    user = request.scope.get(USER_KEY)
    assert isinstance(user, UserSeed), "CalendlyGate must run before the routes"
    return user
