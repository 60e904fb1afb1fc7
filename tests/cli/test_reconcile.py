"""`callstate reconcile` against the Retell emulator: a lost call is recorded, then known."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from typer.testing import CliRunner

from callstate.cli.reconcile import reconcile_command, report_table
from callstate.config.secrets import sandbox_secret
from callstate.connectors.retell.rest import RetellRest
from callstate.execution.reconcile import ReconcileReport
from callstate.sandbox.app import mount_vendors
from callstate.sandbox.retell import RetellSeed, create_retell_app
from tests.sandbox.conftest import serve

__all__ = ["serve"]
KEY = sandbox_secret("RETELL_API_KEY")
FROM = "+14155550101"
SEED = RetellSeed(
    llms=({"llm_id": "llm_cli", "begin_message": "Hi, it's Acme."},),
    agents=(
        {
            "agent_id": "agent_acme_outbound",
            "response_engine": {"type": "retell-llm", "llm_id": "llm_cli"},
            "voice_id": "11labs-Adrian",
        },
    ),
    phone_numbers=(
        {
            "phone_number": FROM,
            "outbound_agents": [{"agent_id": "agent_acme_outbound", "weight": 1}],
        },
    ),
)


def reconcile(base: str, data_dir: Path) -> tuple[int, str]:
    cli = typer.Typer()
    cli.command()(reconcile_command)
    args = ["-w", "acme", "--sandbox", "--data-dir", str(data_dir), "--retell-url", base]
    env = {"COLUMNS": "250", "CALLSTATE_DATABASE_URL": None, "RETELL_API_KEY": None}
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.output


def test_reconcile_records_a_lost_call_once(serve: Callable[[Any], str], tmp_path: Path) -> None:
    factory = lambda store: create_retell_app(store, api_key=KEY, seed=SEED)  # noqa: E731
    base = serve(mount_vendors(None, {"retell": factory})) + "/retell"
    httpx.post(
        f"{base}/_sandbox/scripts", json={"to_number": "+14155550142", "webhooks": False}
    ).raise_for_status()
    rest = RetellRest(KEY, base_url=base)
    call_id = rest.place_call(FROM, "+14155550142", idempotency_key="cli-1")
    rest.close()
    httpx.post(f"{base}/_sandbox/settle", params={"timeout": 20}, timeout=30).raise_for_status()

    code, output = reconcile(base, tmp_path)
    assert code == 0, output
    assert call_id in output
    assert "acme" in output

    code, output = reconcile(base, tmp_path)
    assert code == 0, output
    assert call_id not in output

    httpx.post(f"{base}/_sandbox/faults", json={"path": "/v3/list-calls", "status": 503})
    code, output = reconcile(base, tmp_path)
    assert code == 1
    assert "HTTP 503" in output


def test_the_table_shows_attempts_read_back_and_calls_gone_at_retell() -> None:
    report = ReconcileReport(
        workspace="acme",
        since=datetime(2026, 11, 24, 12, 0, tzinfo=UTC),
        listed=3,
        known=1,
        recovered=("call_lost",),
        attempts=2,
        gone=("call_deleted",),
    )
    console = Console(width=250, record=True)
    console.print(report_table([report]))
    text = console.export_text()
    header, row = (line for line in text.splitlines() if "acme" in line or "attempts" in line)
    assert "attempts read" in header and "gone at Retell" in header
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    assert cells[2:8] == ["3", "2", "1", "1", "0", "1"]  # listed, attempts, known, recovered…
    assert "call_lost" in text and "call_deleted" in text
