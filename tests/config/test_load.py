"""Workspace YAML: strict models, secrets by reference, errors naming file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from callstate.config.load import ConfigError, example_config_dir, load_workspace, load_workspaces
from callstate.config.settings import Settings

EXAMPLE = example_config_dir() / "acme.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ws.yaml"
    path.write_text(text)
    return path


def test_bundled_example_loads_with_secrets_from_env() -> None:
    env = {
        "RETELL_API_KEY": "key-7c1e",
        "ACME_HUBSPOT_TOKEN": "pat-9f2a",
        "ACME_SLACK_BOT_TOKEN": "x",
        "ACME_SLACK_SIGNING_SECRET": "slack-signing-x",
        "ACME_CALCOM_API_KEY": "cal_live_x",
        "ACME_CALCOM_WEBHOOK_SECRET": "whsec",
    }
    workspace = load_workspace(EXAMPLE, env)
    assert workspace.id == "acme"
    assert workspace.retell.api_key.get_secret_value() == "key-7c1e"
    assert workspace.default_audience.id == "inbound-qualifier"
    assert "key-7c1e" not in repr(workspace) and "pat-9f2a" not in repr(workspace)


def test_sandbox_fills_unset_secrets_with_documented_defaults() -> None:
    workspace = load_workspace(EXAMPLE, {}, sandbox=True)
    assert workspace.retell.api_key.get_secret_value() == "sandbox-retell-api-key"


def test_unset_secret_outside_sandbox_names_file_and_key() -> None:
    with pytest.raises(ConfigError) as error:
        load_workspace(EXAMPLE, {})
    assert f"{EXAMPLE}: retell.api_key: " in str(error.value)
    assert "RETELL_API_KEY is not set" in str(error.value)


def test_literal_secret_is_refused(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("${RETELL_API_KEY}", "key_live_abc")
    with pytest.raises(ConfigError, match=r"retell\.api_key: .*env-var name"):
        load_workspace(write(tmp_path, text), {}, sandbox=True)


def test_unknown_key_is_refused_with_its_path(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("notify_channel: acme-sales", "notify_chanel: x", 1)
    with pytest.raises(ConfigError) as error:
        load_workspace(write(tmp_path, text), {}, sandbox=True)
    assert "audiences.0.notify_chanel: Extra inputs are not permitted" in str(error.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    default: true\n", "", "exactly one audience"),
        ("+14155550101", "+14155550100", "one audience only"),
        ("America/New_York", "Mars/Olympus", "unknown IANA time zone"),
        ('numbers: ["+14155550100"]', 'numbers: ["not a phone"]', "not a phone number"),
    ],
)
def test_invalid_workspaces(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = EXAMPLE.read_text().replace(old, new, 1)
    with pytest.raises(ConfigError, match=message):
        load_workspace(write(tmp_path, text), {}, sandbox=True)


def test_bad_yaml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_workspace(write(tmp_path, "id: [unclosed"), {})


def test_duplicate_workspace_ids_are_refused(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(EXAMPLE.read_text())
    with pytest.raises(ConfigError, match="defined twice"):
        load_workspaces(tmp_path, {}, sandbox=True)


def test_settings_default_to_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"CALLSTATE_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path}/callstate.sqlite"
    assert settings.dbos_database_url == f"sqlite:///{tmp_path}/dbos.sqlite"
    pg = Settings.from_env({"CALLSTATE_DATABASE_URL": "postgresql://h/db"})
    assert pg.dbos_database_url == "postgresql://h/db"


def test_settings_reject_garbage(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CALLSTATE_SANDBOX"):
        Settings.from_env({"CALLSTATE_SANDBOX": "maybe"})


def test_team_calendars_must_match_the_calendar_kind(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace('calendar: "1001"', "calendar: https://calendly.example/x")
    broken = tmp_path / "acme.yaml"
    broken.write_text(text)
    with pytest.raises(
        ConfigError, match=r"sam\.rivera@acme-roofing\.test.*Cal\.com event type id"
    ):
        load_workspace(broken, {}, sandbox=True)


def test_a_meetings_pool_names_team_members_only(tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace(
        "      offer: 3\n", "      offer: 3\n      pool: [nobody@acme-roofing.test]\n", 1
    )
    assert "nobody@" in text
    broken = tmp_path / "acme.yaml"
    broken.write_text(text)
    with pytest.raises(ConfigError, match=r"nobody@acme-roofing\.test"):
        load_workspace(broken, {}, sandbox=True)


def test_the_meeting_pool_is_the_team_with_calendars_in_order() -> None:
    workspace = load_workspace(EXAMPLE, {}, sandbox=True)
    pool = workspace.meeting_pool(workspace.default_audience)
    assert [(m.email, m.weight) for m in pool] == [
        ("sam.rivera@acme-roofing.test", 2),
        ("jo.chen@acme-roofing.test", 1),
    ]
