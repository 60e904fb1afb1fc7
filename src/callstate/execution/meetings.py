"""The in-call meeting tools: `check_availability` and `book_meeting` for a live call.

The caller's words are resolved here, never by the LLM (`policy.when`), in the caller's zone
(their number's, or what they said); slots come live from the owners' calendars in the order the
routing policy gives (sticky CRM owner first, then weighted round robin, skipping owners who are
away or have nothing free). A booking carries a key derived from the call and the start, and a
`meetings` row claims that key before the vendor is asked, so a tool call Retell retries (or
delivers twice at once) lands on one booking. After a timeout the calendar is searched for the key
before anything is booked again (research/calendar_slack.md §5.2).

Answers are small JSON objects with a `message` the agent can say as is.

Over 400 lines on purpose: the two tools share the live call's state (zone, owners in order,
the claim) and the booking's recovery steps; apart, each half would re-derive it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog

from callstate.config.model import Audience, TeamMember, Workspace
from callstate.connectors.errors import ConnectorError, Permanent, SlotTaken
from callstate.connectors.ports import Calendar, ContactSnapshot
from callstate.domain.calendar import (
    Attendee,
    Booking,
    Slot,
)
from callstate.domain.call import Runtime
from callstate.domain.ids import meeting_key, pool_key
from callstate.execution.lookup import CallerLookup
from callstate.execution.services import Services
from callstate.execution.slot_memo import Remembered
from callstate.execution.tool_answers import (
    EMAIL_DOMAIN,
    Answer,
    calendar_down,
    confirmation,
    local_time,
    no_calendar,
    spaced,
    spread,
)
from callstate.policy.owners import Candidate, order
from callstate.policy.speech import caller_zone, speak, speak_list
from callstate.policy.when import Unresolved, parse_moment, resolve
from callstate.storage.meetings import MeetingClaim, MeetingStatus, MeetingView

log = structlog.get_logger(__name__)

MINUTE = timedelta(minutes=1)
# How far a search for free slots looks, from its start, before it widens to the next step
# and at last to the end of its range: a day answers most calls; a week gets past a weekend.
LOOKS = (timedelta(days=1), timedelta(days=7))


@dataclass(frozen=True, slots=True)
class LiveCall:
    """The call a tool runs in, already routed to its audience."""

    workspace: Workspace
    audience: Audience
    call_id: str
    caller: str | None


class MeetingDesk:
    """One per process; every method takes the call's workspace explicitly."""

    def __init__(
        self,
        services: Services,
        lookup: CallerLookup,
        *,
        peer_wait_seconds: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._services = services
        self._lookup = lookup
        self._peer_wait = peer_wait_seconds
        self._sleep = sleep

    # -- the two tools -------------------------------------------------------------------

    def check_availability(self, live: LiveCall, args: dict[str, Any]) -> Answer:
        now = self._services.clock()
        zone_name = self._zone(live, args)
        zone = ZoneInfo(zone_name)
        calendar = self._calendar(live)
        hosts = self._hosts(live)
        if calendar is None or not hosts:
            return no_calendar()
        settings = live.audience.meetings
        when = args.get("when")
        window = resolve(
            when if isinstance(when, str) else None, now, zone, search_days=settings.search_days
        )
        if isinstance(window, Unresolved):
            return {
                "available": False,
                "reason": "unclear_time",
                "message": f"{window.reason}. What day and time would suit you?",
            }
        offer = settings.offer
        try:
            found = first_free(calendar, hosts, window.start, window.end, offer, window.covers)
            widened = found is None
            if found is None:
                later = window.end + timedelta(days=settings.search_days)
                found = first_free(calendar, hosts, window.end, later, offer)
        except ConnectorError as exc:
            log.warning("tool.calendar_unavailable", workspace=live.workspace.id, error=str(exc))
            return calendar_down(str(exc))
        if found is None:
            return {
                "available": False,
                "reason": "no_availability",
                "message": f"I don't see an open time in the next {settings.search_days} days. "
                "Someone from the team will reach out to find one.",
            }
        _member, slots = found
        chosen = spread(slots, settings.offer)
        lead = f"Nothing is open {window.understood}. " if widened else ""
        return {
            "available": True,
            "timezone": zone_name,
            "understood": window.understood,
            "slots": [
                {"start": local_time(s.start, zone), "spoken": speak(s.start, zone)} for s in chosen
            ],
            "message": f"{lead}I have {speak_list([s.start for s in chosen], zone)}. "
            "Which works best?",
        }

    def book_meeting(self, live: LiveCall, args: dict[str, Any]) -> Answer:
        now = self._services.clock()
        zone_name = self._zone(live, args)
        zone = ZoneInfo(zone_name)
        calendar = self._calendar(live)
        pool = live.workspace.meeting_pool(live.audience)
        if calendar is None or not pool:
            return no_calendar()
        raw = args.get("start")
        start = parse_moment(raw, zone, now=now) if isinstance(raw, str) else None
        key: str | None = None  # none for a time already past: nothing to book, nor to find
        if start is not None and start > now:
            key = meeting_key(live.workspace.id, Runtime.RETELL, live.call_id, start)
        snapshot = self._snapshot(live)
        hosts = self._order(pool, self._assigned(live), snapshot)
        if not hosts:
            return no_calendar()
        if start is None:
            return {
                "booked": False,
                "reason": "unclear_time",
                "message": "I didn't catch which time you'd like. Could you say it again?",
            }
        try:
            if key is None:
                return self._alternatives(live, calendar, hosts, now, zone, "that time has passed")
            attendee = self._attendee(live, args, zone_name, snapshot)
            booked = self._book(live, calendar, hosts, start, attendee, key)
            if booked is not None:
                return confirmation(live.workspace, booked, zone)
            return self._alternatives(
                live, calendar, hosts, start, zone, "that time was just taken"
            )
        except ConnectorError as exc:
            log.warning("tool.calendar_unavailable", workspace=live.workspace.id, error=str(exc))
            return calendar_down(str(exc))

    # -- booking -------------------------------------------------------------------------

    def _book(
        self,
        live: LiveCall,
        calendar: Calendar,
        hosts: Sequence[TeamMember],
        start: datetime,
        attendee: Attendee,
        key: str,
    ) -> MeetingView | None:
        """The booking under `key`: the first host's who can take `start`, or an earlier
        attempt's (a retried tool call); None when nobody can.

        An earlier attempt is not read up front. Its claim turns up when this one claims the
        key on a host that still shows the time free; when none does (the earlier attempt
        holds it), the twin lookup below finds it. A first attempt, the common case, pays for
        no extra read."""
        for member in hosts:
            booked = self._try_host(live, calendar, member, start, attendee, key)
            if booked is not None:
                return booked
        # A twin of this tool call (delivered twice at once) may have claimed and booked the
        # time after our first read, so the calendar no longer offers it: its booking is ours.
        twin = self._services.meetings.get(key)
        return None if twin is None else self._settle(calendar, twin)

    def _try_host(
        self,
        live: LiveCall,
        calendar: Calendar,
        member: TeamMember,
        start: datetime,
        attendee: Attendee,
        key: str,
    ) -> MeetingView | None:
        """Re-check the start on this host's calendar and book it; None when the host cannot
        take it. Raises `ConnectorError` when the calendar cannot answer (the claim stays
        pending when the outcome is unknown, for the post-call effect to settle)."""
        event_type = member.calendar or ""
        slot = next(
            (
                s
                # The day from `start`, not its minute: if nobody can take it, the alternatives
                # start with this very answer (`Remembered`).
                for s in calendar.available_slots(event_type, start, start + LOOKS[0])
                if s.start == start
            ),
            None,
        )
        if slot is None:
            return None
        meetings = self._services.meetings
        claim = MeetingClaim(
            key=key,
            workspace=live.workspace.id,
            runtime=Runtime.RETELL.value,
            external_call_id=live.call_id,
            owner_email=member.email,
            event_type=event_type,
            vendor=calendar.vendor,
            start=slot.start,
            end=slot.end,
            attendee_name=attendee.name,
            attendee_email=attendee.email,
            attendee_phone=attendee.phone,
            attendee_zone=attendee.zone,
        )
        view, new = meetings.claim(claim, self._services.clock())
        if not new:
            # An earlier delivery of this tool call (still running, or retried after a lost
            # answer): its booking; else, with nothing booked and its claim released, ours.
            settled = self._settle(calendar, view)
            if settled is not None:
                return settled
            view, new = meetings.claim(claim, self._services.clock())
            if not new:  # cancelled, or claimed again by a twin meanwhile
                return None
        try:
            booking = calendar.book(slot, attendee, key=key)
        except SlotTaken:
            meetings.release(key)
            return None
        except Permanent:
            meetings.release(key)
            raise
        except ConnectorError:
            # Unknown outcome: the booking may exist. Look before booking again (§5.2).
            found = calendar.find_booking(key, attendee.email, start - MINUTE, start + MINUTE)
            if found is None:
                raise
            booking = found
        return self._booked(live.audience.id, key, booking, member.email)

    def _booked(self, audience: str, key: str, booking: Booking, owner: str) -> MeetingView:
        """Booked, and counted for the owner in the same transaction.

        Not waiting for the disk here saves the caller a WAL flush, and losing this commit (a
        database crash within a fraction of a second) is recoverable: the claim, committed
        durably before the vendor was asked, stays pending; a retried tool call (`_settle`) or
        the post-call `BookMeeting` step searches the calendar for the key, finds this booking
        and marks it booked (the step also counts it)."""
        return self._services.meetings.mark_booked(
            key,
            booking_id=booking.booking_id,
            start=booking.start,
            end=booking.end,
            url=booking.url,
            owner_email=owner,
            now=self._services.clock(),
            count_in=pool_key(audience),
            durable=False,
        )

    def _settle(self, calendar: Calendar, view: MeetingView) -> MeetingView | None:
        """An earlier attempt with this key: its booking, or None when there is none (the
        claim is released and the caller books afresh)."""
        meetings = self._services.meetings
        deadline = time.monotonic() + self._peer_wait
        current: MeetingView | None = view
        while current is not None and current.status is MeetingStatus.PENDING:
            age = (self._services.clock() - current.updated_at).total_seconds()
            if age > self._peer_wait or time.monotonic() > deadline:
                break
            self._sleep(0.05)
            current = meetings.get(view.key)
        if current is None:
            return None
        if current.status is MeetingStatus.BOOKED:
            return current
        if current.status is MeetingStatus.CANCELLED:
            return None
        found = calendar.find_booking(
            current.key, current.attendee_email, current.start - MINUTE, current.start + MINUTE
        )
        if found is None:
            meetings.release(current.key)
            return None
        # Found after a lost answer: the round-robin count of that attempt is not recorded, a
        # one-off unfairness of one booking at most.
        return meetings.mark_booked(
            current.key,
            booking_id=found.booking_id,
            start=found.start,
            end=found.end,
            url=found.url,
            owner_email=current.owner_email,
            now=self._services.clock(),
        )

    def _alternatives(
        self,
        live: LiveCall,
        calendar: Calendar,
        hosts: Sequence[TeamMember],
        after: datetime,
        zone: ZoneInfo,
        why: str,
    ) -> Answer:
        settings = live.audience.meetings
        found = first_free(
            calendar,
            hosts,
            after,
            after + timedelta(days=settings.search_days),
            settings.offer,
            lambda moment: moment > after,  # never the time that was just refused
        )
        if found is None:
            return {
                "booked": False,
                "reason": "no_availability",
                "message": f"Sorry, {why}, and I don't see another opening soon. Someone from "
                "the team will reach out to find a time.",
            }
        chosen = spread(found[1], settings.offer)
        return {
            "booked": False,
            "reason": "slot_unavailable",
            "message": f"Sorry, {why}. I can do {speak_list([s.start for s in chosen], zone)}. "
            "Would one of those work?",
            "alternatives": [
                {"start": local_time(s.start, zone), "spoken": speak(s.start, zone)} for s in chosen
            ],
        }

    # -- who and where -------------------------------------------------------------------

    def _hosts(self, live: LiveCall) -> list[TeamMember]:
        """The audience's pool in the order to try: sticky CRM owner, then round robin."""
        pool = live.workspace.meeting_pool(live.audience)
        if not pool:
            return []
        return self._order(pool, self._assigned(live), self._snapshot(live))

    def _assigned(self, live: LiveCall) -> dict[str, int]:
        """The pool's round-robin counts, read fresh: another call may have just booked."""
        return self._services.owner_counters.assigned(live.workspace.id, pool_key(live.audience.id))

    @staticmethod
    def _order(
        pool: Sequence[TeamMember], assigned: dict[str, int], snapshot: ContactSnapshot | None
    ) -> list[TeamMember]:
        emails = order(
            [Candidate(m.email, m.weight, m.away) for m in pool],
            assigned,
            sticky=snapshot.owner_email if snapshot else None,
        )
        by_email = {m.email: m for m in pool}
        return [by_email[e] for e in emails]

    def _snapshot(self, live: LiveCall) -> ContactSnapshot | None:
        """The caller as the CRM knows them, within the lookup budget; None when slow or down
        (routing is then round robin alone). One read per call, shared with the inbound
        webhook and between the tools."""
        snapshot, _state = self._lookup.look_up(
            live.workspace,
            live.caller,
            live.audience.crm.pipeline,
            call_id=live.call_id,
            asker="tool",
        )
        return snapshot

    def _calendar(self, live: LiveCall) -> Calendar | None:
        """The workspace's calendar, as this tool call sees it (`Remembered`)."""
        calendar = self._services.connectors[live.workspace.id].calendar
        return None if calendar is None else Remembered(calendar)

    def _zone(self, live: LiveCall, args: dict[str, Any]) -> str:
        said = args.get("timezone")
        if isinstance(said, str) and said:
            try:
                ZoneInfo(said)
            except (ZoneInfoNotFoundError, ValueError):
                pass
            else:
                return said
        return caller_zone(live.caller, live.workspace.timezone)

    def _attendee(
        self, live: LiveCall, args: dict[str, Any], zone: str, snapshot: ContactSnapshot | None
    ) -> Attendee:
        name = args.get("name") if isinstance(args.get("name"), str) else None
        email = args.get("email") if isinstance(args.get("email"), str) else None
        if email is not None and ("@" not in email or " " in email.strip()):
            email = None
        digits = (live.caller or live.call_id).lstrip("+")
        return Attendee(
            name=(name or (snapshot.name if snapshot else None) or "Caller").strip()[:100],
            email=(email or (snapshot.email if snapshot else None) or f"{digits}@{EMAIL_DOMAIN}")
            .strip()
            .lower(),
            zone=zone,
            phone=live.caller,
        )


def first_free(
    calendar: Calendar,
    hosts: Sequence[TeamMember],
    start: datetime,
    end: datetime,
    offer: int,
    keep: Callable[[datetime], bool] | None = None,
) -> tuple[TeamMember, list[Slot]] | None:
    """The first host (in routing order) with a free slot in [start, end), and its slots
    from the start of the range, at least enough to `spread` `offer` of them; with `keep`,
    only slots starting at moments it keeps ("mornings next week").

    Each host's calendar is asked for the range's first day, then up to its first week, then
    the rest, each step only when the ones before cannot fill an answer: the spoken slots are
    the same as from the whole range at once, for a few slots to parse instead of two weeks'
    worth (for Calendly, whose requests span a week at most, one request instead of two)."""
    for member in hosts:
        event_type = member.calendar or ""
        slots: list[Slot] = []
        looked = start
        for step_end in (*(start + look for look in LOOKS), end):
            if looked >= end or len(spaced(slots, offer)) >= offer:
                break
            step_end = min(step_end, end)
            slots += _kept(calendar.available_slots(event_type, looked, step_end), keep)
            looked = step_end
        if slots:
            return member, slots
    return None


def _kept(slots: list[Slot], keep: Callable[[datetime], bool] | None) -> list[Slot]:
    return slots if keep is None else [s for s in slots if keep(s.start)]
