"""A caller's words for when become a window in their zone; chosen starts are read back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callstate.policy.speech import speak
from callstate.policy.when import Unresolved, Window, parse_moment, resolve

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
PHOENIX = ZoneInfo("America/Phoenix")
# Tuesday, 10:15 in the morning in New York.
NOW = datetime(2026, 11, 24, 10, 15, tzinfo=NEW_YORK)


def window(phrase: str | None, now: datetime = NOW, zone: ZoneInfo = NEW_YORK) -> Window:
    result = resolve(phrase, now, zone)
    assert isinstance(result, Window), result
    return result


def local(moment: datetime, zone: ZoneInfo = NEW_YORK) -> str:
    return moment.astimezone(zone).strftime("%a %m-%d %H:%M")


def said_on(day: str, clock: str = "10:15", zone: ZoneInfo = NEW_YORK) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zone)


@pytest.mark.parametrize(
    ("phrase", "start", "end", "understood"),
    [
        pytest.param("tomorrow afternoon", "Wed 11-25 12:00", "Wed 11-25 17:00",
                     "tomorrow afternoon, Wednesday, November 25", id="tomorrow-afternoon"),
        pytest.param("next tuesday at 3", "Tue 12-01 15:00", "Tue 12-01 16:00",
                     "Tuesday, December 1 at 3 PM", id="next-weekday-at-hour"),
        pytest.param("Friday at 3", "Fri 11-27 15:00", "Fri 11-27 16:00",
                     "Friday, November 27 at 3 PM", id="weekday-at-hour"),
        pytest.param("friday morning", "Fri 11-27 08:00", "Fri 11-27 12:00",
                     "Friday morning, November 27", id="weekday-morning"),
        pytest.param("monday after 2", "Mon 11-30 14:00", "Tue 12-01 00:00",
                     "Monday, November 30 after 2 PM", id="weekday-after"),
        pytest.param("today", "Tue 11-24 10:15", "Wed 11-25 00:00",
                     "today, Tuesday, November 24", id="today-from-now"),
        pytest.param("tonight", "Tue 11-24 17:00", "Tue 11-24 20:00",
                     "tonight, Tuesday, November 24", id="tonight"),
        pytest.param("tonight at 8", "Tue 11-24 20:00", "Tue 11-24 21:00",
                     "tonight at 8 PM, Tuesday, November 24", id="tonight-at-8-is-pm"),
        pytest.param("tomorrow", "Wed 11-25 00:00", "Thu 11-26 00:00",
                     "tomorrow, Wednesday, November 25", id="tomorrow"),
        pytest.param("the day after tomorrow", "Thu 11-26 00:00", "Fri 11-27 00:00",
                     "Thursday, November 26", id="day-after-tomorrow"),
        pytest.param("tuesday", "Tue 11-24 10:15", "Wed 11-25 00:00",
                     "today, Tuesday, November 24", id="weekday-naming-today"),
        pytest.param("this tuesday", "Tue 11-24 10:15", "Wed 11-25 00:00",
                     "today, Tuesday, November 24", id="this-weekday-naming-today"),
        pytest.param("wednesday", "Wed 11-25 00:00", "Thu 11-26 00:00",
                     "tomorrow, Wednesday, November 25", id="weekday-tomorrow"),
        pytest.param("next tuesday", "Tue 12-01 00:00", "Wed 12-02 00:00",
                     "Tuesday, December 1", id="next-weekday"),
        pytest.param("next wednesday", "Wed 12-02 00:00", "Thu 12-03 00:00",
                     "Wednesday, December 2", id="next-weekday-is-next-weeks"),
        pytest.param("tuesday next week", "Tue 12-01 00:00", "Wed 12-02 00:00",
                     "Tuesday, December 1", id="weekday-next-week"),
        pytest.param("tuesday after next", "Tue 12-08 00:00", "Wed 12-09 00:00",
                     "Tuesday, December 8", id="weekday-after-next"),
        pytest.param("this week", "Tue 11-24 10:15", "Mon 11-30 00:00",
                     "this week, Tuesday, November 24 through Sunday, November 29", id="this-week"),
        pytest.param("next week", "Mon 11-30 00:00", "Mon 12-07 00:00",
                     "next week, Monday, November 30 through Sunday, December 6", id="next-week"),
        pytest.param("in 3 days", "Fri 11-27 00:00", "Sat 11-28 00:00",
                     "Friday, November 27", id="in-3-days"),
        pytest.param("in two days", "Thu 11-26 00:00", "Fri 11-27 00:00",
                     "Thursday, November 26", id="in-two-days"),
        pytest.param("in a week", "Tue 12-01 00:00", "Wed 12-02 00:00",
                     "Tuesday, December 1", id="in-a-week"),
        pytest.param("December 3", "Thu 12-03 00:00", "Fri 12-04 00:00",
                     "Thursday, December 3", id="month-day"),
        pytest.param("Dec 3rd", "Thu 12-03 00:00", "Fri 12-04 00:00",
                     "Thursday, December 3", id="month-abbreviation-ordinal"),
        pytest.param("the 3rd", "Thu 12-03 00:00", "Fri 12-04 00:00",
                     "Thursday, December 3", id="the-nth-next-month"),
        pytest.param("the twenty-fifth", "Wed 11-25 00:00", "Thu 11-26 00:00",
                     "tomorrow, Wednesday, November 25", id="the-nth-in-words"),
        pytest.param("12/3", "Thu 12-03 00:00", "Fri 12-04 00:00",
                     "Thursday, December 3", id="us-numeric-date"),
        pytest.param("2026-12-03", "Thu 12-03 00:00", "Fri 12-04 00:00",
                     "Thursday, December 3", id="iso-date"),
        pytest.param("March 5", "Fri 03-05 00:00", "Sat 03-06 00:00",
                     "Friday, March 5, 2027", id="past-month-day-is-next-year"),
        pytest.param("thursday december 3", "Thu 12-03 00:00", "Fri 12-04 00:00",
                     "Thursday, December 3", id="weekday-agreeing-with-date"),
        pytest.param("weekend", "Sat 11-28 00:00", "Mon 11-30 00:00",
                     "this weekend, Saturday, November 28 through Sunday, November 29",
                     id="weekend"),
        pytest.param("next weekend", "Sat 12-05 00:00", "Mon 12-07 00:00",
                     "next weekend, Saturday, December 5 through Sunday, December 6",
                     id="next-weekend"),
        pytest.param("this morning", "Tue 11-24 10:15", "Tue 11-24 12:00",
                     "this morning, Tuesday, November 24", id="part-of-day-partly-past"),
        pytest.param("afternoon", "Tue 11-24 12:00", "Tue 11-24 17:00",
                     "this afternoon, Tuesday, November 24", id="afternoon-alone"),
        pytest.param("evening", "Tue 11-24 17:00", "Tue 11-24 20:00",
                     "this evening, Tuesday, November 24", id="evening-alone"),
        pytest.param("noon", "Tue 11-24 12:00", "Tue 11-24 13:00",
                     "today at noon, Tuesday, November 24", id="noon"),
        pytest.param("lunch", "Tue 11-24 12:00", "Tue 11-24 13:00",
                     "this lunchtime, Tuesday, November 24", id="lunch"),
        pytest.param("at 3", "Tue 11-24 15:00", "Tue 11-24 16:00",
                     "today at 3 PM, Tuesday, November 24", id="at-hour-alone-still-ahead"),
        pytest.param("at 9", "Wed 11-25 09:00", "Wed 11-25 10:00",
                     "tomorrow at 9 AM, Wednesday, November 25", id="at-hour-alone-passed"),
        pytest.param("3pm", "Tue 11-24 15:00", "Tue 11-24 16:00",
                     "today at 3 PM, Tuesday, November 24", id="3pm"),
        pytest.param("3:30 p.m.", "Tue 11-24 15:30", "Tue 11-24 16:30",
                     "today at 3:30 PM, Tuesday, November 24", id="dotted-pm"),
        pytest.param("15:00", "Tue 11-24 15:00", "Tue 11-24 16:00",
                     "today at 3 PM, Tuesday, November 24", id="24-hour"),
        pytest.param("around 2", "Tue 11-24 13:00", "Tue 11-24 15:00",
                     "today around 2 PM, Tuesday, November 24", id="around"),
        pytest.param("thursday 3ish", "Thu 11-26 14:00", "Thu 11-26 16:00",
                     "Thursday, November 26 around 3 PM", id="ish"),
        pytest.param("after 4", "Tue 11-24 16:00", "Wed 11-25 00:00",
                     "today after 4 PM, Tuesday, November 24", id="after"),
        pytest.param("before noon", "Tue 11-24 10:15", "Tue 11-24 12:00",
                     "today before noon, Tuesday, November 24", id="before-noon"),
        pytest.param("before 11", "Tue 11-24 10:15", "Tue 11-24 11:00",
                     "today before 11 AM, Tuesday, November 24", id="before-hour"),
        pytest.param("between 2 and 4 tomorrow", "Wed 11-25 14:00", "Wed 11-25 16:00",
                     "tomorrow between 2 PM and 4 PM, Wednesday, November 25", id="between"),
        pytest.param("tomorrow from 11 to 1", "Wed 11-25 11:00", "Wed 11-25 13:00",
                     "tomorrow between 11 AM and 1 PM, Wednesday, November 25",
                     id="range-across-noon"),
        pytest.param("tomorrow 2-4pm", "Wed 11-25 14:00", "Wed 11-25 16:00",
                     "tomorrow between 2 PM and 4 PM, Wednesday, November 25",
                     id="dash-range-sharing-pm"),
        pytest.param("after lunch on friday", "Fri 11-27 13:00", "Sat 11-28 00:00",
                     "Friday, November 27 after 1 PM", id="after-lunch"),
        pytest.param("early morning tomorrow", "Wed 11-25 08:00", "Wed 11-25 10:00",
                     "tomorrow early morning, Wednesday, November 25", id="early-morning"),
        pytest.param("late afternoon next wednesday", "Wed 12-02 14:30", "Wed 12-02 17:00",
                     "Wednesday late afternoon, December 2", id="late-afternoon"),
        pytest.param("tomorrow at three thirty", "Wed 11-25 15:30", "Wed 11-25 16:30",
                     "tomorrow at 3:30 PM, Wednesday, November 25", id="time-in-words"),
        pytest.param("half past two tomorrow", "Wed 11-25 14:30", "Wed 11-25 15:30",
                     "tomorrow at 2:30 PM, Wednesday, November 25", id="half-past"),
        pytest.param("quarter to 4 on friday", "Fri 11-27 15:45", "Fri 11-27 16:45",
                     "Friday, November 27 at 3:45 PM", id="quarter-to"),
        pytest.param("Um, can we do like, uh, Friday at 3 o'clock maybe?", "Fri 11-27 15:00",
                     "Fri 11-27 16:00", "Friday, November 27 at 3 PM", id="filler-words"),
        pytest.param("first thing tomorrow morning", "Wed 11-25 08:00", "Wed 11-25 12:00",
                     "tomorrow morning, Wednesday, November 25", id="first-is-not-a-date"),
    ],
)  # fmt: skip
def test_phrases(phrase: str, start: str, end: str, understood: str) -> None:
    found = window(phrase)
    assert (local(found.start), local(found.end), found.understood) == (start, end, understood)
    assert found.start.tzinfo is UTC and found.end.tzinfo is UTC


@pytest.mark.parametrize(
    ("phrase", "hour", "minute"),
    [
        pytest.param("tomorrow at 1", 13, 0, id="1-is-pm"),
        pytest.param("tomorrow at 7", 19, 0, id="7-is-pm"),
        pytest.param("tomorrow at 8", 8, 0, id="8-is-am"),
        pytest.param("tomorrow at 11:45", 11, 45, id="11-is-am"),
        pytest.param("tomorrow at 12", 12, 0, id="12-is-noon"),
        pytest.param("tomorrow at 12am", 0, 0, id="12am-is-midnight"),
        pytest.param("tomorrow at 07:00", 7, 0, id="zero-padded-is-24-hour"),
        pytest.param("tomorrow at 7 am", 7, 0, id="said-am"),
        pytest.param("tomorrow at 9 PM", 21, 0, id="said-pm"),
        pytest.param("tomorrow morning at 7", 7, 0, id="morning-makes-am"),
        pytest.param("tomorrow evening at 9", 21, 0, id="evening-makes-pm"),
        pytest.param("tomorrow 19:30", 19, 30, id="24-hour-with-minutes"),
    ],
)
def test_hours_without_am_or_pm_take_the_business_reading(
    phrase: str, hour: int, minute: int
) -> None:
    start = window(phrase).start.astimezone(NEW_YORK)
    assert (start.date(), start.hour, start.minute) == (date(2026, 11, 25), hour, minute)


@pytest.mark.parametrize(
    ("said", "phrase", "day"),
    [
        pytest.param("2026-11-25", "next friday", "2026-12-04", id="wednesday-next-friday"),
        pytest.param("2026-11-25", "friday", "2026-11-27", id="wednesday-friday"),
        pytest.param("2026-11-25", "this friday", "2026-11-27", id="wednesday-this-friday"),
        pytest.param("2026-11-29", "next monday", "2026-11-30", id="sunday-next-monday"),
        pytest.param("2026-11-29", "monday", "2026-11-30", id="sunday-monday"),
        pytest.param("2026-11-27", "next friday", "2026-12-04", id="friday-next-friday"),
        pytest.param("2026-11-27", "friday", "2026-11-27", id="friday-friday-is-today"),
        pytest.param("2026-11-27", "friday at 9", "2026-12-04", id="friday-passed-hour-next-week"),
        pytest.param("2026-11-27", "the 27th", "2026-11-27", id="the-nth-today"),
        pytest.param("2026-11-27", "the 26th", "2026-12-26", id="the-nth-passed"),
        pytest.param("2026-11-27", "the 31st", "2026-12-31", id="the-31st-skips-november"),
        pytest.param("2026-11-27", "february 29", "2028-02-29", id="leap-day-next-leap-year"),
        pytest.param("2026-11-28", "weekend", "2026-11-28", id="saturday-weekend-today"),
        pytest.param("2026-11-29", "this weekend", "2026-11-29", id="sunday-weekend-today"),
        pytest.param("2026-11-29", "this week", "2026-11-29", id="sunday-this-week-today"),
        pytest.param("2026-11-24", "this afternoon", "2026-11-25", id="afternoon-after-5pm"),
    ],
)
def test_which_day_a_phrase_means(said: str, phrase: str, day: str) -> None:
    found = window(phrase, said_on(said, "17:30"))
    assert found.start.astimezone(NEW_YORK).date() == date.fromisoformat(day)


def test_ranges_keep_a_span_per_day() -> None:
    found = window("next week mornings")
    assert found.understood == (
        "next week mornings, Monday, November 30 through Sunday, December 6"
    )
    assert [(local(s), local(e)[-5:]) for s, e in found.spans] == [
        (f"{day} 08:00", "12:00")
        for day in ("Mon 11-30", "Tue 12-01", "Wed 12-02", "Thu 12-03", "Fri 12-04",
                    "Sat 12-05", "Sun 12-06")
    ]  # fmt: skip
    assert found.covers(datetime(2026, 12, 2, 9, 30, tzinfo=NEW_YORK))
    assert not found.covers(datetime(2026, 12, 2, 13, 0, tzinfo=NEW_YORK))
    assert not found.covers(datetime(2026, 12, 2, 12, 0, tzinfo=NEW_YORK))


def test_past_days_of_a_range_are_dropped_and_the_current_one_starts_now() -> None:
    found = window("this week in the afternoon", said_on("2026-11-27", "13:00"))
    assert [local(s) for s, _ in found.spans] == [
        "Fri 11-27 13:00", "Sat 11-28 12:00", "Sun 11-29 12:00"
    ]  # fmt: skip


NO_PREFERENCE = [None, "", "  ", "anytime", "any time", "ASAP", "soonest", "earliest available",
                 "whenever", "as soon as possible"]  # fmt: skip


@pytest.mark.parametrize("phrase", NO_PREFERENCE)
def test_no_preference_searches_from_now(phrase: str | None) -> None:
    found = window(phrase)
    assert found.start == NOW.astimezone(UTC)
    assert local(found.end) == "Tue 12-08 00:00"
    assert found.understood == "any time in the next 14 days"
    short = resolve(phrase, NOW, NEW_YORK, search_days=2)
    assert isinstance(short, Window)
    assert local(short.end) == "Thu 11-26 00:00"


def test_any_part_of_the_day_over_the_search_days() -> None:
    found = window("any afternoon")
    assert found.understood == "any afternoon in the next 14 days"
    assert len(found.spans) == 14
    assert local(found.spans[0][0]) == "Tue 11-24 12:00"
    assert local(found.end) == "Mon 12-07 17:00"


@pytest.mark.parametrize(
    ("phrase", "now", "reason"),
    [
        pytest.param("um", NOW, "I didn't catch a day or time", id="nothing-recognised"),
        pytest.param("next", NOW, "I didn't catch a day or time", id="a-lone-modifier"),
        pytest.param("february 30", NOW, "there's no February 30", id="no-such-date"),
        pytest.param("the 32nd", NOW, "I didn't catch that date", id="no-such-day-of-month"),
        pytest.param("12/3/2025", NOW, "that day has already passed", id="past-year"),
        pytest.param("tuesday december 3", NOW, "December 3 is a Thursday, not a Tuesday",
                     id="weekday-disagrees-with-date"),
        pytest.param("today at 9", NOW, "that time has already passed", id="today-hour-passed"),
        pytest.param("this morning", said_on("2026-11-24", "13:00"), None,
                     id="time-alone-never-passed"),
        pytest.param("today morning", said_on("2026-11-24", "13:00"),
                     "that time has already passed", id="today-part-passed"),
        pytest.param("tonight", said_on("2026-11-24", "21:00"), "that time has already passed",
                     id="tonight-over"),
        pytest.param("this weekend", said_on("2026-11-29", "23:59:59.999999"), None,
                     id="sunday-last-moment"),
        pytest.param("at 25", NOW, "I didn't catch that time", id="no-such-hour"),
        pytest.param("at 3:75", NOW, "I didn't catch that time", id="no-such-minute"),
        pytest.param("13 pm", NOW, "I didn't catch that time", id="pm-past-12"),
        pytest.param("between 4 pm and 2 pm", NOW, "I didn't catch that time",
                     id="range-ending-before-it-starts"),
    ],
)  # fmt: skip
def test_what_cannot_be_resolved_says_why(phrase: str, now: datetime, reason: str | None) -> None:
    result = resolve(phrase, now, NEW_YORK)
    if reason is None:
        assert isinstance(result, Window)
    else:
        assert result == Unresolved(reason)


def test_a_naive_now_or_no_search_days_is_a_bug() -> None:
    with pytest.raises(ValueError, match="aware"):
        resolve("tomorrow", datetime(2026, 11, 24, 10), NEW_YORK)  # noqa: DTZ001
    with pytest.raises(ValueError, match="search_days"):
        resolve("tomorrow", NOW, NEW_YORK, search_days=0)


# --- daylight saving: 2026-03-08 02:00 → 03:00 and 2026-11-01 02:00 → 01:00 (US zones) --------


@pytest.mark.parametrize(
    ("zone", "said", "start", "end", "day_hours"),
    [
        pytest.param(NEW_YORK, "2026-03-07", "2026-03-08T12:00Z", "2026-03-08T16:00Z", 23,
                     id="new-york-spring-forward"),
        pytest.param(NEW_YORK, "2026-10-31", "2026-11-01T13:00Z", "2026-11-01T17:00Z", 25,
                     id="new-york-fall-back"),
        pytest.param(LOS_ANGELES, "2026-03-07", "2026-03-08T15:00Z", "2026-03-08T19:00Z", 23,
                     id="los-angeles-spring-forward"),
        pytest.param(LOS_ANGELES, "2026-10-31", "2026-11-01T16:00Z", "2026-11-01T20:00Z", 25,
                     id="los-angeles-fall-back"),
        pytest.param(PHOENIX, "2026-03-07", "2026-03-08T15:00Z", "2026-03-08T19:00Z", 24,
                     id="phoenix-no-change-in-march"),
        pytest.param(PHOENIX, "2026-10-31", "2026-11-01T15:00Z", "2026-11-01T19:00Z", 24,
                     id="phoenix-no-change-in-november"),
    ],
)  # fmt: skip
def test_tomorrow_morning_across_a_clock_change(
    zone: ZoneInfo, said: str, start: str, end: str, day_hours: int
) -> None:
    now = said_on(said, "15:00", zone)
    morning = window("tomorrow morning", now, zone)
    assert (morning.start, morning.end) == (
        datetime.fromisoformat(start),
        datetime.fromisoformat(end),
    )
    whole = window("tomorrow", now, zone)
    assert whole.end - whole.start == timedelta(hours=day_hours)
    assert whole.start.astimezone(zone).hour == 0 and whole.end.astimezone(zone).hour == 0


def test_an_hour_the_clocks_skip_cannot_be_booked() -> None:
    now = said_on("2026-03-07", "15:00")
    assert resolve("tomorrow at 2:30 am", now, NEW_YORK) == Unresolved(
        "that time doesn't exist that day: the clocks go forward"
    )
    around = window("tomorrow around 2:30 am", now)
    assert (around.start, around.end) == (
        datetime(2026, 3, 8, 6, 30, tzinfo=UTC),
        datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
    )
    assert window("tomorrow at 2:30 am", now, PHOENIX).start == datetime(
        2026, 3, 8, 9, 30, tzinfo=UTC
    )


def test_an_hour_that_happens_twice_is_its_first_occurrence() -> None:
    found = window("tomorrow at 1:30 am", said_on("2026-10-31", "15:00"))
    # 01:30 EDT (05:30Z) to 02:30 EST (07:30Z): the repeated hour is inside the window.
    assert (found.start, found.end) == (
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 7, 30, tzinfo=UTC),
    )


# --- parse_moment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "zone", "expected"),
    [
        pytest.param("2026-11-25T14:30:00Z", NEW_YORK, "2026-11-25T14:30Z", id="utc-z"),
        pytest.param("2026-11-25T14:30:00-08:00", NEW_YORK, "2026-11-25T22:30Z", id="offset"),
        pytest.param("2026-11-25T14:30", NEW_YORK, "2026-11-25T19:30Z", id="naive-is-local"),
        pytest.param("2026-11-25 14:30", LOS_ANGELES, "2026-11-25T22:30Z", id="space-separated"),
        pytest.param("2026-07-01T14:30", PHOENIX, "2026-07-01T21:30Z", id="phoenix-summer"),
        pytest.param("2026-03-08T02:30", NEW_YORK, "2026-03-08T07:30Z",
                     id="skipped-time-shifts-forward"),
        pytest.param("2026-03-08T02:30", LOS_ANGELES, "2026-03-08T10:30Z",
                     id="skipped-time-shifts-forward-pacific"),
        pytest.param("2026-03-08T02:30", PHOENIX, "2026-03-08T09:30Z", id="phoenix-no-gap"),
        pytest.param("2026-11-01T01:30", NEW_YORK, "2026-11-01T05:30Z",
                     id="repeated-time-first-occurrence"),
        pytest.param("2026-11-01T01:30", LOS_ANGELES, "2026-11-01T08:30Z",
                     id="repeated-time-first-occurrence-pacific"),
        pytest.param("2026-11-01T01:30-05:00", NEW_YORK, "2026-11-01T06:30Z",
                     id="repeated-time-with-offset-is-exact"),
        pytest.param("Wednesday, November 25 at 2:30 PM Eastern time", NEW_YORK,
                     "2026-11-25T19:30Z", id="what-speak-says"),
        pytest.param("November 25 at 2 PM", NEW_YORK, "2026-11-25T19:00Z", id="spoken-short"),
        pytest.param("Friday, January 8, 2027 at 9 AM Pacific time", LOS_ANGELES,
                     "2027-01-08T17:00Z", id="spoken-with-year"),
    ],
)  # fmt: skip
def test_parse_moment(value: str, zone: ZoneInfo, expected: str) -> None:
    assert parse_moment(value, zone, now=NOW) == datetime.fromisoformat(expected)


@pytest.mark.parametrize(
    ("value", "now"),
    [
        pytest.param("", NOW, id="empty"),
        pytest.param("soon", NOW, id="words"),
        pytest.param("2026-11-25", NOW, id="a-date-is-not-a-moment"),
        pytest.param("2026-13-01T10:00", NOW, id="no-such-month"),
        pytest.param("2026-11-25T25:00", NOW, id="no-such-hour"),
        pytest.param("Tuesday, November 25 at 2:30 PM Eastern time", NOW, id="wrong-weekday"),
        pytest.param("Wednesday, November 25 at 2:30 PM Pacific time", NOW, id="other-zone"),
        pytest.param("Wednesday, November 25 at 2:30 PM Eastern time", None, id="no-year-no-now"),
        pytest.param("February 30 at 2 PM", NOW, id="no-such-date"),
    ],
)
def test_parse_moment_refuses_to_guess(value: str, now: datetime | None) -> None:
    assert parse_moment(value, NEW_YORK, now=now) is None


# --- properties ------------------------------------------------------------------------------

# Santiago changes clocks at midnight, Lord Howe by half an hour.
ZONES = [NEW_YORK, LOS_ANGELES, PHOENIX, ZoneInfo("America/Santiago"),
         ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata"),
         ZoneInfo("Europe/London")]  # fmt: skip
DAYS = ["", "today", "tonight", "tomorrow", "day after tomorrow", "tuesday", "this friday",
        "next tuesday", "sunday after next", "this week", "next week", "in 3 days",
        "december 3", "dec 31st", "the 1st", "the 31st", "2/29", "weekend", "next weekend",
        "anytime", "asap", "whenever"]  # fmt: skip
TIMES = ["", "morning", "afternoon", "evening", "lunch", "noon", "at 3", "3pm", "3:30 p.m.",
         "15:00", "around 2", "after 4", "before noon", "before 11", "between 2 and 4",
         "at 12am", "11:30 pm", "around 11:30pm", "around 12:15 am", "at 2:30 am",
         "early morning", "late evening"]  # fmt: skip
# Days that are never behind (they roll forward or lie ahead) and times that exist every day.
AHEAD = {"", "tomorrow", "day after tomorrow", "tuesday", "this friday", "next tuesday",
         "sunday after next", "next week", "in 3 days", "next weekend", "anytime", "asap",
         "whenever"}  # fmt: skip
naive_moments = st.datetimes(  # hypothesis bounds are naive; the zone is attached after
    datetime.fromisoformat("2020-01-01"), datetime.fromisoformat("2035-12-31")
)
moments = naive_moments.map(lambda naive: naive.replace(tzinfo=UTC))


@given(moments, st.sampled_from(ZONES), st.sampled_from(DAYS), st.sampled_from(TIMES))
def test_a_window_is_ahead_of_now_and_in_utc(
    now: datetime, zone: ZoneInfo, day: str, hours: str
) -> None:
    result = resolve(f"{day} {hours}", now, zone)
    if isinstance(result, Unresolved):
        assert result.reason
        assert day not in AHEAD or hours == "at 2:30 am"
        return
    assert now <= result.start < result.end
    assert result.start.tzinfo is UTC and result.end.tzinfo is UTC
    assert (result.start, result.end) == (result.spans[0][0], result.spans[-1][1])
    for (start, end), (after, _) in zip(result.spans, result.spans[1:], strict=False):
        assert start < end <= after
    assert result.covers(result.start) and not result.covers(result.end)
    assert result.understood


@given(
    naive_moments,
    st.sampled_from(ZONES),
    st.integers(0, 300),
)
def test_what_speak_says_reads_back_as_the_same_moment(
    naive: datetime, zone: ZoneInfo, days_before: int
) -> None:
    moment = naive.replace(second=0, microsecond=0, tzinfo=UTC)
    now = moment - timedelta(days=days_before)
    parsed = parse_moment(speak(moment, zone), zone, now=now)
    if moment.astimezone(zone).fold == 0:
        assert parsed == moment
    else:  # the second pass through a repeated hour reads as the first, an hour or so earlier
        assert parsed is not None and parsed < moment
