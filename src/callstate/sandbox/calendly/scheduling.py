"""Scheduled events and their invitees in the `Store`: booking, listing, cancelling.

A booking (`POST /invitees`, the Scheduling API; research/calendar_slack.md §2.2) checks the
start against the host's hours and events and writes the event and its invitee inside one
store transaction, so two requests racing for one start cannot both win: the loser gets the
slot-taken error. Cancelling cancels the event and its invitee; cancelling again is refused
with 403 "Event is already canceled", the message the document lists for
`POST /scheduled_events/{uuid}/cancellation`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from callstate.sandbox.calendly.availability import Interval, Refusal, free_starts, refusal
from callstate.sandbox.calendly.directory import Directory
from callstate.sandbox.calendly.errors import denied, invalid, not_found
from callstate.sandbox.calendly.seeds import EventTypeSeed, UserSeed
from callstate.sandbox.calendly.wire import stamp
from callstate.sandbox.store import Doc, Store, Tx

EVENTS = "scheduled_events"
INVITEES = "invitees"
# Unverified wording; `already_filled` is the detail code third-party clients test (§2.2).
_REFUSALS = {
    Refusal.PAST: ("must be in the future", "past"),
    Refusal.UNAVAILABLE: ("The selected time is not available for this event type.", "unavailable"),
    Refusal.TAKEN: ("The selected time is no longer available.", "already_filled"),
}

Listener = Callable[[str, Doc, Doc], None]  # (webhook event name, event doc, invitee doc)


class Scheduling:
    def __init__(self, store: Store, directory: Directory, clock: Callable[[], float]) -> None:
        self.store = store
        self.directory = directory
        self.clock = clock
        self.listeners: list[Listener] = []

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _busy(self, tx: Tx, host_email: str) -> list[Interval]:
        return [
            (datetime.fromisoformat(d["start"]), datetime.fromisoformat(d["end"]))
            for _, d in tx.scan(EVENTS)
            if d["host"] == host_email and d["status"] == "active"
        ]

    def available(
        self, event_type: EventTypeSeed, start: datetime, end: datetime
    ) -> list[datetime]:
        host = self.directory.host_of(event_type)
        with self.store.transaction() as tx:
            busy = self._busy(tx, host.email)
        return free_starts(event_type, host.timezone, start, end, now=self.now(), busy=busy)

    def book(
        self,
        caller: UserSeed,
        event_type: EventTypeSeed,
        start: datetime,
        invitee: dict[str, Any],
        location: dict[str, Any] | None,
    ) -> tuple[Doc, Doc]:
        """Create the event and its invitee atomically; 400 naming `start_time` when the start
        is past, off the host's hours or taken."""
        host = self.directory.host_of(event_type)
        self.directory.require_manages(caller, host, "You do not have permission")
        if not event_type.active:
            raise invalid("event_type", "is not active")
        now = self.now()
        moment = self.clock()
        with self.store.transaction() as tx:
            busy = self._busy(tx, host.email)
            refused = refusal(event_type, host.timezone, start, now=now, busy=busy)
            if refused is not None:
                message, code = _REFUSALS[refused]
                raise invalid("start_time", message, code=code)
            event_uuid, invitee_uuid = str(uuid.uuid4()), str(uuid.uuid4())
            end = start + timedelta(minutes=event_type.duration_minutes)
            event: Doc = {
                "uuid": event_uuid,
                "event_type": event_type.uuid,
                "host": host.email,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "start_time": stamp(start),
                "end_time": stamp(end),
                "status": "active",
                "location": location,
                "invitees": 1,
                "created_at": moment,
                "updated_at": moment,
                "cancellation": None,
            }
            person: Doc = {
                **invitee,
                "uuid": invitee_uuid,
                "event": event_uuid,
                "status": "active",
                "created_at": moment,
                "updated_at": moment,
                "cancellation": None,
                "scheduling_method": "instant_book",
                "scheduled_by": caller.uri,
            }
            tx.put(EVENTS, event_uuid, event)
            tx.put(INVITEES, invitee_uuid, person)
        self._tell("invitee.created", event, person)
        return event, person

    def events(self) -> list[Doc]:
        return [d for _, d in self.store.scan(EVENTS)]

    def event(self, event_uuid: str) -> Doc:
        found = self.store.get(EVENTS, event_uuid)
        if found is None:
            raise not_found()
        return found

    def invitees(self, event_uuid: str) -> list[Doc]:
        return [d for _, d in self.store.scan(INVITEES) if d["event"] == event_uuid]

    def cancel(self, caller: UserSeed, event_uuid: str, reason: str | None) -> Doc:
        """Cancel as the host side; returns the cancellation. 403 when already canceled or
        past (the document's messages)."""
        moment = self.clock()
        with self.store.transaction() as tx:
            event = tx.get(EVENTS, event_uuid)
            if event is None:
                raise not_found()
            host = self.directory.user_by_email(event["host"])
            self.directory.require_manages(caller, host, "You are not allowed to cancel this event")
            if event["status"] == "canceled":
                raise denied("Event is already canceled")
            if datetime.fromisoformat(event["start"]) <= self.now():
                raise denied("Event in the past")
            cancellation = {
                "canceled_by": caller.name,
                "reason": reason,
                "canceler_type": "host",
                "created_at": stamp(moment),
            }
            event.update(status="canceled", cancellation=cancellation, updated_at=moment)
            tx.put(EVENTS, event_uuid, event)
            people = [d for _, d in tx.scan(INVITEES) if d["event"] == event_uuid]
            for person in people:
                person.update(status="canceled", cancellation=cancellation, updated_at=moment)
                tx.put(INVITEES, person["uuid"], person)
        for person in people:
            self._tell("invitee.canceled", event, person)
        return cancellation

    def _tell(self, name: str, event: Doc, invitee: Doc) -> None:
        for listener in self.listeners:
            listener(name, event, invitee)
