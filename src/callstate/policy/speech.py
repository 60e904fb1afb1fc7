"""Times said to a caller: in the caller's own zone, the way a person reads a clock aloud.

The voice agent repeats these strings word for word, so they carry no abbreviations a
text-to-speech engine could misread ("EST", "11/25"): "Tuesday, November 25 at 2:30 PM Eastern
time". The zone's offset is the one in force on that date, so an instant either side of a daylight
saving change is read with the right hour. `caller_zone` picks which zone that is from the
caller's number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from itertools import groupby
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as phone_zones

_EASTERN, _CENTRAL, _MOUNTAIN, _PACIFIC = "Eastern", "Central", "Mountain", "Pacific"
# The names North American callers use for their own zone. IANA keeps one zone per region with a
# distinct history, so several keys share a spoken name (Detroit and Indiana are Eastern time).
_SPOKEN: dict[str, str] = {
    "America/New_York": _EASTERN,
    "America/Detroit": _EASTERN,
    "America/Toronto": _EASTERN,
    "America/Indiana/Indianapolis": _EASTERN,
    "America/Kentucky/Louisville": _EASTERN,
    "America/Chicago": _CENTRAL,
    "America/Winnipeg": _CENTRAL,
    "America/Menominee": _CENTRAL,
    "America/North_Dakota/Center": _CENTRAL,
    "America/Denver": _MOUNTAIN,
    "America/Boise": _MOUNTAIN,
    "America/Edmonton": _MOUNTAIN,
    "America/Phoenix": "Arizona",  # Mountain Standard all year: "Mountain time" misleads in summer
    "America/Los_Angeles": _PACIFIC,
    "America/Vancouver": _PACIFIC,
    "America/Anchorage": "Alaska",
    "America/Juneau": "Alaska",
    "America/Adak": "Hawaii-Aleutian",
    "Pacific/Honolulu": "Hawaii",
    "America/Puerto_Rico": "Atlantic",
    "America/Halifax": "Atlantic",
}
_NOT_A_PLACE = "Etc/Unknown"  # what phonenumbers answers for numbers tied to no region


def zone_name(zone: ZoneInfo) -> str:
    """The zone as a caller names it: "Eastern time" for the well-known North American zones,
    else the zone's city ("Europe/London" → "London time")."""
    key = zone.key
    name = _SPOKEN.get(key) or key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{name} time"


def speak_date(day: date, *, year: bool = False) -> str:
    """A date as said aloud, "Tuesday, November 25"; `year` adds ", 2027" (for dates outside
    the current year)."""
    text = f"{day:%A}, {day:%B} {day.day}"
    return f"{text}, {day.year}" if year else text


def speak_clock(hour: int, minute: int) -> str:
    """12-hour clock as said aloud: "2 PM" on the hour, "2:30 PM", "12 AM" for midnight."""
    half = "AM" if hour < 12 else "PM"
    twelve = hour % 12 or 12
    return f"{twelve} {half}" if minute == 0 else f"{twelve}:{minute:02d} {half}"


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("speak needs an aware datetime")
    return moment.astimezone(zone)


def speak(moment: datetime, zone: ZoneInfo) -> str:
    """One instant as said aloud, "Tuesday, November 25 at 2:30 PM Eastern time": the weekday is
    said so that a caller can catch a wrong date."""
    local = _local(moment, zone)
    return (
        f"{speak_date(local.date())} at {speak_clock(local.hour, local.minute)} {zone_name(zone)}"
    )


def _or(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def speak_list(moments: Sequence[datetime], zone: ZoneInfo) -> str:
    """Several times, each date said once and the zone said once, in time order, repeats dropped:
    "Tuesday, November 25 at 2 PM, 3 PM or 4:30 PM, or Wednesday, November 26 at 10 AM Eastern
    time". Raises ValueError for an empty list: saying nothing is the caller's decision."""
    if not moments:
        raise ValueError("speak_list needs at least one moment")
    local = sorted({_local(m, zone) for m in moments})
    days = [
        f"{speak_date(day)} at {_or([speak_clock(t.hour, t.minute) for t in times])}"
        for day, times in groupby(local, key=lambda t: t.date())
    ]
    said = days[0] if len(days) == 1 else f"{', '.join(days[:-1])}, or {days[-1]}"
    return f"{said} {zone_name(zone)}"


def _loadable(key: str) -> bool:
    try:
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


# Midwinter and midsummer: two zones showing the same offsets on both keep the same clock.
_PROBES = (datetime(2026, 1, 15, 12, tzinfo=UTC), datetime(2026, 7, 15, 12, tzinfo=UTC))
# Adak shares Alaska's 907 with Anchorage, but a few hundred people live there.
_RARELY_MEANT = frozenset({"America/Adak"})


def _same_clock(zones: Sequence[str]) -> bool:
    offsets = {tuple(probe.astimezone(ZoneInfo(z)).utcoffset() for probe in _PROBES) for z in zones}
    return len(offsets) == 1


def _landline_zone(number: phonenumbers.PhoneNumber) -> str | None:
    """The zone of the example landline of the calling code's main country ("Europe/London"
    for +44, which Jersey, Guernsey and the Isle of Man share)."""
    if number.country_code is None:
        return None
    region = phonenumbers.region_code_for_country_code(number.country_code)
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
    if example is None:
        return None
    zones = phone_zones.time_zones_for_number(example)
    return zones[0] if len(zones) == 1 else None


def caller_zone(phone: str | None, default: str) -> str:
    """The IANA zone a caller most likely lives in, from their number; `default` (the
    workspace's zone) when the number does not tell.

    One zone for the number: that zone (a New York area code, a French mobile). Several for a
    geographic number (an area code across a zone line): the first, skipping zones rarely meant
    (Alaska's 907 reads as Anchorage, not Adak). Several for a non-geographic number: when they
    all keep the same clock (a UK mobile: London, Jersey, Guernsey, Isle of Man) the country's
    main zone, otherwise (US toll-free lists every North American zone, an Australian mobile every
    Australian one) the number says nothing, so `default`.
    """
    if not phone or not phone.strip():
        return default
    try:
        number = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return default
    zones = [
        z for z in phone_zones.time_zones_for_number(number) if z != _NOT_A_PLACE and _loadable(z)
    ]
    if len(zones) <= 1:
        return zones[0] if zones else default
    if phonenumbers.is_number_geographical(number):
        return next((z for z in zones if z not in _RARELY_MEANT), zones[0])
    if _same_clock(zones):
        main = _landline_zone(number)
        return main if main in zones else zones[0]
    return default
