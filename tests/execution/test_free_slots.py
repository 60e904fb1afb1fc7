"""`first_free`: asking a host's calendar for the first day, and for the rest only when needed,
finds the same host and speaks the same slots as asking for the whole range at once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from callstate.config.model import TeamMember
from callstate.domain.calendar import Attendee, Booking, Slot
from callstate.execution.meetings import first_free
from callstate.execution.tool_answers import spread

START = datetime(2026, 11, 27, 21, 30, tzinfo=UTC)  # a Friday afternoon in Chicago
END = START + timedelta(days=14)
HALF_HOURS = 14 * 48


class Diary:
    """A calendar port over fixed free slots that records the ranges it was asked for."""

    vendor = "diary"

    def __init__(self, free: dict[str, list[datetime]]) -> None:
        self._free = free
        self.asked: list[tuple[str, datetime, datetime]] = []

    def available_slots(self, event_type: str, start: datetime, end: datetime) -> list[Slot]:
        self.asked.append((event_type, start, end))
        return [
            Slot(event_type=event_type, start=t, end=t + timedelta(minutes=30))
            for t in sorted(self._free.get(event_type, []))
            if start <= t < end
        ]

    def book(self, slot: Slot, attendee: Attendee, *, key: str) -> Booking:
        raise AssertionError("a search never books")

    def find_booking(
        self, key: str, attendee_email: str, start: datetime, end: datetime
    ) -> Booking | None:
        raise AssertionError("a search never looks bookings up")

    def cancel(self, booking_id: str, reason: str) -> Booking:
        raise AssertionError("a search never cancels")


HOSTS = [
    TeamMember(email="sam@acme.test", name="Sam", calendar="1001"),
    TeamMember(email="jo@acme.test", name="Jo", calendar="1002"),
]
free_times = st.lists(st.integers(0, HALF_HOURS - 1), max_size=40).map(
    lambda steps: [START + timedelta(minutes=30 * n) for n in set(steps)]
)


def whole_range(
    diary: Diary, offer: int, keep: Callable[[datetime], bool] | None
) -> tuple[str, list[Slot]] | None:
    """The search as it was: every host's whole range in one request."""
    for member in HOSTS:
        slots = diary.available_slots(member.calendar or "", START, END)
        slots = [s for s in slots if keep is None or keep(s.start)]
        if slots:
            return member.email, spread(slots, offer)
    return None


@settings(max_examples=300, deadline=None)
@given(
    sam=free_times,
    jo=free_times,
    offer=st.integers(1, 5),
    mornings_only=st.booleans(),
)
def test_the_first_day_first_speaks_what_the_whole_range_would(
    sam: list[datetime], jo: list[datetime], offer: int, mornings_only: bool
) -> None:
    keep = (lambda t: t.hour < 18) if mornings_only else None  # before noon in Chicago
    diary = Diary({"1001": sam, "1002": jo})

    found = first_free(diary, HOSTS, START, END, offer, keep)

    expected = whole_range(Diary({"1001": sam, "1002": jo}), offer, keep)
    assert (None if found is None else (found[0].email, spread(found[1], offer))) == expected
    assert all(start >= START and end <= END for _e, start, end in diary.asked)


def test_a_day_that_fills_the_answer_is_the_only_request() -> None:
    first_day = [START + timedelta(hours=h) for h in (0, 1, 2, 3)]
    diary = Diary({"1001": [*first_day, START + timedelta(days=5)]})

    found = first_free(diary, HOSTS, START, END, 3)

    assert found is not None and [s.start for s in spread(found[1], 3)] == first_day[:3]
    assert diary.asked == [("1001", START, START + timedelta(days=1))]


def test_a_thin_first_day_widens_a_week_then_to_the_end_of_the_range() -> None:
    monday = START + timedelta(days=3)
    diary = Diary({"1001": [START, monday, monday + timedelta(hours=1)]})

    found = first_free(diary, HOSTS, START, END, 3)

    assert found is not None
    assert [s.start for s in spread(found[1], 3)] == [START, monday, monday + timedelta(hours=1)]
    day, week = START + timedelta(days=1), START + timedelta(days=7)
    assert diary.asked == [("1001", START, day), ("1001", day, week)]

    later = START + timedelta(days=10)
    sparse = Diary({"1002": [later]})
    found = first_free(sparse, HOSTS, START, END, 3)
    assert found is not None and found[0].email == "jo@acme.test"
    assert [s.start for s in found[1]] == [later]
    asked = [(START, day), (day, week), (week, END)]
    assert sparse.asked == [("1001", *span) for span in asked] + [("1002", *span) for span in asked]
