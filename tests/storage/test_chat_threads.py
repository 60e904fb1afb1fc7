"""Call threads on both stores: recorded once per key (a repeat sets the same row), read back
whole, the parent's payload rewritten in place, workspaces kept apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from callstate.storage.chat_threads import ChatThreads

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
KEY = "acme:retell:call_0001:notify_owner"
PAYLOAD = {"kind": "notify_owner", "caller": "Zoë Whitfield", "meeting": None}
LINKS = {"contact": {"vendor": "hubspot", "id": "101", "url": None}, "call_log": None}


def _record(threads: ChatThreads, workspace: str = "acme", **changes: object) -> None:
    values: dict[str, object] = {
        "channel": "D0SAM00001",
        "ts": "1767225600.000100",
        "delivered": "dm",
        "payload": PAYLOAD,
        "links": LINKS,
        "now": T0,
    }
    values.update(changes)
    threads.record(workspace, KEY, **values)  # type: ignore[arg-type]


def test_a_thread_is_recorded_and_read_back_whole(engine: Engine) -> None:
    threads = ChatThreads(engine)
    assert threads.get("acme", KEY) is None
    _record(threads)
    found = threads.get("acme", KEY)
    assert found is not None
    assert (found.channel, found.ts, found.delivered) == ("D0SAM00001", "1767225600.000100", "dm")
    assert found.payload == PAYLOAD and found.links == LINKS
    assert found.created_at == found.updated_at == T0


def test_recording_again_sets_the_same_row_and_keeps_its_first_time(engine: Engine) -> None:
    threads = ChatThreads(engine)
    _record(threads)
    later = T0 + timedelta(minutes=5)
    _record(threads, channel="C0SALES0001", delivered="channel", now=later)
    found = threads.get("acme", KEY)
    assert found is not None
    assert (found.channel, found.delivered) == ("C0SALES0001", "channel")
    assert (found.created_at, found.updated_at) == (T0, later)


def test_the_parent_payload_is_rewritten_in_place(engine: Engine) -> None:
    threads = ChatThreads(engine)
    assert threads.rewrite("acme", KEY, {"moved": True}, T0) is False  # no thread yet
    _record(threads)
    moved = {**PAYLOAD, "meeting": {"start": "2026-11-26T19:30:00Z"}}
    assert threads.rewrite("acme", KEY, moved, T0 + timedelta(hours=1)) is True
    found = threads.get("acme", KEY)
    assert found is not None
    assert found.payload == moved and found.ts == "1767225600.000100"
    assert found.updated_at == T0 + timedelta(hours=1)


def test_workspaces_are_kept_apart(engine: Engine) -> None:
    threads = ChatThreads(engine)
    _record(threads, "acme")
    _record(threads, "summit", channel="D0OTHER0001")
    acme, summit = threads.get("acme", KEY), threads.get("summit", KEY)
    assert acme is not None and summit is not None
    assert (acme.channel, summit.channel) == ("D0SAM00001", "D0OTHER0001")
