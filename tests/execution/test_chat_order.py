"""A plan runs its chat messages last, in a stable order otherwise, with every effect's needs
still ahead of it: a Slack outage retrying the owner's DM never holds back the CRM. A calendar
change waits for its call's thread in growing pauses (tests/e2e/test_owner_dm.py runs it)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from callstate.domain.effects import Target
from callstate.execution.chat_threads import thread_pauses
from callstate.execution.workflow import chat_last
from callstate.transition import plan
from tests.domain.builders import audience, call_event
from tests.domain.test_meeting_plans import MOTION, TEAM


def test_chat_effects_run_after_the_rest_and_needs_still_hold() -> None:
    the_plan = plan(
        call_event(),
        [],
        audience(crm=MOTION),
        owner="sam@acme.test",
        zone=ZoneInfo("America/New_York"),
        team=TEAM,
    )
    ordered = chat_last(the_plan.effects)
    targets = [e.target for e in ordered]
    first_chat = targets.index(Target.CHAT)
    assert Target.CHAT not in targets[:first_chat] and set(targets[first_chat:]) == {Target.CHAT}
    assert the_plan.effects[-1].target is not Target.CHAT  # the plan itself ends with the archive
    rest = [e for e in the_plan.effects if e.target is not Target.CHAT]
    assert [e for e in ordered if e.target is not Target.CHAT] == rest  # stable
    seen: set[str] = set()
    for effect in ordered:
        assert set(effect.needs) <= seen
        seen.add(effect.key)


def test_a_change_waits_for_its_calls_thread_in_growing_pauses_within_the_budget() -> None:
    assert thread_pauses(600)[:6] == [2, 4, 8, 16, 30, 30]
    assert sum(thread_pauses(600)) == 600
    assert thread_pauses(5) == [2, 3]
    assert thread_pauses(0) == []
