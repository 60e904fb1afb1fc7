"""`AgentSpec`: inline under an audience's `agent:` or in a file of its own; strict, and every
error names the file and the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from callstate.config.agents import AgentSpec, load_agent_spec, variables_in
from callstate.config.load import ConfigError, example_config_dir, load_workspace

SPEC = """\
direction: outbound
voice_id: 11labs-Adrian
model: gpt-4.1-mini
begin_message: >-
  Hi {{caller_name}}, Ava here, an AI assistant from Acme Roofing. This call is recorded;
  say stop calling and we'll remove you.
prompt: |
  You call back past leads. Last outcome: {{last_outcome}}. Owner: {{owner_name}}.
  It is {{current_time_America/New_York}} for them.
variables: {caller_name: there}
tools: [check_availability, end_call]
analysis:
  - {name: interested, type: boolean, description: "Still interested?"}
  - {name: timeline, type: enum, description: "When?", choices: [now, this month, later]}
  - {name: roof_age_years, type: number, description: Roof age in years}
  - {name: notes, description: Anything else they said, examples: [Has a skylight]}
voicemail: {message: "Ava from Acme Roofing, an AI assistant: call us back."}
max_call_minutes: 5
responsiveness: 0.8
"""


def write(tmp_path: Path, text: str, name: str = "agent.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def spec(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(SPEC)
    data.update(changes)
    return data


def test_a_spec_file_loads_with_its_defaults(tmp_path: Path) -> None:
    loaded = load_agent_spec(write(tmp_path, SPEC))
    assert loaded.direction == "outbound"
    assert loaded.tools == ("check_availability", "end_call")
    assert loaded.language == "en-US" and loaded.timezone is None
    assert loaded.voicemail.detect is True
    assert loaded.dnc_detection is True
    assert loaded.interruption_sensitivity is None
    assert [f.type for f in loaded.analysis] == ["boolean", "enum", "number", "string"]
    timeline = loaded.analysis_field("timeline")
    assert timeline is not None and timeline.choices == ("now", "this month", "later")
    assert loaded.analysis_field("missing") is None


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"direction": "sideways"}, "direction", "'inbound' or 'outbound'"),
        ({"voice_id": ""}, "voice_id", "at least 1 character"),
        ({"tools": ["end_call", "end_call"]}, "tools", "a tool is listed twice"),
        ({"tools": ["transfer_call"]}, "tools.0", "'check_availability'"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown IANA time zone"),
        ({"max_call_minutes": 0}, "max_call_minutes", "greater than or equal to 1"),
        ({"responsiveness": 2}, "responsiveness", "less than or equal to 1"),
        ({"language": "English"}, "language", "should match pattern"),
        ({"voice": "x"}, "voice", "Extra inputs are not permitted"),
        ({"analysis": [{"name": "t", "type": "enum", "description": "d"}]}, "analysis.0",
         "`choices` are given for, and only for, `type: enum`"),
        ({"analysis": [{"name": "t", "type": "boolean", "description": "d", "choices": ["a"]}]},
         "analysis.0", "`choices` are given for, and only for"),
        ({"analysis": [{"name": "t", "type": "number", "description": "d", "examples": ["1"]}]},
         "analysis.0", "`examples` are for `type: string` only"),
        ({"analysis": [{"name": "Bad Name", "description": "d"}]}, "analysis.0.name",
         "should match pattern"),
        ({"analysis": [{"name": "a", "description": "d"}, {"name": "a", "description": "e"}]},
         "analysis", "analysis fields ['a'] are defined twice"),
        ({"voicemail": {"detect": False, "message": "hi"}}, "voicemail",
         "a voicemail `message` needs `detect: true`"),
        ({"prompt": "Hi {{caler_name}}"}, "(top level)",
         "prompt uses {{caler_name}}, which nothing sets"),
        ({"begin_message": "Hi {{ nickname }}"}, "(top level)", "begin_message uses {{nickname}}"),
        ({"voicemail": {"message": "Call {{desk}}"}}, "(top level)",
         "voicemail.message uses {{desk}}"),
    ],
)  # fmt: skip
def test_a_bad_spec_file_names_the_file_and_key(
    tmp_path: Path, changes: dict[str, Any], key: str, message: str
) -> None:
    path = write(tmp_path, yaml.safe_dump(spec(**changes)))
    with pytest.raises(ConfigError) as error:
        load_agent_spec(path)
    assert f"{path}: {key}: " in str(error.value)
    assert message in str(error.value)


def test_declared_and_system_variables_are_allowed() -> None:
    loaded = AgentSpec.model_validate(
        spec(
            prompt="{{nickname}} {{call_id}} {{current_calendar_Europe/Paris}} {{business_name}}",
            variables={"nickname": "friend"},
        )
    )
    assert variables_in(loaded.prompt) == {
        "nickname",
        "call_id",
        "current_calendar_Europe/Paris",
        "business_name",
    }


def test_the_spec_is_frozen() -> None:
    loaded = AgentSpec.model_validate(spec())
    with pytest.raises(ValidationError):
        loaded.voice_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- just a list", "(top level): expected a mapping of agent settings"),
        ("direction: [unclosed", "not valid YAML"),
    ],
)
def test_a_file_that_is_not_a_spec_says_so(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_agent_spec(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_agent_spec(tmp_path / "nope.yaml")


def test_inline_agent_block_in_a_workspace_names_its_path(tmp_path: Path) -> None:
    workspace = yaml.safe_load((example_config_dir() / "acme.yaml").read_text())
    workspace["audiences"][0]["agent"] = spec(direction="inbound", voice_id="")
    path = write(tmp_path, yaml.safe_dump(workspace), "acme.yaml")
    with pytest.raises(ConfigError) as error:
        load_workspace(path, {}, sandbox=True)
    assert f"{path}: audiences.0.agent.voice_id: " in str(error.value)

    workspace["audiences"][0]["agent"] = spec(direction="inbound")
    loaded = load_workspace(
        write(tmp_path, yaml.safe_dump(workspace), "acme.yaml"), {}, sandbox=True
    )
    agent = loaded.audiences[0].agent
    assert agent is not None and agent.direction == "inbound"


def test_an_audience_without_an_agent_block_has_none(tmp_path: Path) -> None:
    workspace = yaml.safe_load((example_config_dir() / "acme.yaml").read_text())
    for audience in workspace["audiences"]:
        audience.pop("agent", None)
    loaded = load_workspace(
        write(tmp_path, yaml.safe_dump(workspace), "acme.yaml"), {}, sandbox=True
    )
    assert all(a.agent is None for a in loaded.audiences)
