"""`Remembered`: one tool call's view of a calendar, each free-slot range asked once.

`book_meeting` re-checks the chosen time on each host over the day that starts there; when no
host can take it, the alternatives search asks the first host for that same day first
(`meetings.first_free`). Remembered, that answer is not asked again: with a vendor 150-300 ms
away, a refused time's alternatives come one round trip sooner. A new `Remembered` wraps the
calendar for every tool call, so nothing is remembered past the call's few milliseconds.
"""

from __future__ import annotations

from datetime import datetime

from callstate.connectors.ports import Calendar
from callstate.domain.calendar import Attendee, Booking, Slot


class Remembered:
    def __init__(self, calendar: Calendar) -> None:
        self._calendar = calendar
        self.vendor = calendar.vendor
        self._asked: dict[tuple[str, datetime, datetime], list[Slot]] = {}

    def available_slots(self, event_type: str, start: datetime, end: datetime) -> list[Slot]:
        key = (event_type, start, end)
        if key not in self._asked:
            self._asked[key] = self._calendar.available_slots(event_type, start, end)
        return list(self._asked[key])

    def book(self, slot: Slot, attendee: Attendee, *, key: str) -> Booking:
        return self._calendar.book(slot, attendee, key=key)

    def find_booking(
        self, key: str, attendee_email: str, start: datetime, end: datetime
    ) -> Booking | None:
        return self._calendar.find_booking(key, attendee_email, start, end)

    def cancel(self, booking_id: str, reason: str) -> Booking:
        return self._calendar.cancel(booking_id, reason)

    def close(self) -> None:
        """Nothing of its own: the calendar belongs to the workspace's connectors."""
