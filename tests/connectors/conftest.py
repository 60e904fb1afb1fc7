"""Connector tests run against the sandbox emulators over loopback HTTP (tests/sandbox)."""

from tests.sandbox.conftest import make_sandbox, on_spec, sandbox, serve

__all__ = ["make_sandbox", "on_spec", "sandbox", "serve"]
