"""Load workspaces from YAML. Every error names the file and the key."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from callstate.config.model import Workspace


class ConfigError(Exception):
    """A workspace file that cannot be used; the message says which file and key."""


def _describe(path: Path, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        lines.append(f"{path}: {key}: {error['msg']}")
    return "\n".join(lines)


def load_workspace(path: Path, env: Mapping[str, str], *, sandbox: bool = False) -> Workspace:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): expected a mapping of workspace settings")
    try:
        return Workspace.model_validate(data, context={"env": dict(env), "sandbox": sandbox})
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from exc


def example_config_dir() -> Path:
    """The bundled example workspaces (`acme`), used when no --config is given."""
    return Path(str(resources.files("callstate") / "examples"))


def load_workspaces(
    config_dir: Path | None, env: Mapping[str, str], *, sandbox: bool = False
) -> dict[str, Workspace]:
    """Every `*.yaml` / `*.yml` file in `config_dir` is one workspace; ids must be unique."""
    directory = config_dir or example_config_dir()
    if not directory.is_dir():
        raise ConfigError(f"{directory}: not a directory of workspace files")
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise ConfigError(f"{directory}: no workspace files (*.yaml) found")
    workspaces: dict[str, Workspace] = {}
    for path in files:
        workspace = load_workspace(path, env, sandbox=sandbox)
        if workspace.id in workspaces:
            raise ConfigError(f"{path}: id: workspace {workspace.id!r} is defined twice")
        workspaces[workspace.id] = workspace
    return workspaces
