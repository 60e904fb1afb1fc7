"""`callstate dnc add|list|remove|import` through Typer, on both stores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from callstate.cli.main import app
from callstate.storage.dnc import DncSource, DoNotCall

Invoke = Callable[..., Result]


@pytest.fixture
def invoke(database_url: str, tmp_path: Path) -> Invoke:
    def invoke(*args: str) -> Result:
        env = {"COLUMNS": "200", "CALLSTATE_DATABASE_URL": database_url, "RETELL_API_KEY": None}
        options = ["--sandbox", "--data-dir", str(tmp_path / "data"), "-w", "acme"]
        return CliRunner().invoke(app, ["dnc", *args, *options], env=env)

    return invoke


def test_add_list_remove(invoke: Invoke, engine: Engine) -> None:
    added = invoke("add", "(415) 555-0142", "--reason", "asked by email")
    assert added.exit_code == 0, added.output
    assert "+14155550142 added to the do-not-call list" in added.output
    again = invoke("add", "+14155550142")
    assert "+14155550142 already on the do-not-call list" in again.output
    listed = invoke("list")
    assert listed.exit_code == 0, listed.output
    assert "+14155550142" in listed.output and "asked by email" in listed.output
    assert "No registry imported." in listed.output
    entry = DoNotCall(engine).get("acme", "+14155550142")
    assert entry is not None and entry.source is DncSource.MANUAL
    assert invoke("remove", "415-555-0142").exit_code == 0
    gone = invoke("remove", "415-555-0142")
    assert gone.exit_code == 1
    assert not DoNotCall(engine).contains("acme", "+14155550142")


def test_a_bad_number_or_workspace_is_a_usage_error(invoke: Invoke, database_url: str) -> None:
    bad = invoke("add", "call me maybe")
    assert bad.exit_code == 2
    assert "not a phone number" in bad.output
    env = {"CALLSTATE_DATABASE_URL": database_url, "RETELL_API_KEY": None}
    nobody = CliRunner().invoke(app, ["dnc", "list", "--sandbox", "-w", "nobody"], env=env)
    assert nobody.exit_code == 2
    assert "no workspace 'nobody'" in nobody.output


def test_import_a_list_counts_bad_lines_and_records_the_import(
    invoke: Invoke, engine: Engine, tmp_path: Path
) -> None:
    DoNotCall(engine).add(
        "acme", "+14155550100", source="call", reason="asked", now=datetime.now(UTC)
    )
    registry = tmp_path / "national.txt"
    registry.write_text(
        "# national registry, area code 415\n4155550100\n4155550101\n\nnot-a-number\n"
        "+1 415 555 0102\n12\n4155550101\n"
    )
    result = invoke("import", str(registry), "--source", "national 2026-11-20")
    assert result.exit_code == 0, result.output
    assert (
        "national 2026-11-20: read 6, valid 4, newly listed 2, already listed 2, invalid 2"
        in result.output
    )
    assert "invalid lines: 5, 7" in result.output
    dnc = DoNotCall(engine)
    assert dnc.count("acme") == 3
    assert dnc.get("acme", "+14155550100").source is DncSource.CALL  # type: ignore[union-attr]
    assert dnc.get("acme", "+14155550102").source is DncSource.REGISTRY  # type: ignore[union-attr]
    last = dnc.last_import("acme")
    assert last is not None
    assert (last.numbers, last.source) == (4, "national 2026-11-20")
    assert datetime.now(UTC) - last.imported_at < timedelta(minutes=5)


def test_import_a_csv_by_its_phone_column(invoke: Invoke, engine: Engine, tmp_path: Path) -> None:
    csv_file = tmp_path / "texas.csv"
    csv_file.write_text(
        'name,Phone,state\n"Doe, Jane",(512) 555-0101,TX\nJohn,,TX\nAl,+15125550102,TX\n'
    )
    result = invoke("import", str(csv_file))
    assert result.exit_code == 0, result.output
    assert "texas.csv: read 3, valid 2, newly listed 2" in result.output
    assert "invalid lines: 3" in result.output
    assert [e.phone for e in DoNotCall(engine).list("acme")] == ["+15125550101", "+15125550102"]


def test_a_file_without_valid_numbers_records_nothing(
    invoke: Invoke, engine: Engine, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("hello\nworld\n")
    result = invoke("import", str(junk))
    assert result.exit_code == 1
    assert "invalid 2" in result.output
    assert DoNotCall(engine).last_import("acme") is None
    no_column = tmp_path / "people.csv"
    no_column.write_text("name,email\nJane,jane@example.com\n")
    refused = invoke("import", str(no_column))
    assert refused.exit_code == 2
    assert "CSV without a phone column" in refused.output
