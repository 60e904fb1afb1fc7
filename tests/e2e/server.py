"""A real `callstate serve --sandbox` process for end-to-end tests: start, wait, kill, restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

API_KEY = "e2e-retell-key"
AUTH = {"authorization": "Bearer sandbox"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    def __init__(self, data_dir: Path, database_url: str) -> None:
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    def start(self, *args: str, **extra_env: str) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "RETELL_API_KEY": API_KEY,
            "CALLSTATE_DATABASE_URL": self.database_url,
            "CALLSTATE_LOG_LEVEL": "warning",
            # The scenarios' recordings sit on Retell's CDN, out of reach here; copying is
            # covered by tests/execution/test_artifacts.py and the demo's placed calls.
            "CALLSTATE_COPY_ARTIFACTS": "false",
            **extra_env,
        }
        env.pop("CALLSTATE_DBOS_DATABASE_URL", None)
        command = [
            sys.executable, "-m", "callstate", "serve", "--sandbox",
            "--port", str(self.port), "--data-dir", str(self.data_dir), *args,
        ]  # fmt: skip
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"server exited early:\n{self.log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"server not healthy in {timeout}s:\n{self.log.read_text()[-4000:]}")

    def wait_exit(self, timeout: float = 60) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.base_url}{path}", params=params, headers=AUTH, timeout=10)
        response.raise_for_status()
        return response.json()

    def wait_call(
        self, call_id: str, statuses: set[str], timeout: float = 60, workspace: str = "acme"
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        detail: dict[str, Any] = {}
        while time.monotonic() < deadline:
            response = httpx.get(
                f"{self.base_url}/api/calls/{workspace}/retell/{call_id}", timeout=10
            )
            if response.status_code == 200:
                detail = response.json()
                if detail["status"] in statuses:
                    return detail
            time.sleep(0.2)
        raise AssertionError(
            f"call {call_id} not in {statuses} after {timeout}s: {detail}\n"
            f"{self.log.read_text()[-4000:]}"
        )
