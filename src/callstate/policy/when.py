"""A caller's own words for when ("tomorrow afternoon", "next tuesday at 3") → a search window.

The voice agent passes what the caller said; reading it here rather than in the LLM means the
reading is the same every time, uses the caller's zone and the real current time, and is tested.
Everything decides by the `now` and the zone it is given. The module is longer than most because
the phrase grammar and the readings below belong together.

Readings (the common US ones; each has a test):
- "tuesday", "this tuesday": the coming Tuesday. Said on a Tuesday: today while the asked time is
  still ahead, else a week later.
- "next tuesday", "tuesday next week": Tuesday of next week, weeks running Monday to Sunday as
  "next week" does. Said on a Wednesday, "next friday" is nine days away, not two; said on a
  Sunday, "next monday" is tomorrow. "tuesday after next" is a week later still.
- a time with no day ("at 3", "this afternoon"): today while still ahead, else tomorrow. A clock
  time is behind once it has struck; a part of the day once it has ended.
- a month and day already past this year: next year's. "the 3rd": this month's unless past, else
  the next month that has one. A weekday said with a date must be that date's.
- an hour without am/pm: 1-7 → PM, 8-11 → AM, 12 → noon, 13-23 and zero-padded ("07:00") → the
  24-hour clock; a part of the day said with it decides ("tonight at 8" → 8 PM).
- "at 3": the hour from 3:00 (slots starting then or soon after); "around 2": 1:00-3:00; "after 4":
  4:00 to midnight; "before 11": midnight to 11:00; "between 2 and 4": 2:00-4:00.
- morning 8-12, afternoon 12-17, evening (and night) 17-20, lunch 12-13; "early"/"late" take the
  first or second half.
- Days are local midnight to local midnight, so 23 or 25 hours long on the days clocks change.
  A local time that does not exist (02:30 when clocks spring from 02:00 to 03:00) reads with the
  offset before the change, so an hour later on the new clock (03:30); one that happens twice
  (01:30 when clocks fall back) is its first occurrence (fold=0). Both are zoneinfo's PEP 495
  reading of `fold=0`.

Over 400 lines on purpose: one small grammar of spoken times (days, weekdays, dates, parts
of day, clock times, ranges) whose rules refer to each other; split, each part would need the
others' tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from callstate.policy.speech import speak_clock, speak_date, zone_name

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Window:
    """Where to look for free slots: aware UTC, `now <= start < end`. `spans` are the exact
    intervals inside it (one per day for "next week mornings"); `understood` is how the phrase
    was read, for the agent to say back."""

    start: datetime
    end: datetime
    understood: str
    spans: tuple[Span, ...]

    def covers(self, moment: datetime) -> bool:
        """Whether a slot starting at `moment` is one the caller asked for."""
        return any(start <= moment < end for start, end in self.spans)


@dataclass(frozen=True, slots=True)
class Unresolved:
    reason: str  # speakable: "that day has already passed"


_DAY = 24 * 60
_NAMES_OF_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAYS = {name: n for n, name in enumerate(_NAMES_OF_DAYS)} | {
    "mon": 0, "tues": 1, "tue": 1, "weds": 2, "wed": 2, "thurs": 3, "thur": 3, "thu": 3,
    "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")  # fmt: skip
_MONTHS = (
    {name: n for n, name in enumerate(_MONTH_NAMES, 1)}
    | {name[:3]: n for n, name in enumerate(_MONTH_NAMES, 1)}
    | {"sept": 9}
)
_PARTS = {"morning": (480, 720), "afternoon": (720, 1020), "evening": (1020, 1200),
          "night": (1020, 1200), "lunch": (720, 780), "lunchtime": (720, 780)}  # fmt: skip
_AFTERNOONISH = frozenset({"afternoon", "evening", "night", "lunch", "lunchtime"})


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation, longest first so that "tuesday" wins over "tue"."""
    return "|".join(sorted(words, key=len, reverse=True))


_WD = _alternatives(_WEEKDAYS)
_MON = _alternatives(_MONTHS)
_CLOCK = r"(?:noon|midday|\d{1,2}(?::\d{2})?(?: ?[ap]m)?)"
_PART = r"(?:(?:early|late|mid) )?(?:morning|afternoon|evening|night|lunch ?time|lunch)s?"
_NOT_A_CLOCK = r"(?! ?(?:days?|weeks?|months?|min|mins|minutes?|hours?|hrs?|people)\b)"
_ANYTIME = re.compile(
    r"\b(?:any ?time|asap|as soon as possible|soonest|earliest|whenever|first available"
    r"|next available|any)\b"
)

# --- words to a normal form ------------------------------------------------------------------

_CARDINALS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
              "ten", "eleven", "twelve")  # fmt: skip
_UNITS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
_TENS = ("tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
         "seventeenth", "eighteenth", "nineteenth", "twentieth")  # fmt: skip
_ORDINALS = (
    {word: n for n, word in enumerate(_UNITS, 1)}
    | {word: n for n, word in enumerate(_TENS, 10)}
    | {f"twenty {word}": 20 + n for n, word in enumerate(_UNITS, 1)}
    | {"thirtieth": 30, "thirty first": 31}
)
_MINUTES = {"oh five": 5, "fifteen": 15, "thirty": 30, "forty five": 45}
Replacement = str | Callable[[re.Match[str]], str]
_SUBSTITUTIONS: tuple[tuple[str, Replacement], ...] = (
    (r"\b([ap])\.\s?m\b\.?", r"\1m"),
    (r"(\d)\.(\d\d)\b", r"\1:\2"),
    (r"(?<=[a-z])-(?=[a-z])", " "),
    (r"[^a-z0-9:/@\- ]", " "),
    (r"\s+", " "),
    (r"\bo ?clock\b", ""),
    (r"\b(\d{1,2})(?:st|nd|rd|th)\b", r"\1th"),
    # only where a date is meant ("the third", "march third"), never "first available"
    (rf"\b(the|{_MON}) ({_alternatives(_ORDINALS)})\b", lambda m: f"{m[1]} {_ORDINALS[m[2]]}th"),
    (rf"\b({_alternatives(_ORDINALS)}) of\b", lambda m: f"{_ORDINALS[m[1]]}th of"),
    (rf"\b({_alternatives(_CARDINALS)})\b", lambda m: str(_CARDINALS.index(m[1]))),
    (rf"\b(\d{{1,2}}) ({_alternatives(_MINUTES)})\b", lambda m: f"{m[1]}:{_MINUTES[m[2]]:02d}"),
    (r"\bhalf past (\d{1,2})\b", r"\1:30"),
    (r"\bquarter (?:past|after) (\d{1,2})\b", r"\1:15"),
    (r"\bquarter (?:to|of) (\d{1,2})\b", lambda m: f"{(int(m[1]) - 2) % 12 + 1}:45"),
    (r"(\d)([ap]m)\b", r"\1 \2"),
    (r"\s+", " "),
)


def _normalise(phrase: str) -> str:
    """Lower case, no punctuation, numbers as digits ("three thirty p.m." → "3:30 pm"),
    ordinals as "3th" so that "the 3rd" and "the third" read alike."""
    text = phrase.casefold()
    for pattern, replacement in _SUBSTITUTIONS:
        text = re.sub(pattern, replacement, text)
    return text.strip()


def _cut(text: str, match: re.Match[str]) -> str:
    return f"{text[: match.start()]} {text[match.end() :]}"


# --- days ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Days:
    first: date
    last: date
    label: str = ""  # "next week", "tonight"; other single days are named by their date
    roll: int = 0  # days to move on when the asked time on `first` is already behind
    part: str | None = None  # a part of the day the day word implies ("tonight")
    anytime: bool = False


def _on(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _no_such(month: int, day: int) -> Unresolved:
    if 1 <= month <= 12:
        return Unresolved(f"there's no {_MONTH_NAMES[month - 1].title()} {day}")
    return Unresolved("I didn't catch that date")


def _dated(month: int, day: int, year: int | None, today: date) -> date | Unresolved:
    """A month and day; without a year the next one not already past (February 29 included)."""
    if year is not None:
        found = _on(year, month, day)
        if found is None:
            return _no_such(month, day)
        return found if found >= today else Unresolved("that day has already passed")
    for candidate in range(today.year, today.year + 5):
        found = _on(candidate, month, day)
        if found is not None and found >= today:
            return found
    return _no_such(month, day)


def _of_month(day: int, today: date) -> date | Unresolved:
    for ahead in range(13):
        month = (today.month - 1 + ahead) % 12 + 1
        found = _on(today.year + (today.month - 1 + ahead) // 12, month, day)
        if found is not None and found >= today:
            return found
    return Unresolved("I didn't catch that date")


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


_NOT_AN_HOUR = r"(?!:| ?[ap]m\b)"
_DATES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[int, int, str | None]]], ...]
_DATES = (
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), lambda m: (int(m[2]), int(m[3]), m[1])),
    (
        re.compile(r"\b(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?\b"),
        lambda m: (int(m[1]), int(m[2]), m[3]),
    ),
    (
        re.compile(rf"\b({_MON}) (?:the )?(\d{{1,2}})(?:th)?\b{_NOT_AN_HOUR}(?: (\d{{4}}))?"),
        lambda m: (_MONTHS[m[1]], int(m[2]), m[3]),
    ),
    (
        re.compile(rf"\b(?:the )?(\d{{1,2}})th (?:of )?({_MON})\b(?: (\d{{4}}))?"),
        lambda m: (_MONTHS[m[2]], int(m[1]), m[3]),
    ),
)
_NTH = re.compile(r"\b(?:the )?(\d{1,2})th\b")
_WEEKDAY = re.compile(
    rf"\b(?:(this|next|the following|following) )?(?:coming )?({_WD})s?\b( after next)?"
)
_RELATIVE: tuple[tuple[re.Pattern[str], int, str | None], ...] = (
    (re.compile(r"\bday after (?:tomorrow|tmrw)\b"), 2, None),
    (re.compile(r"\b(?:tomorrow|tomorow|tommorow|tmrw|tmr)\b"), 1, None),
    (re.compile(r"\btoday\b"), 0, None),
    (re.compile(r"\btonight\b"), 0, "evening"),  # before "night" is read as a part of the day
)
_IN_DAYS = re.compile(r"\bin (\d{1,2}|a|an|a couple(?: of)?|a few) (days?|weeks?)\b")
_COUNTS = {"a": 1, "an": 1, "a couple": 2, "a couple of": 2, "a few": 3}
_WEEKEND = re.compile(r"\b(?:(this|next|the) )?weekend\b")
_WEEK = re.compile(r"\b(this|next|the following) week\b")
_NEXT_WEEK = re.compile(r"\b(?:next|the following) week\b")


def _date_in(text: str, today: date) -> tuple[date | Unresolved, re.Match[str]] | None:
    for pattern, fields in _DATES:
        if (match := pattern.search(text)) is not None:
            month, day, year = fields(match)
            return _dated(month, day, _year(year), today), match
    if (match := _NTH.search(text)) is not None:
        return _of_month(int(match[1]), today), match
    return None


def _explicit_date(text: str, today: date) -> tuple[_Days, str] | Unresolved | None:
    """A calendar date; a weekday said with it must agree ("tuesday december 3" is a slip)."""
    dated = _date_in(text, today)
    if dated is None:
        return None
    found, match = dated
    if isinstance(found, Unresolved):
        return found
    rest = _cut(text, match)
    said = _WEEKDAY.search(rest)
    if said is None:
        return _Days(found, found), rest
    weekday = _WEEKDAYS[said[2]]
    if weekday != found.weekday():
        named = _NAMES_OF_DAYS[weekday].title()
        return Unresolved(f"{found:%B} {found.day} is a {found:%A}, not a {named}")
    return _Days(found, found), _cut(rest, said)


def _days(text: str, today: date) -> tuple[_Days | None, str] | Unresolved:
    """The day or days the phrase names (at most one reading, explicit dates first) and the
    text left for the time of day."""
    dated = _explicit_date(text, today)
    if dated is not None:
        return dated
    for pattern, ahead, part in _RELATIVE:
        if (match := pattern.search(text)) is not None:
            day = today + timedelta(days=ahead)
            label = "tonight" if part else ""
            return _Days(day, day, label, part=part), _cut(text, match)
    if (match := _IN_DAYS.search(text)) is not None:
        count = _COUNTS[match[1]] if match[1] in _COUNTS else int(match[1])
        day = today + timedelta(days=count * (7 if match[2].startswith("week") else 1))
        return _Days(day, day), _cut(text, match)
    monday_next = today + timedelta(days=7 - today.weekday())
    if (match := _WEEKDAY.search(text)) is not None:
        weekday, rest = _WEEKDAYS[match[2]], _cut(text, match)
        following = _NEXT_WEEK.search(rest)
        if match[1] in ("next", "the following", "following") or following or match[3]:
            day = monday_next + timedelta(days=weekday + (7 if match[3] else 0))
            return _Days(day, day), rest if following is None else _cut(rest, following)
        ahead = (weekday - today.weekday()) % 7
        day = today + timedelta(days=ahead)
        return _Days(day, day, roll=7 if ahead == 0 else 0), rest
    if (match := _WEEKEND.search(text)) is not None:
        if match[1] == "next":
            saturday = monday_next + timedelta(days=5)
            return _Days(saturday, saturday + timedelta(days=1), "next weekend"), _cut(text, match)
        saturday = today + timedelta(days=max(0, 5 - today.weekday()))
        sunday = monday_next - timedelta(days=1)
        return _Days(saturday, sunday, "this weekend"), _cut(text, match)
    if (match := _WEEK.search(text)) is not None:
        if match[1] == "this":
            return _Days(today, monday_next - timedelta(days=1), "this week"), _cut(text, match)
        return _Days(monday_next, monday_next + timedelta(days=6), "next week"), _cut(text, match)
    return None, text


# --- time of day -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Hours:
    start: int  # minutes after local midnight
    end: int  # up to 24 * 60
    said: str  # "afternoon", "at 3 PM"
    part: bool  # a part of the day rather than a clock time
    exact: bool = False  # "at 3": behind once 3:00 has struck


_CLOCK_FIELDS = re.compile(r"(?:(noon|midday)|(\d{1,2})(?::(\d{2}))?(?: ?([ap]m))?)")


def _readings(said: str, hint: str | None) -> list[int]:
    """Minutes after midnight a spoken clock time can mean, the likeliest first."""
    match = _CLOCK_FIELDS.fullmatch(said)
    if match is None:
        return []
    if match[1]:
        return [720]
    hour, minute, half = int(match[2]), int(match[3] or 0), match[4]
    if minute > 59:
        return []
    if half is not None:
        return [(hour % 12 + (12 if half == "pm" else 0)) * 60 + minute] if 1 <= hour <= 12 else []
    if hour > 23:
        return []
    if hour == 0 or hour >= 13 or match[2].startswith("0"):
        return [hour * 60 + minute]
    if hour == 12:
        return [720 + minute, minute]
    morning, later = hour * 60 + minute, (hour + 12) * 60 + minute
    if hint is not None:
        return [later] if hint in _AFTERNOONISH else [morning]
    return [later, morning] if hour <= 7 else [morning, later]


def _clock_text(minutes: int) -> str:
    return "noon" if minutes == 720 else speak_clock(minutes // 60, minutes % 60)


def _part(said: str) -> tuple[int, int, str]:
    words = said.removesuffix("s").replace("lunch time", "lunch").split()
    start, end = _PARTS[words[-1]]
    words[-1] = words[-1].replace("lunch", "lunchtime")
    if len(words) == 2:
        middle = (start + end) // 2
        start, end = {"early": (start, middle), "late": (middle, end)}.get(words[0], (start, end))
    return start, end, " ".join(words)


def _hours(text: str, implied: str | None) -> _Hours | Unresolved | None:
    """The time of day in what is left of the phrase; `implied` is a part the day word gave."""
    part = re.search(rf"\b{_PART}\b", text)
    hint = _part(part[0])[2].split()[-1] if part else implied
    if m := re.search(
        rf"\b(?:between|from) ({_CLOCK}) (?:and|to|until|till|-) ({_CLOCK})\b", text
    ) or (re.search(rf"\b({_CLOCK}) ?(?:-|to|until|till) ?({_CLOCK})\b", text)):
        pairs = [(s, e) for s in _readings(m[1], hint) for e in _readings(m[2], hint) if s < e]
        if not pairs:
            return Unresolved("I didn't catch that time")
        start, end = pairs[0]
        return _Hours(start, end, f"between {_clock_text(start)} and {_clock_text(end)}", False)
    relations = (
        (r"(?:around|about|roughly|approximately|approx|near|close to)", "around"),
        (r"(?:after|past|later than|no earlier than|from)", "after"),
        (r"(?:before|by|until|till|til|no later than|earlier than)", "before"),
    )
    for words, relation in relations:
        if (m := re.search(rf"\b{words} ({_CLOCK}|{_PART})\b", text)) is not None:
            return _related(relation, m[1], hint)
    if (m := re.search(rf"\b({_CLOCK}) ?-?ish\b", text)) is not None:
        return _related("around", m[1], hint)
    if (m := re.search(rf"(?:\b|@)({_CLOCK})\b{_NOT_A_CLOCK}", text)) is not None:
        return _related("at", m[1], hint)
    if part is not None:
        start, end, name = _part(part[0])
        return _Hours(start, end, name, True)
    if implied is not None:
        start, end = _PARTS[implied]
        return _Hours(start, end, implied, True)
    return None


def _related(relation: str, said: str, hint: str | None) -> _Hours | Unresolved:
    if re.fullmatch(_PART, said):
        start, end, name = _part(said)
        anchor = {"after": end, "before": start}.get(relation)
        if anchor is None:
            return _Hours(start, end, name, True)
    else:
        readings = _readings(said, hint)
        if not readings:
            return Unresolved("I didn't catch that time")
        anchor = readings[0]
    text = _clock_text(anchor)
    match relation:
        case "around":
            return _Hours(max(0, anchor - 60), min(_DAY, anchor + 60), f"around {text}", False)
        case "after":
            return _Hours(anchor, _DAY, f"after {text}", False)
        case "before":
            if anchor == 0:
                return Unresolved("I didn't catch that time")
            return _Hours(0, anchor, f"before {text}", False)
        case _:
            return _Hours(anchor, min(_DAY, anchor + 60), f"at {text}", False, exact=True)


# --- windows ---------------------------------------------------------------------------------


def _instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """Local wall time to UTC; fold=0 reads a skipped time with the old offset (an hour later on
    the new clock) and a repeated time as its first occurrence."""
    day, minutes = day + timedelta(days=minutes // _DAY), minutes % _DAY
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone).astimezone(UTC)


def _spans(days: _Days, hours: _Hours | None, zone: ZoneInfo) -> list[Span]:
    start, end = (hours.start, hours.end) if hours else (0, _DAY)
    count = (days.last - days.first).days + 1
    spans = [
        (_instant(day, start, zone), _instant(day, end, zone))
        for day in (days.first + timedelta(days=n) for n in range(count))
    ]
    return [(s, e) for s, e in spans if s < e]  # a clock hour skipped by spring forward is empty


def _behind(spans: list[Span], hours: _Hours | None, now: datetime) -> bool:
    if not spans:
        return True
    start, end = spans[0]
    return start < now if hours is not None and hours.exact else end <= now


def _understood(days: _Days, hours: _Hours | None, today: date) -> str:
    """How the phrase was read, said back to the caller: "tomorrow afternoon, Wednesday,
    November 25", "next week mornings, Monday, November 30 through Sunday, December 6"."""

    def said(day: date) -> str:
        return speak_date(day, year=day.year != today.year)

    if days.anytime:
        if hours is None:
            return f"any time {days.label}"
        return (
            f"any {hours.said} {days.label}"
            if hours.part
            else f"{hours.said}, any day {days.label}"
        )
    day = days.first
    if days.first != days.last or (days.label and days.label != "tonight"):
        through = said(day) if day == days.last else f"{said(day)} through {said(days.last)}"
        each = "" if hours is None else f" {hours.said}s" if hours.part else f" {hours.said}"
        return f"{days.label}{each}, {through}"
    named = {today: "today", today + timedelta(days=1): "tomorrow"}.get(day)
    if days.label == "tonight" and day == today:
        return (
            f"tonight, {said(day)}"
            if hours is None or hours.part
            else (f"tonight {hours.said}, {said(day)}")
        )
    if hours is None:
        return f"{named}, {said(day)}" if named else said(day)
    if named and hours.part:
        return f"{'this' if named == 'today' else named} {hours.said}, {said(day)}"
    if named:
        return f"{named} {hours.said}, {said(day)}"
    if hours.part:
        year = f", {day.year}" if day.year != today.year else ""
        return f"{day:%A} {hours.said}, {day:%B} {day.day}{year}"
    return f"{said(day)} {hours.said}"


def resolve(
    phrase: str | None, now: datetime, zone: ZoneInfo, *, search_days: int = 14
) -> Window | Unresolved:
    """The window the caller means, or why there is none. Empty or "anytime"/"asap"/
    "whenever"-like phrases (and "any afternoon") cover today and the next `search_days - 1`
    days from `now`. Filler words are ignored; a phrase with no day or time in it is Unresolved.
    Raises ValueError for a naive `now` or a `search_days` below 1 (caller bugs, not caller
    words)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("resolve needs an aware `now`")
    if search_days < 1:
        raise ValueError("search_days must be at least 1")
    now = now.astimezone(UTC)
    today = now.astimezone(zone).date()
    text = _normalise(phrase or "")
    anytime = not text or _ANYTIME.search(text) is not None
    found = _days(text, today)
    if isinstance(found, Unresolved):
        return found
    days, rest = found
    hours = _hours(rest, days.part if days else None)
    if isinstance(hours, Unresolved):
        return hours
    if days is None:
        if anytime:
            last = today + timedelta(days=search_days - 1)
            days = _Days(today, last, f"in the next {search_days} days", anytime=True)
        elif hours is None:
            return Unresolved("I didn't catch a day or time")
        else:
            days = _Days(today, today, roll=1)
    spans = _spans(days, hours, zone)
    if days.roll and _behind(spans, hours, now):
        later = today + timedelta(days=days.roll)
        days = _Days(later, later, days.label, part=days.part)
        spans = _spans(days, hours, zone)
    live = [(max(start, now), end) for start, end in spans if end > now]
    if not live:
        if not spans and hours is not None:
            return Unresolved("that time doesn't exist that day: the clocks go forward")
        return Unresolved(
            "that time has already passed" if hours else "that day has already passed"
        )
    return Window(live[0][0], live[-1][1], _understood(days, hours, today), tuple(live))


# --- one chosen moment -----------------------------------------------------------------------

_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[t ]\d{1,2}:\d{2}", re.IGNORECASE)
_SPOKEN = re.compile(
    rf"(?:({_WD}) )?({_MON}) (\d{{1,2}})(?:th)?(?: (\d{{4}}))?(?: at)? ({_CLOCK})(?: (.+) time)?"
)


def parse_moment(value: str, zone: ZoneInfo, *, now: datetime | None = None) -> datetime | None:
    """The start the agent chose, in UTC; None when unreadable.

    ISO 8601 with an offset or Z is that instant; without one it is wall time in `zone` (a
    skipped time reads an hour later on the new clock, a repeated one as its first occurrence).
    What `speak` says ("Tuesday, November 25 at 2:30 PM Eastern time") is read too: its year is
    the next such date from `now` (None without `now`), a weekday must match the date, and a
    zone name must be `zone`'s.
    """
    text = value.strip()
    if _ISO_MOMENT.match(text):
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zone)
        return parsed.astimezone(UTC)
    match = _SPOKEN.fullmatch(_normalise(text))
    if match is None:
        return None
    weekday, month, day, year, clock, named = match.groups()
    if named is not None and f"{named} time" != zone_name(zone).casefold():
        return None
    if year is not None:
        found: date | Unresolved | None = _on(int(year), _MONTHS[month], int(day))
    elif now is not None:
        found = _dated(_MONTHS[month], int(day), None, now.astimezone(zone).date())
    else:
        return None
    readings = _readings(clock, None)
    if found is None or isinstance(found, Unresolved) or not readings:
        return None
    if weekday is not None and _WEEKDAYS[weekday] != found.weekday():
        return None
    return _instant(found, readings[0], zone)
