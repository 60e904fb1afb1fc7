"""`callstate digest` on both stores: prints a known day's numbers, writes the chart, and with
`--send` posts the digest and its chart to a Slack emulator served on loopback, once however
often it is sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import typer
from click.testing import Result
from typer.testing import CliRunner

from callstate.cli.digest import digest_command
from callstate.connectors.slack.uploads import file_name as chart_file_name
from callstate.policy.digest_schedule import yesterday
from callstate.storage.db import make_engine, migrate
from tests.sandbox.conftest import make_sandbox, serve
from tests.storage.test_digest import seed_known_day

__all__ = ["make_sandbox", "serve"]
KEY = "digest:acme:2026-11-01"
NEW_YORK = ZoneInfo("America/New_York")


def digest(database_url: str, data_dir: Path, *args: str) -> Result:
    cli = typer.Typer()
    cli.command()(digest_command)
    env = {"COLUMNS": "250", "CALLSTATE_DATABASE_URL": database_url, "RETELL_API_KEY": None}
    common = ["-w", "acme", "--sandbox", "--data-dir", str(data_dir)]
    return CliRunner().invoke(cli, [*common, *args], env=env)


def seeded(database_url: str) -> str:
    engine = make_engine(database_url)
    migrate(engine)
    seed_known_day(engine)
    engine.dispose()
    return database_url


def slack_api(base: str, method: str, **params: Any) -> dict[str, Any]:
    response = httpx.get(
        f"{base}/slack/api/{method}", params=params, headers={"authorization": "Bearer x"}
    )
    body: dict[str, Any] = response.json()
    assert body["ok"], body
    return body


def test_prints_the_known_day_and_writes_the_chart(database_url: str, tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    result = digest(
        seeded(database_url), tmp_path / "data", "--date", "2026-11-01", "--chart", str(chart)
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Daily digest: Acme Roofing, Sun 1 Nov 2026" in out
    # calls, in / out, connect rate (outbound), meetings, deals moved, value
    for cell in (
        "│ 9 ",
        "│ 5 / 4 ",
        "│ 67% (75%) ",
        "│ 2 ",
        "│ 3 ",
        "1,650.50 (+1 without amount)",
    ):
        assert cell in out, cell
    assert "After-hours line" in out and "Outbound reactivation" in out
    assert "Hot leads without a follow-up │     2" in out
    assert "…0006 · After-hours line · 23:30 · dead-lettered" in out
    assert "America/New_York: 2026-11-01 04:00 to 2026-11-02 05:00 UTC" in out  # 25 hours
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_send_posts_once_with_the_chart_in_its_thread(
    database_url: str, tmp_path: Path, make_sandbox: Callable[..., str]
) -> None:
    sandbox = make_sandbox(slack_channels=("acme-sales",))
    url = seeded(database_url)
    args = ("--date", "2026-11-01", "--send", "--slack-url", f"{sandbox}/slack/api/")
    first = digest(url, tmp_path / "data", *args)
    assert first.exit_code == 0, first.output
    again = digest(url, tmp_path / "data", *args)  # by hand again, or after the schedule
    assert again.exit_code == 0, again.output
    sent = [line for line in first.output.splitlines() if line.startswith(("sent:", "chart:"))]
    assert sent == [l for l in again.output.splitlines() if l.startswith(("sent:", "chart:"))]  # noqa: E741

    channel = slack_api(sandbox, "conversations.list")["channels"][0]["id"]
    history = slack_api(sandbox, "conversations.history", channel=channel, include_all_metadata=1)
    [message] = history["messages"]
    assert message["metadata"]["event_payload"]["key"] == KEY
    assert message["text"].startswith("Daily digest for Acme Roofing, 2026-11-01: 9 calls")
    replies = slack_api(sandbox, "conversations.replies", channel=channel, ts=message["ts"])
    [file] = [f for m in replies["messages"] for f in m.get("files", [])]
    assert file["name"] == chart_file_name(f"{KEY}:chart")
    png = httpx.get(f"{sandbox}/slack/_sandbox/files/{file['id']}").content
    assert png.startswith(b"\x89PNG") and len(png) == file["size"]
    uploads = [
        e for e in httpx.get(f"{sandbox}/slack/_sandbox/requests").json()
        if e["path"] == "/api/files.completeUploadExternal"
    ]  # fmt: skip
    assert len(uploads) == 1


def test_a_refused_send_exits_1(
    database_url: str, tmp_path: Path, make_sandbox: Callable[..., str]
) -> None:
    sandbox = make_sandbox(slack_channels=("general",))  # no #acme-sales
    args = ("--date", "2026-11-01", "--send", "--slack-url", f"{sandbox}/slack/api/")
    result = digest(seeded(database_url), tmp_path / "data", *args)
    assert result.exit_code == 1
    assert "channel_not_found" in result.output


def test_default_day_is_yesterday_and_bad_input_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    before = yesterday(NEW_YORK, datetime.now(UTC))
    result = digest(seeded(database_url), tmp_path / "data")
    after = yesterday(NEW_YORK, datetime.now(UTC))
    assert result.exit_code == 0, result.output
    titles = {f"Acme Roofing, {d:%a} {d.day} {d:%b %Y}" for d in (before, after)}
    assert any(t in result.output for t in titles)
    assert digest(database_url, tmp_path / "data", "--date", "1 Nov").exit_code == 2
    wrong = digest(database_url, tmp_path / "data", "-w", "globex")
    assert wrong.exit_code == 2 and "no workspace 'globex'" in wrong.output
