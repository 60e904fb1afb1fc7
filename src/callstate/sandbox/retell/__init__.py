"""Retell call simulator: realistic phone calls played as signed Retell webhooks.

A stand-alone vendor fake. It imports nothing of callstate outside `callstate.sandbox` and not
the retell SDK (the SDK is the oracle in its tests). Pipeline:
`CallScenario` -> `build_events` -> `plan_deliveries` -> `Simulator.deliver`.

`create_retell_app` emulates the REST API around it (LLMs, agents, phone numbers,
create-phone-call, get/list calls, inbound calls, recordings, the do-not-call list): a placed
or answered call is played through the same pipeline. `RetellAccount` describes one of several
accounts (one per workspace) the sandbox root mounts side by side.
"""

from callstate.sandbox.retell.accounts import RetellAccount, create_account_app
from callstate.sandbox.retell.calls import (
    CALLER_EMAIL_KEY,
    CALLER_NAME_KEY,
    CallScenario,
    agent_id_for,
    build_events,
    call_id_for,
)
from callstate.sandbox.retell.delivery import (
    SIGNATURE_HEADER,
    Delivery,
    encode,
    plan_deliveries,
    sign,
)
from callstate.sandbox.retell.demo import UNCONFIGURED_AGENT_ID, demo_scenarios
from callstate.sandbox.retell.media import recording_wav
from callstate.sandbox.retell.rest_app import SANDBOX_API_KEY, RetellSeed, create_retell_app
from callstate.sandbox.retell.rest_gate import RetellRateLimit
from callstate.sandbox.retell.scripts import CalleeScript
from callstate.sandbox.retell.simulator import Attempt, Report, Simulator, wall_clock_ms

__all__ = [
    "CALLER_EMAIL_KEY",
    "CALLER_NAME_KEY",
    "SANDBOX_API_KEY",
    "SIGNATURE_HEADER",
    "UNCONFIGURED_AGENT_ID",
    "Attempt",
    "CallScenario",
    "CalleeScript",
    "Delivery",
    "Report",
    "RetellAccount",
    "RetellRateLimit",
    "RetellSeed",
    "Simulator",
    "agent_id_for",
    "build_events",
    "call_id_for",
    "create_account_app",
    "create_retell_app",
    "demo_scenarios",
    "encode",
    "plan_deliveries",
    "recording_wav",
    "sign",
    "wall_clock_ms",
]
