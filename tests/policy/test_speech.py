"""Times are said in the caller's zone with its offset on that date; the zone comes from the
caller's number."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from callstate.policy.speech import caller_zone, speak, speak_list, zone_name

NEW_YORK = ZoneInfo("America/New_York")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("moment", "zone", "said"),
    [
        pytest.param("2026-11-25T19:30Z", "America/New_York",
                     "Wednesday, November 25 at 2:30 PM Eastern time", id="eastern-half-hour"),
        pytest.param("2026-11-25T19:00Z", "America/New_York",
                     "Wednesday, November 25 at 2 PM Eastern time", id="eastern-on-the-hour"),
        pytest.param("2026-11-25T19:00Z", "America/Chicago",
                     "Wednesday, November 25 at 1 PM Central time", id="central"),
        pytest.param("2026-11-25T19:00Z", "America/Denver",
                     "Wednesday, November 25 at 12 PM Mountain time", id="mountain-noon"),
        pytest.param("2026-07-01T19:00Z", "America/Phoenix",
                     "Wednesday, July 1 at 12 PM Arizona time", id="arizona-summer"),
        pytest.param("2026-11-25T19:00Z", "America/Los_Angeles",
                     "Wednesday, November 25 at 11 AM Pacific time", id="pacific"),
        pytest.param("2026-11-25T19:00Z", "America/Anchorage",
                     "Wednesday, November 25 at 10 AM Alaska time", id="alaska"),
        pytest.param("2026-11-25T19:00Z", "Pacific/Honolulu",
                     "Wednesday, November 25 at 9 AM Hawaii time", id="hawaii"),
        pytest.param("2026-11-25T19:00Z", "America/Puerto_Rico",
                     "Wednesday, November 25 at 3 PM Atlantic time", id="atlantic"),
        pytest.param("2026-11-25T19:00Z", "Europe/London",
                     "Wednesday, November 25 at 7 PM London time", id="other-zone-by-city"),
        pytest.param("2026-11-26T05:00Z", "America/New_York",
                     "Thursday, November 26 at 12 AM Eastern time", id="midnight"),
        pytest.param("2026-11-25T23:45Z", "Asia/Kolkata",
                     "Thursday, November 26 at 5:15 AM Kolkata time", id="date-is-the-zones-date"),
    ],
)  # fmt: skip
def test_speak(moment: str, zone: str, said: str) -> None:
    assert speak(utc(moment), ZoneInfo(zone)) == said


@pytest.mark.parametrize(
    ("moment", "zone", "said"),
    [
        pytest.param("2026-03-08T06:59Z", "America/New_York",
                     "Sunday, March 8 at 1:59 AM Eastern time", id="new-york-before-spring"),
        pytest.param("2026-03-08T07:00Z", "America/New_York",
                     "Sunday, March 8 at 3 AM Eastern time", id="new-york-after-spring"),
        pytest.param("2026-11-01T05:30Z", "America/New_York",
                     "Sunday, November 1 at 1:30 AM Eastern time", id="new-york-first-1-30"),
        pytest.param("2026-11-01T06:30Z", "America/New_York",
                     "Sunday, November 1 at 1:30 AM Eastern time", id="new-york-second-1-30"),
        pytest.param("2026-11-01T07:00Z", "America/New_York",
                     "Sunday, November 1 at 2 AM Eastern time", id="new-york-after-fall"),
        pytest.param("2026-03-08T09:59Z", "America/Los_Angeles",
                     "Sunday, March 8 at 1:59 AM Pacific time", id="los-angeles-before-spring"),
        pytest.param("2026-03-08T10:00Z", "America/Los_Angeles",
                     "Sunday, March 8 at 3 AM Pacific time", id="los-angeles-after-spring"),
        pytest.param("2026-11-01T08:30Z", "America/Los_Angeles",
                     "Sunday, November 1 at 1:30 AM Pacific time", id="los-angeles-before-fall"),
        pytest.param("2026-11-01T10:30Z", "America/Los_Angeles",
                     "Sunday, November 1 at 2:30 AM Pacific time", id="los-angeles-after-fall"),
        pytest.param("2026-03-08T09:59Z", "America/Phoenix",
                     "Sunday, March 8 at 2:59 AM Arizona time", id="phoenix-march"),
        pytest.param("2026-03-08T10:00Z", "America/Phoenix",
                     "Sunday, March 8 at 3 AM Arizona time", id="phoenix-march-no-jump"),
        pytest.param("2026-11-01T08:30Z", "America/Phoenix",
                     "Sunday, November 1 at 1:30 AM Arizona time", id="phoenix-november"),
        pytest.param("2026-11-01T09:30Z", "America/Phoenix",
                     "Sunday, November 1 at 2:30 AM Arizona time", id="phoenix-november-no-repeat"),
        pytest.param("2026-11-25T19:00Z", "America/New_York",
                     "Wednesday, November 25 at 2 PM Eastern time", id="new-york-winter-offset"),
        pytest.param("2026-07-01T19:00Z", "America/New_York",
                     "Wednesday, July 1 at 3 PM Eastern time", id="new-york-summer-offset"),
    ],
)  # fmt: skip
def test_speak_uses_the_offset_in_force_on_that_date(moment: str, zone: str, said: str) -> None:
    assert speak(utc(moment), ZoneInfo(zone)) == said


def test_speak_refuses_a_naive_moment() -> None:
    with pytest.raises(ValueError, match="aware"):
        speak(datetime.fromisoformat("2026-11-25T14:00"), NEW_YORK)


@pytest.mark.parametrize(
    ("moments", "said"),
    [
        pytest.param(["2026-11-25T19:00Z"], "Wednesday, November 25 at 2 PM Eastern time",
                     id="one"),
        pytest.param(["2026-11-25T19:00Z", "2026-11-25T20:00Z"],
                     "Wednesday, November 25 at 2 PM or 3 PM Eastern time", id="two"),
        pytest.param(["2026-11-25T21:30Z", "2026-11-25T19:00Z", "2026-11-25T20:00Z",
                      "2026-11-25T19:00Z"],
                     "Wednesday, November 25 at 2 PM, 3 PM or 4:30 PM Eastern time",
                     id="sorted-and-deduplicated"),
        pytest.param(["2026-11-25T19:00Z", "2026-11-26T15:00Z", "2026-11-25T20:00Z"],
                     "Wednesday, November 25 at 2 PM or 3 PM, or Thursday, November 26 at "
                     "10 AM Eastern time", id="two-days"),
        pytest.param(["2026-11-25T19:00Z", "2026-11-26T15:00Z", "2026-11-27T15:00Z"],
                     "Wednesday, November 25 at 2 PM, Thursday, November 26 at 10 AM, or "
                     "Friday, November 27 at 10 AM Eastern time", id="three-days"),
        pytest.param(["2026-11-26T04:30Z", "2026-11-26T05:30Z"],
                     "Wednesday, November 25 at 11:30 PM, or Thursday, November 26 at 12:30 AM "
                     "Eastern time", id="local-midnight-splits-days"),
    ],
)  # fmt: skip
def test_speak_list(moments: list[str], said: str) -> None:
    assert speak_list([utc(m) for m in moments], NEW_YORK) == said


def test_speak_list_needs_something_to_say() -> None:
    with pytest.raises(ValueError, match="at least one"):
        speak_list([], NEW_YORK)


@pytest.mark.parametrize(
    ("zone", "name"),
    [
        ("America/New_York", "Eastern time"),
        ("America/Detroit", "Eastern time"),
        ("America/Chicago", "Central time"),
        ("America/Denver", "Mountain time"),
        ("America/Phoenix", "Arizona time"),
        ("America/Los_Angeles", "Pacific time"),
        ("America/Anchorage", "Alaska time"),
        ("Pacific/Honolulu", "Hawaii time"),
        ("America/Puerto_Rico", "Atlantic time"),
        ("Europe/London", "London time"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires time"),
    ],
)
def test_zone_names(zone: str, name: str) -> None:
    assert zone_name(ZoneInfo(zone)) == name


@pytest.mark.parametrize(
    ("phone", "zone"),
    [
        pytest.param("+12125550100", "America/New_York", id="new-york-212"),
        pytest.param("+1 (415) 555-0100", "America/Los_Angeles", id="los-angeles-415"),
        pytest.param("+16025550100", "America/Phoenix", id="phoenix-602"),
        pytest.param("6025550100", "America/Phoenix", id="national-format-read-as-us"),
        pytest.param("+442079460000", "Europe/London", id="uk-landline"),
        pytest.param("+447911123456", "Europe/London", id="uk-mobile-same-clock-zones"),
        pytest.param("+33612345678", "Europe/Paris", id="french-mobile"),
        pytest.param("+19075550100", "America/Anchorage", id="alaska-not-adak"),
        pytest.param("+12085550100", "America/Boise", id="split-area-code-first-zone"),
        pytest.param("+18005550100", "America/Chicago", id="toll-free-default"),
        pytest.param("+61412345678", "America/Chicago", id="australian-mobile-default"),
        pytest.param("+15555550100", "America/Chicago", id="unassigned-default"),
        pytest.param("not a number", "America/Chicago", id="unreadable-default"),
        pytest.param("", "America/Chicago", id="empty-default"),
        pytest.param(None, "America/Chicago", id="none-default"),
    ],
)
def test_caller_zone(phone: str | None, zone: str) -> None:
    assert caller_zone(phone, "America/Chicago") == zone
