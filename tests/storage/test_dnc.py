"""The do-not-call list and registry imports, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from callstate.domain.values import InvalidPhoneError
from callstate.storage.dnc import DncSource, DoNotCall

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_a_number_is_listed_once_and_keeps_its_first_reason(engine: Engine) -> None:
    dnc = DoNotCall(engine)
    assert dnc.add("acme", "+14155550142", source="call", reason="asked on the call", now=NOW)
    later = NOW + timedelta(days=2)
    assert not dnc.add("acme", "(415) 555-0142", source="manual", reason="again", now=later)
    entry = dnc.get("acme", "415-555-0142")
    assert entry is not None
    assert (entry.phone, entry.source, entry.reason) == (
        "+14155550142",
        DncSource.CALL,
        "asked on the call",
    )
    assert entry.added_at == NOW
    assert dnc.contains("acme", "+1 415 555 0142")
    assert not dnc.contains("summit", "+14155550142")  # lists are per workspace
    assert not dnc.contains("acme", "+14155550143")


def test_remove_unlists_and_repeating_it_is_harmless(engine: Engine) -> None:
    dnc = DoNotCall(engine)
    dnc.add("acme", "+14155550142", source="manual", reason="admin", now=NOW)
    assert dnc.remove("acme", "+14155550142")
    assert not dnc.remove("acme", "+14155550142")
    assert not dnc.contains("acme", "+14155550142")
    assert dnc.add("acme", "+14155550142", source="review", reason="flagged call", now=NOW)


def test_list_is_per_workspace_and_oldest_first(engine: Engine) -> None:
    dnc = DoNotCall(engine)
    dnc.add("acme", "+14155550143", source="review", reason="b", now=NOW + timedelta(hours=1))
    dnc.add("acme", "+14155550142", source="manual", reason="a", now=NOW)
    dnc.add("summit", "+14155550144", source="manual", reason="c", now=NOW)
    assert [e.phone for e in dnc.list("acme")] == ["+14155550142", "+14155550143"]
    assert dnc.count("acme") == 2


def test_add_many_counts_only_new_numbers(engine: Engine) -> None:
    dnc = DoNotCall(engine)
    dnc.add("acme", "+14155550100", source="call", reason="asked", now=NOW)
    numbers = [f"+1415555{n:04d}" for n in range(2500)]  # crosses the batch size twice
    assert (
        dnc.add_many("acme", [*numbers, numbers[0]], source="registry", reason="national", now=NOW)
        == 2499
    )
    assert dnc.add_many("acme", numbers, source="registry", reason="national", now=NOW) == 0
    assert dnc.count("acme") == 2500
    assert dnc.get("acme", "+14155550100").source is DncSource.CALL  # type: ignore[union-attr]


def test_bad_input_is_refused(engine: Engine) -> None:
    dnc = DoNotCall(engine)
    with pytest.raises(InvalidPhoneError):
        dnc.add("acme", "not a number", source="manual", reason="x", now=NOW)
    with pytest.raises(ValueError, match="gossip"):
        dnc.add("acme", "+14155550142", source="gossip", reason="x", now=NOW)
    with pytest.raises(ValueError, match="aware"):
        dnc.add("acme", "+14155550142", source="manual", reason="x", now=NOW.replace(tzinfo=None))
    assert dnc.list("acme") == []


def test_the_newest_import_dates_the_registry_copy(engine: Engine) -> None:
    dnc = DoNotCall(engine)
    assert dnc.last_import("acme") is None
    dnc.record_import(
        "acme", numbers=10, source="national 2026-10-01", now=NOW - timedelta(days=40)
    )
    dnc.record_import("acme", numbers=12, source="national 2026-11-20", now=NOW)
    dnc.record_import("summit", numbers=3, source="texas", now=NOW + timedelta(days=1))
    last = dnc.last_import("acme")
    assert last is not None
    assert (last.imported_at, last.numbers, last.source) == (NOW, 12, "national 2026-11-20")
