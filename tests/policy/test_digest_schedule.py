"""When a workspace's daily digest is due, across zones, DST days and the minutes after
midnight; and which UTC instants make up a local day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from callstate.config.model import Workspace
from callstate.config.oversight import DigestSchedule
from callstate.policy.digest_schedule import due_digests, local_day, yesterday
from tests.policy.test_inbound import make_workspace

NEW_YORK = ZoneInfo("America/New_York")


def workspace(zone: str, at: str | None = "08:00", **digest: Any) -> Workspace:
    schedule = None if at is None else {"at": at, **digest}
    return make_workspace(
        id="ws-" + re.sub(r"[^a-z0-9]+", "-", zone.lower()), timezone=zone, digest=schedule
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "at", "now", "due"),
    [
        # New York, EST (UTC-5): 08:00 local is 13:00 UTC.
        ("America/New_York", "08:00", utc(2026, 1, 15, 12, 59), None),
        ("America/New_York", "08:00", utc(2026, 1, 15, 13, 0), date(2026, 1, 14)),
        ("America/New_York", "08:00", utc(2026, 1, 16, 4, 59), date(2026, 1, 14)),  # 23:59
        # The first minutes after local midnight: a new local day, its 08:00 not reached yet.
        ("America/New_York", "08:00", utc(2026, 1, 16, 5, 1), None),
        ("America/New_York", "00:00", utc(2026, 1, 16, 5, 0), date(2026, 1, 15)),
        ("America/New_York", "00:05", utc(2026, 1, 16, 5, 4), None),
        ("America/New_York", "00:05", utc(2026, 1, 16, 5, 5), date(2026, 1, 15)),
        # Same instant, other zones: Tokyo is already on the 16th, Los Angeles on the 15th.
        ("Asia/Tokyo", "08:00", utc(2026, 1, 15, 23, 0), date(2026, 1, 15)),
        ("Asia/Tokyo", "08:00", utc(2026, 1, 15, 22, 59), None),
        ("America/Los_Angeles", "08:00", utc(2026, 1, 15, 16, 0), date(2026, 1, 14)),
        ("Pacific/Kiritimati", "06:00", utc(2026, 1, 15, 16, 0), date(2026, 1, 15)),  # UTC+14
        ("UTC", "23:59", utc(2026, 1, 15, 23, 59), date(2026, 1, 14)),
        # Spring forward, Sunday 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
        ("America/New_York", "08:00", utc(2026, 3, 8, 11, 59), None),
        ("America/New_York", "08:00", utc(2026, 3, 8, 12, 0), date(2026, 3, 7)),  # EDT now
        ("America/New_York", "02:30", utc(2026, 3, 8, 6, 59), None),  # 01:59 EST
        ("America/New_York", "02:30", utc(2026, 3, 8, 7, 0), date(2026, 3, 7)),  # 03:00 EDT
        # Fall back, Sunday 2026-11-01: 02:00 EDT falls back to 01:00 EST (06:00 UTC).
        ("America/New_York", "08:00", utc(2026, 11, 1, 12, 59), None),
        ("America/New_York", "08:00", utc(2026, 11, 1, 13, 0), date(2026, 10, 31)),
        ("America/New_York", "01:30", utc(2026, 11, 1, 5, 30), date(2026, 10, 31)),  # 1st 01:30
        ("America/New_York", "01:30", utc(2026, 11, 1, 6, 30), date(2026, 10, 31)),  # 2nd 01:30
        ("America/New_York", "01:30", utc(2026, 11, 1, 5, 29), None),
        # Europe changes on other dates (2026-03-29): Berlin's 08:00 is then 06:00 UTC.
        ("Europe/Berlin", "08:00", utc(2026, 3, 29, 5, 59), None),
        ("Europe/Berlin", "08:00", utc(2026, 3, 29, 6, 0), date(2026, 3, 28)),
    ],
)
def test_yesterdays_digest_is_due_once_the_local_time_passes(
    zone: str, at: str, now: datetime, due: date | None
) -> None:
    ws = workspace(zone, at)
    assert [(w.id, d) for w, d in due_digests([ws], now)] == ([(ws.id, due)] if due else [])


def test_workspaces_without_or_with_a_disabled_digest_are_never_due() -> None:
    now = utc(2026, 1, 15, 23, 30)  # 18:30 in New York, 08:30 on the 16th in Tokyo
    off = workspace("America/New_York", "08:00", enabled=False)
    none = workspace("UTC", None)
    on = workspace("Asia/Tokyo", "08:00")
    assert [(w.id, d) for w, d in due_digests([off, none, on], now)] == [(on.id, date(2026, 1, 15))]


def test_the_same_day_stays_due_all_day_the_workflow_id_sends_it_once() -> None:
    ws = workspace("America/New_York", "08:00")
    checks = [utc(2026, 1, 15, 13, 0) + timedelta(minutes=m) for m in range(0, 16 * 60, 7)]
    days = {d for now in checks for _, d in due_digests([ws], now)}
    assert days == {date(2026, 1, 14)}


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_digests([workspace("UTC")], datetime(2026, 1, 15, 12, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("day", "hours", "start"),
    [
        (date(2026, 1, 15), 24, utc(2026, 1, 15, 5, 0)),
        (date(2026, 3, 8), 23, utc(2026, 3, 8, 5, 0)),  # spring forward
        (date(2026, 3, 9), 24, utc(2026, 3, 9, 4, 0)),
        (date(2026, 11, 1), 25, utc(2026, 11, 1, 4, 0)),  # fall back
        (date(2026, 11, 2), 24, utc(2026, 11, 2, 5, 0)),
    ],
)
def test_a_local_day_is_23_24_or_25_hours(day: date, hours: int, start: datetime) -> None:
    begin, end = local_day(day, NEW_YORK)
    assert begin == start
    assert end - begin == timedelta(hours=hours)
    assert local_day(day + timedelta(days=1), NEW_YORK)[0] == end  # days tile, no gap


def test_yesterday_is_the_local_one() -> None:
    assert yesterday(NEW_YORK, utc(2026, 1, 16, 4, 59)) == date(2026, 1, 14)  # 23:59 on the 15th
    assert yesterday(NEW_YORK, utc(2026, 1, 16, 5, 0)) == date(2026, 1, 15)
    assert yesterday(ZoneInfo("Asia/Tokyo"), utc(2026, 1, 15, 15, 0)) == date(2026, 1, 15)


@pytest.mark.parametrize(("given", "kept"), [("07:45", "07:45"), (570, "09:30"), (0, "00:00")])
def test_at_is_a_wall_clock_time_even_when_yaml_read_it_as_base_60(
    given: object, kept: str
) -> None:
    assert DigestSchedule.model_validate({"at": given}).at == kept


@pytest.mark.parametrize("wrong", ["24:00", "8:00", "08:60", 1440, "noon"])
def test_at_must_be_hh_mm(wrong: object) -> None:
    with pytest.raises(ValidationError):
        DigestSchedule.model_validate({"at": wrong})


def test_the_digest_goes_to_its_channel_else_the_alerts_channel() -> None:
    assert workspace("UTC", "08:00", channel="acme-digest").digest_to == "acme-digest"
    assert workspace("UTC", "08:00").digest_to == "acme-sales"
    assert make_workspace(alerts_channel="acme-ops").digest_to == "acme-ops"
