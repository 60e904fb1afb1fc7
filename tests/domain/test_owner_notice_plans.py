"""Who an owner notification is for, and how a calendar change finds the call's thread."""

from __future__ import annotations

from datetime import timedelta

import pytest

from callstate.domain.calendar import BookingChangeKind
from callstate.domain.call import Analysis, Runtime
from callstate.domain.effects import NotifyMeeting, NotifyOwner
from callstate.domain.outcome import Outcome
from callstate.transition import plan, plan_change
from tests.domain.builders import call_event
from tests.domain.test_meeting_plans import AUDIENCE, NY, START, TEAM, change, meeting


def _notice(effects: tuple[object, ...]) -> NotifyOwner:
    [notice] = [e for e in effects if isinstance(e, NotifyOwner)]
    return notice


def _meeting_notice(effects: tuple[object, ...]) -> NotifyMeeting:
    [notice] = [e for e in effects if isinstance(e, NotifyMeeting)]
    return notice


@pytest.mark.parametrize(
    ("owner", "name", "zone"),
    [
        ("sam@acme.test", "Sam Rivera", "America/New_York"),  # no zone of their own
        ("jo@acme.test", "Jo Chen", "America/Chicago"),
        ("nobody@acme.test", None, "America/New_York"),  # not in the team: workspace zone
    ],
)
def test_the_notice_names_the_routed_owner_in_their_zone(
    owner: str, name: str | None, zone: str
) -> None:
    notice = _notice(plan(call_event(), [], AUDIENCE, owner=owner, zone=NY, team=TEAM).effects)
    assert (notice.owner_email, notice.owner_name, notice.owner_zone) == (owner, name, zone)
    assert notice.channel == "acme-sales"  # the fallback


def test_without_an_owner_the_notice_is_for_the_channel() -> None:
    notice = _notice(plan(call_event(), [], AUDIENCE, zone=NY, team=TEAM).effects)
    assert (notice.owner_email, notice.owner_name, notice.owner_zone) == (None, None, NY.key)


def test_a_booked_meeting_makes_its_host_the_notified_owner() -> None:
    effects = plan(
        call_event(), [], AUDIENCE, owner="sam@acme.test", zone=NY, meeting=meeting(), team=TEAM
    ).effects
    notice = _notice(effects)
    assert (notice.owner_email, notice.outcome) == ("jo@acme.test", Outcome.MEETING_BOOKED)


@pytest.mark.parametrize(
    ("custom", "company"),
    [
        ({"company": "Whitfield Holdings"}, "Whitfield Holdings"),
        ({"company_name": " Acme Corp "}, "Acme Corp"),
        ({"company": "", "company_name": "Second"}, "Second"),
        ({"company": 42}, None),
        ({}, None),
    ],
)
def test_the_company_comes_from_the_analysis(custom: dict[str, object], company: str) -> None:
    event = call_event(analysis=Analysis(summary="Hi.", custom=custom))
    assert _notice(plan(event, [], AUDIENCE, zone=NY).effects).company == company


def test_a_change_of_a_calls_meeting_replies_in_that_calls_thread() -> None:
    event = call_event()
    notice = _notice(plan(event, [], AUDIENCE, owner="jo@acme.test", zone=NY, team=TEAM).effects)
    moved = change(
        BookingChangeKind.RESCHEDULED,
        booking_id="bk_2",
        start=START + timedelta(days=1),
        previous_booking_id="bk_1",
    )
    effects = plan_change(
        moved,
        meeting(),
        AUDIENCE,
        workspace="acme",
        team=TEAM,
        zone=NY,
        call=(Runtime.RETELL, event.external_call_id),
    ).effects
    told = _meeting_notice(effects)
    assert told.thread == notice.key
    assert told.owner_email == "jo@acme.test"


def test_a_booking_made_elsewhere_has_no_thread_and_goes_to_its_host() -> None:
    effects = plan_change(
        change(BookingChangeKind.CREATED), None, AUDIENCE, workspace="acme", team=TEAM, zone=NY
    ).effects
    told = _meeting_notice(effects)
    assert (told.thread, told.owner_email) == (None, "jo@acme.test")
