"""Test-only fault points. `CALLSTATE_FAULT=after_effect:upsert_contact` kills the process with
SIGKILL right after the vendor applied that effect and before anything recorded it: the window
in which durable executors run a step twice (research/reliability.md §1.6)."""

from __future__ import annotations

import os
import signal


def fault_point(name: str, detail: str) -> None:
    if os.environ.get("CALLSTATE_FAULT") == f"{name}:{detail}":
        os.kill(os.getpid(), signal.SIGKILL)
