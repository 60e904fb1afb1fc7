"""`callstate agents plan|apply` against the Retell emulator mounted under `/sandbox` as
`serve --sandbox` mounts it: the table, the words, the exit codes."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml
from fastapi import FastAPI
from typer.testing import CliRunner

from callstate.cli.main import app
from callstate.config.secrets import sandbox_secret
from callstate.connectors.retell.rest import RetellRest
from callstate.sandbox.app import create_sandbox_app, mount_vendors
from callstate.sandbox.retell import RetellAccount, RetellSeed, create_retell_app
from callstate.storage.agents import VoiceAgents
from callstate.storage.db import make_engine
from tests.sandbox.conftest import serve

__all__ = ["serve"]
KEY = "key_cli_retell_0123456789"
INBOUND, OUTBOUND = "+14155550100", "+14155550101"
OPENING = (
    "Hi {{caller_name}}, Ava here, an AI assistant calling from Acme Roofing. This call is "
    "recorded; say stop calling and we'll remove you from our list."
)
WORKSPACE: dict[str, Any] = {
    "id": "acme",
    "name": "Acme Roofing",
    "retell": {"api_key": "${RETELL_API_KEY}"},
    "crm": {"kind": "hubspot", "token": "${HUBSPOT_TOKEN}"},
    "chat": {"kind": "slack", "bot_token": "${SLACK_BOT_TOKEN}"},
    "audiences": [
        {
            "id": "in",
            "name": "Inbound",
            "default": True,
            "numbers": [INBOUND],
            "notify_channel": "sales",
            "agent": {
                "direction": "inbound",
                "voice_id": "11labs-Adrian",
                "begin_message": "Thanks for calling Acme Roofing!",
                "prompt": "You qualify roofing leads.\nAsk about the roof.\nBe brief.",
            },
        },
        {
            "id": "out",
            "name": "Outbound",
            "numbers": [OUTBOUND],
            "notify_channel": "sales",
            "agent": {
                "direction": "outbound",
                "voice_id": "11labs-Adrian",
                "begin_message": OPENING,
                "prompt": "You call past leads back.",
                "variables": {"caller_name": "there"},
            },
        },
    ],
}


def retell_port(serve: Callable[[Any], str], numbers: tuple[str, ...] = (INBOUND, OUTBOUND)) -> int:
    """The workspace's Retell emulator under `/sandbox/retell/acme`; the port for `--port`."""
    seed = RetellSeed(phone_numbers=tuple({"phone_number": n} for n in numbers))
    root = FastAPI()
    root.mount(
        "/sandbox",
        mount_vendors(
            None, {"retell/acme": lambda store: create_retell_app(store, api_key=KEY, seed=seed)}
        ),
    )
    return int(serve(root).rsplit(":", 1)[1])


def config_dir(tmp_path: Path, workspace: dict[str, Any] = WORKSPACE) -> Path:
    directory = tmp_path / "config"
    directory.mkdir(exist_ok=True)
    (directory / "acme.yaml").write_text(yaml.safe_dump(workspace, sort_keys=False))
    return directory


def agents(
    command: str, port: int, config: Path | None, *extra: str, key: str = KEY
) -> tuple[int, str]:
    args = ["agents", command, "-w", "acme", "--sandbox", "--port", str(port), *extra]
    if config is not None:
        args += ["--config", str(config)]
    data = (config.parent if config is not None else Path(tempfile.mkdtemp())) / "data"
    env = {"COLUMNS": "250", "RETELL_API_KEY": key, "CALLSTATE_PUBLIC_URL": None}
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data)], env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_plan_apply_plan(serve: Callable[[Any], str], tmp_path: Path) -> None:
    port = retell_port(serve)
    config = config_dir(tmp_path)
    code, output = agents("plan", port, config, "--public-url", "https://cs.example")
    assert code == 3, output
    assert "callstate/acme/in" in output and "callstate/acme/out" in output
    assert output.count("create") >= 4
    assert "with agent_name, voice_id, language, … (11 fields)" in output
    assert (
        "inbound_webhook_url: (unset) → 'https://cs.example/webhooks/retell/acme/inbound'" in output
    )
    assert "6 to change: run `callstate agents apply --workspace acme`" in output

    code, output = agents("apply", port, config, "--public-url", "https://cs.example")
    assert code == 0, output
    assert "applied" in output
    assert "recorded 2 agent id(s)" in output
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'callstate.sqlite'}")
    recorded = VoiceAgents(engine).by_audience("acme", "retell")
    engine.dispose()
    rest = RetellRest(KEY, base_url=f"http://127.0.0.1:{port}/sandbox/retell/acme")
    by_name = {a["agent_name"]: a["agent_id"] for a in rest.list_agents()}
    rest.close()
    assert recorded == {"in": by_name["callstate/acme/in"], "out": by_name["callstate/acme/out"]}

    code, output = agents("plan", port, config, "--public-url", "https://cs.example")
    assert code == 0, output
    assert output.count("unchanged") == 6
    assert "to change" not in output

    # No --public-url: the server's own address (here: the sandbox's port) is what Retell calls.
    code, output = agents("plan", port, config)
    assert code == 3, output
    assert (
        f"'https://cs.example/webhooks/retell/acme' → 'http://127.0.0.1:{port}/webhooks" in output
    )


def test_an_edited_prompt_shows_the_line_that_changed(
    serve: Callable[[Any], str], tmp_path: Path
) -> None:
    port = retell_port(serve)
    assert agents("apply", port, config_dir(tmp_path))[0] == 0
    edited = yaml.safe_load(yaml.safe_dump(WORKSPACE))
    edited["audiences"][0]["agent"]["prompt"] = (
        "You qualify roofing leads.\nAsk the roof's age.\nBe brief."
    )
    edited["audiences"][0]["agent"]["tools"] = ["end_call"]
    code, output = agents("plan", port, config_dir(tmp_path, edited))
    assert code == 3, output
    assert "general_prompt line 2: 'Ask about the roof.' → \"Ask the roof's age.\"" in output
    assert "general_tools: [" in output  # three tools → one: the list is shown, shortened
    assert "update" in output and "2 to change" not in output and "1 to change" in output


def test_an_outbound_opening_without_disclosures_is_refused(
    serve: Callable[[Any], str], tmp_path: Path
) -> None:
    port = retell_port(serve)
    bare = yaml.safe_load(yaml.safe_dump(WORKSPACE))
    bare["audiences"][1]["agent"]["begin_message"] = "Hi {{caller_name}}, it's Ava!"
    code, output = agents("apply", port, config_dir(tmp_path, bare))
    assert code == 1, output
    assert "refused: acme's agents cannot be applied as configured" in output
    assert "out: the opening does not say the business name ('Acme Roofing')" in output
    assert "out: the opening does not say that an AI is speaking" in output
    assert 'e.g. "I\'m an AI assistant."' in output
    assert "out: the opening does not say how to opt out" in output
    requests = httpx.get(f"http://127.0.0.1:{port}/sandbox/retell/acme/_sandbox/requests").json()
    assert requests == []


def test_a_number_missing_from_retell_leaves_work(
    serve: Callable[[Any], str], tmp_path: Path
) -> None:
    port = retell_port(serve, numbers=(INBOUND,))
    code, output = agents("apply", port, config_dir(tmp_path))
    assert code == 3, output
    assert "missing" in output and "buy or import it in Retell" in output
    assert "1 number(s) must be bought or imported in Retell first." in output


def test_a_rejected_key_is_exit_1(serve: Callable[[Any], str], tmp_path: Path) -> None:
    port = retell_port(serve)
    code, output = agents("plan", port, config_dir(tmp_path), key="key_wrong")
    assert code == 1, output
    assert "retell: HTTP 401" in output


def test_a_workspace_without_agent_blocks_has_nothing_to_do(
    serve: Callable[[Any], str], tmp_path: Path
) -> None:
    plain = yaml.safe_load(yaml.safe_dump(WORKSPACE))
    for audience in plain["audiences"]:
        del audience["agent"]
    code, output = agents("plan", retell_port(serve), config_dir(tmp_path, plain))
    assert code == 0, output
    assert "no audience of acme has an `agent:` block" in output


def test_the_bundled_example_plans_and_applies_on_serve_sandbox(
    serve: Callable[[Any], str],
) -> None:
    # `serve --sandbox` gives each workspace its own emulated Retell account holding the
    # audiences' numbers (as `callstate.cli.runtime` builds it): apply creates and binds all.
    root = FastAPI()
    account = RetellAccount(
        name="acme",
        api_key=sandbox_secret("RETELL_API_KEY"),
        seed=RetellSeed(phone_numbers=({"phone_number": INBOUND}, {"phone_number": OUTBOUND})),
    )
    root.mount("/sandbox", create_sandbox_app(None, retell_accounts=[account]))
    port = int(serve(root).rsplit(":", 1)[1])
    code, output = agents("plan", port, None, key="")
    assert code == 3, output
    assert "refused" not in output
    for audience in ("inbound-qualifier", "outbound-reactivation", "after-hours"):
        assert f"callstate/acme/{audience}" in output
    code, output = agents("apply", port, None, key="")
    assert code == 0, output
    assert "recorded 3 agent id(s)" in output
    code, output = agents("plan", port, None, key="")
    assert code == 0 and output.count("unchanged") == 8, output
