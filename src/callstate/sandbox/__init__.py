"""Local emulators of the vendors' HTTP APIs (the "sandbox"), used by the demo, tests and
benchmarks to run the real connectors over HTTP.

Stand-alone on purpose: nothing here imports the rest of callstate (an import-linter contract),
and nothing reads `../shared/` at runtime. Entry point: `callstate.sandbox.app.create_sandbox_app`.
"""
