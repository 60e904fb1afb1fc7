"""The agent ids `agents apply` recorded, read through a short cache."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, text

from callstate.storage.agents import VoiceAgents

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_record_replace_and_forget(engine: Engine) -> None:
    agents = VoiceAgents(engine, cache_seconds=0)
    agents.record("acme", "retell", "inbound-qualifier", "agent_1", "llm_1", NOW)
    agents.record("acme", "retell", "after-hours", "agent_2", None, NOW)
    agents.record("acme", "retell", "inbound-qualifier", "agent_3", "llm_3", NOW)
    agents.record("summit", "retell", "inbound-qualifier", "agent_9", None, NOW)
    assert agents.by_audience("acme", "retell") == {
        "inbound-qualifier": "agent_3",
        "after-hours": "agent_2",
    }
    assert agents.audiences_by_agent("acme", "retell")["agent_2"] == "after-hours"
    agents.forget_audiences("acme", "retell", {"inbound-qualifier"})
    assert agents.by_audience("acme", "retell") == {"inbound-qualifier": "agent_3"}
    assert agents.agent_for("summit", "retell", "inbound-qualifier") == "agent_9"


def test_reads_are_cached_until_they_expire_or_a_write(engine: Engine) -> None:
    clock = Clock()
    writer = VoiceAgents(engine)
    reader = VoiceAgents(engine, cache_seconds=30, monotonic=clock)
    writer.record("acme", "retell", "after-hours", "agent_1", None, NOW)
    assert reader.agent_for("acme", "retell", "after-hours") == "agent_1"
    writer.record("acme", "retell", "after-hours", "agent_2", None, NOW)  # another process
    clock.now = 29.0
    assert reader.agent_for("acme", "retell", "after-hours") == "agent_1"
    clock.now = 31.0
    assert reader.agent_for("acme", "retell", "after-hours") == "agent_2"


def test_a_database_outage_answers_with_what_was_known(engine: Engine) -> None:
    clock = Clock()
    agents = VoiceAgents(engine, cache_seconds=30, monotonic=clock)
    agents.record("acme", "retell", "after-hours", "agent_1", None, NOW)
    assert agents.agent_for("acme", "retell", "after-hours") == "agent_1"
    with engine.begin() as connection:  # every read of the table fails from now on
        connection.execute(text("DROP TABLE voice_agents"))
    clock.now = 31.0
    assert agents.agent_for("acme", "retell", "after-hours") == "agent_1"
    assert agents.by_audience("summit", "retell") == {}
