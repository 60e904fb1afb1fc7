"""Connector errors know whether to retry. Classified once, at the vendor boundary.

    ConnectorError
    ├── Permanent        the vendor refused the request as asked; retrying repeats the refusal
    │   ├── Unsupported  the account's tier or scopes lack the capability: skip, do not alert
    │   └── SlotTaken    the calendar slot is no longer free (booked by someone else, or past)
    └── Transient        the outcome is unknown or the vendor is unwell; retry with backoff
        └── RateLimited  the vendor asked us to wait `retry_after` seconds first

The executor records these in DBOS's checkpoints, so they must pickle: every attribute is a
constructor argument (see `__reduce__`).
"""

from __future__ import annotations

from typing import Any


class ConnectorError(Exception):
    def __init__(self, vendor: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{vendor}: {message}")
        self.vendor = vendor
        self.message = message
        self.status = status

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.vendor, self.message, self.status, self._extra()))

    def _extra(self) -> dict[str, Any]:
        return {}


class Permanent(ConnectorError):
    """Bad data, missing scope, unknown channel: an operator has to act."""


class Unsupported(Permanent):
    """The account cannot do this at all (a Starter portal has no sequences, a scope is missing).

    The effect is skipped with this message as the reason; every later call would hit the same
    wall, so it is reported once by `doctor` rather than alerted per call.
    """


class SlotTaken(Permanent):
    """The chosen calendar slot cannot be booked any more: offer the caller other times."""


class Transient(ConnectorError):
    """Timeouts, resets, 5xx: the request may or may not have been applied."""


class RateLimited(Transient):
    def __init__(
        self, vendor: str, message: str, *, status: int | None = 429, retry_after: float = 1.0
    ) -> None:
        super().__init__(vendor, message, status=status)
        self.retry_after = retry_after

    def _extra(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


def _rebuild(
    cls: type[ConnectorError], vendor: str, message: str, status: int | None, extra: dict[str, Any]
) -> ConnectorError:
    return cls(vendor, message, status=status, **extra)
