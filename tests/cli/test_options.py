"""`settings_from`: what a command runs with is the environment's settings, the command line's
choices on top."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from callstate.cli.options import settings_from
from callstate.config.settings import Settings


def test_every_environment_setting_reaches_the_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A setting added to `Settings.from_env` cannot be dropped on the way to `serve`."""
    for name in list(os.environ):
        if name.startswith("CALLSTATE_"):
            monkeypatch.delenv(name)
    env = {
        "CALLSTATE_HOST": "127.0.0.2",
        "CALLSTATE_WORKER_CONCURRENCY": "3",
        "CALLSTATE_LOG_LEVEL": "DEBUG",
        "CALLSTATE_EXECUTOR_ID": "worker-7",
        "CALLSTATE_SANDBOX_RATE_LIMITS": "true",
        "CALLSTATE_ALERT_POLL_SECONDS": "7",
        "CALLSTATE_API_TOKEN": "t0ken",
        "CALLSTATE_RECONCILE_SECONDS": "11",
        "CALLSTATE_OPS_CHECK_SECONDS": "0",
        "CALLSTATE_DIGEST_CHECK_SECONDS": "13",
        "CALLSTATE_COPY_ARTIFACTS": "false",
        "CALLSTATE_THREAD_WAIT_SECONDS": "17",
        "CALLSTATE_PORT": "9001",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    expected = Settings.from_env(env)
    defaults = Settings.from_env({})
    chosen = settings_from(tmp_path, None, sandbox=True, port=9100)
    assert chosen.data_dir == tmp_path and chosen.sandbox and chosen.port == 9100
    assert chosen.database_url == f"sqlite:///{tmp_path / 'callstate.sqlite'}"
    same = ("data_dir", "database_url", "dbos_database_url", "sandbox", "port")
    for name in Settings.__dataclass_fields__:
        if name in same or name == "config_dir":
            continue
        assert getattr(chosen, name) == getattr(expected, name), name
        assert getattr(expected, name) != getattr(defaults, name), f"{name}: not set above"
    assert settings_from(None, None, sandbox=False).port == 9001
