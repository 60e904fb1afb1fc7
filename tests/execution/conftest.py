"""Execution tests may serve the sandbox over loopback (tests/sandbox)."""

from tests.sandbox.conftest import make_sandbox, serve

__all__ = ["make_sandbox", "serve"]
