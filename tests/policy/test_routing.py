"""Which audience a call event belongs to."""

from __future__ import annotations

from callstate.policy.routing import route
from tests.domain.builders import call_event
from tests.policy.test_inbound import ACME


def test_our_metadata_names_the_audience() -> None:
    event = call_event(context={"callstate_audience": "after-hours"})
    match = route(ACME, event)
    assert (match.audience.id, match.matched) == ("after-hours", True)


def test_an_unknown_audience_in_metadata_falls_back_to_agent_and_number() -> None:
    event = call_event(context={"callstate_audience": "gone"})
    assert route(ACME, event).audience.id == "inbound-qualifier"


def test_an_applied_agent_id_routes_to_its_audience() -> None:
    event = call_event(agent_id="agent_91aa", to_number="+14155550177")
    assert not route(ACME, event).matched
    match = route(ACME, event, {"agent_91aa": "outbound-reactivation"})
    assert (match.audience.id, match.matched) == ("outbound-reactivation", True)


def test_nothing_known_is_the_default_audience_unmatched() -> None:
    match = route(ACME, call_event(agent_id="agent_x", to_number="+14155550177"))
    assert (match.audience.id, match.matched) == ("inbound-qualifier", False)
