"""`callstate dnc add|remove|list|import`: a workspace's do-not-call list.

The list is what the dialer reads before every outbound call (`execution.dialing.ListGate`).
`import` loads a national or state registry file (one number per line, or a CSV with a phone
column) and records the import, which is what the stale-registry alert watches: the national
copy may be at most 31 days old when dialling (research/reliability.md §2.2).
"""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, BinaryIO, TextIO, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn
from rich.table import Table

from callstate.cli.options import ConfigDir, DataDir, settings_from
from callstate.config.load import load_workspaces
from callstate.domain.values import InvalidPhoneError, to_e164
from callstate.execution.services import utc_now
from callstate.storage.db import make_engine, migrate
from callstate.storage.dnc import DncSource, DoNotCall

dnc = typer.Typer(help="The do-not-call list of a workspace.", no_args_is_help=True)

WorkspaceOption = Annotated[str, typer.Option("--workspace", "-w", help="Workspace id.")]
Sandbox = Annotated[
    bool, typer.Option("--sandbox", help="Workspace secrets default to sandbox values.")
]
PhoneArgument = Annotated[str, typer.Argument(help="Phone number (E.164, or US national).")]
PHONE_COLUMNS = ("phone", "phone_number", "number", "telephone")
_BATCH = 5000
_SHOW_INVALID = 10


@contextmanager
def _opened(
    workspace: str, config: Path | None, data_dir: Path | None, sandbox: bool
) -> Iterator[DoNotCall]:
    settings = settings_from(data_dir, config, sandbox=sandbox)
    workspaces = load_workspaces(settings.config_dir, os.environ, sandbox=settings.sandbox)
    if workspace not in workspaces:
        raise typer.BadParameter(f"no workspace {workspace!r}; have {sorted(workspaces)}")
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # the default SQLite file lives there
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        yield DoNotCall(engine)
    finally:
        engine.dispose()


def _number(raw: str) -> str:
    try:
        return to_e164(raw)
    except InvalidPhoneError as exc:
        raise typer.BadParameter(str(exc)) from exc


@dnc.command("add")
def add(
    phone: PhoneArgument,
    workspace: WorkspaceOption,
    reason: Annotated[str, typer.Option(help="Why (kept with the entry).")] = "added by an admin",
    config: ConfigDir = None,
    data_dir: DataDir = None,
    sandbox: Sandbox = False,
) -> None:
    """Put a number on the list; the next dial to it is refused."""
    number = _number(phone)
    with _opened(workspace, config, data_dir, sandbox) as repository:
        added = repository.add(
            workspace, number, source=DncSource.MANUAL, reason=reason, now=utc_now()
        )
    typer.echo(f"{number} {'added to' if added else 'already on'} the do-not-call list")


@dnc.command("remove")
def remove(
    phone: PhoneArgument,
    workspace: WorkspaceOption,
    config: ConfigDir = None,
    data_dir: DataDir = None,
    sandbox: Sandbox = False,
) -> None:
    """Take a number off the list (only with the person's fresh consent)."""
    number = _number(phone)
    with _opened(workspace, config, data_dir, sandbox) as repository:
        removed = repository.remove(workspace, number)
    if not removed:
        typer.echo(f"{number} is not on the do-not-call list", err=True)
        raise typer.Exit(1)
    typer.echo(f"{number} removed from the do-not-call list")


@dnc.command("list")
def list_numbers(
    workspace: WorkspaceOption,
    config: ConfigDir = None,
    data_dir: DataDir = None,
    sandbox: Sandbox = False,
) -> None:
    """Every listed number, oldest first, and the last registry import."""
    with _opened(workspace, config, data_dir, sandbox) as repository:
        entries = repository.list(workspace)
        last = repository.last_import(workspace)
    table = Table(title=f"Do-not-call list of {workspace}")
    for column in ("phone", "source", "since", "reason"):
        table.add_column(column)
    for entry in entries:
        since = entry.added_at.strftime("%Y-%m-%d %H:%M UTC")
        table.add_row(entry.phone, entry.source.value, since, escape(entry.reason))
    console = Console()
    console.print(table)
    if last is None:
        console.print("No registry imported.")
    else:
        when = last.imported_at.strftime("%Y-%m-%d %H:%M UTC")
        console.print(f"Last registry import: {when}, {escape(last.source)}, {last.numbers}")


@dataclass
class ImportTally:
    read: int = 0
    valid: int = 0
    added: int = 0
    invalid_lines: list[int] = field(default_factory=list)


def phone_values(handle: TextIO) -> Iterator[tuple[int, str]]:
    """(line number, raw phone) from a list of numbers or a CSV with a phone column (told by a
    header of several columns, or one named like a phone column); blank lines and `#` comments
    are skipped."""
    lines = enumerate(handle, start=1)
    first = next(((n, line) for n, line in lines if _meaningful(line)), None)
    if first is None:
        return
    start, header_line = first
    columns = [c.strip().lower() for c in next(csv.reader([header_line]), [])]
    if len(columns) > 1 or columns[0] in PHONE_COLUMNS:
        index = next((columns.index(c) for c in PHONE_COLUMNS if c in columns), None)
        if index is None:
            raise typer.BadParameter(f"CSV without a phone column (one of {PHONE_COLUMNS})")
        rows = csv.reader(line for _n, line in lines)
        for number, row in enumerate(rows, start=start + 1):
            if any(cell.strip() for cell in row):
                yield number, row[index].strip() if index < len(row) else ""
        return
    for number, line in itertools.chain([first], lines):
        if _meaningful(line):
            yield number, line.strip().strip('"')


def _meaningful(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


@dnc.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    workspace: WorkspaceOption,
    source: Annotated[
        str | None,
        typer.Option(help="Label of the list and its fetch date (default: the file name)."),
    ] = None,
    config: ConfigDir = None,
    data_dir: DataDir = None,
    sandbox: Sandbox = False,
) -> None:
    """Add a registry file's numbers and record the import (resolving a stale-registry alert).
    Exit code 1 when the file held no valid number (then nothing is recorded)."""
    label = source or file.name
    with _opened(workspace, config, data_dir, sandbox) as repository:
        tally = _import(repository, workspace, file, label)
        _report(tally, label)
        if tally.valid == 0:
            raise typer.Exit(1)
        repository.record_import(workspace, numbers=tally.valid, source=label, now=utc_now())


def _import(repository: DoNotCall, workspace: str, file: Path, label: str) -> ImportTally:
    tally = ImportTally()
    batch: list[str] = []

    def flush() -> None:
        tally.added += repository.add_many(
            workspace, batch, source=DncSource.REGISTRY, reason=label, now=utc_now()
        )
        batch.clear()

    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
    with (
        file.open(encoding="utf-8-sig", newline="") as handle,
        Progress(*columns, console=Console(stderr=True), transient=True) as progress,
    ):
        task = progress.add_task(f"importing {file.name}", total=file.stat().st_size)
        for line, raw in phone_values(handle):
            tally.read += 1
            try:
                batch.append(to_e164(raw))
            except InvalidPhoneError:
                tally.invalid_lines.append(line)
                continue
            tally.valid += 1
            if len(batch) >= _BATCH:
                flush()
                progress.update(task, completed=cast(BinaryIO, handle.buffer).tell())
        flush()
        progress.update(task, completed=file.stat().st_size)
    return tally


def _report(tally: ImportTally, label: str) -> None:
    typer.echo(
        f"{label}: read {tally.read}, valid {tally.valid}, newly listed {tally.added}, "
        f"already listed {tally.valid - tally.added}, invalid {len(tally.invalid_lines)}"
    )
    if tally.invalid_lines:
        shown = ", ".join(str(n) for n in tally.invalid_lines[:_SHOW_INVALID])
        more = len(tally.invalid_lines) - _SHOW_INVALID
        typer.echo(f"invalid lines: {shown}" + (f" and {more} more" if more > 0 else ""))
    if tally.valid == 0:
        typer.echo("no valid number: the import is not recorded", err=True)
