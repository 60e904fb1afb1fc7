"""`longest_silence_ms` from `transcript_object`'s word timings (research/voice.md §1.5)."""

from __future__ import annotations

from datetime import UTC, datetime

from callstate.connectors.retell.mapping import longest_silence_ms, to_event
from callstate.connectors.retell.wire import WireEnvelope, WireUtterance
from callstate.domain.call import CallEventType
from callstate.sandbox.retell.calls import CallScenario, build_events


def utterance(*spans: tuple[float, float]) -> WireUtterance:
    words = [{"word": "w", "start": start, "end": end} for start, end in spans]
    return WireUtterance.model_validate({"role": "user", "content": "w", "words": words})


def test_the_longest_gap_between_utterances() -> None:
    talk = [utterance((0.5, 1.0), (1.1, 2.0)), utterance((25.0, 26.0)), utterance((27.5, 28.0))]
    assert longest_silence_ms(talk) == 23_000


def test_nothing_to_measure_is_none() -> None:
    assert longest_silence_ms(None) is None
    assert longest_silence_ms([utterance((0.5, 1.0))]) is None
    assert longest_silence_ms([utterance(), utterance((1.0, 2.0))]) is None
    overlapping = [utterance((0.0, 2.0)), utterance((1.5, 3.0))]  # barge-in: no silence
    assert longest_silence_ms(overlapping) == 0


def test_the_emulators_call_carries_it_into_the_event() -> None:
    scenario = CallScenario(
        seed="silence",
        agent_id="agent_acme_inbound",
        direction="inbound",
        from_number="+14155550142",
        to_number="+14155550100",
        start=datetime(2026, 11, 24, 14, 0, tzinfo=UTC),
        transcript=(("agent", "Hello there"), ("user", "Hi")),
    )
    analyzed = next(e for e in build_events(scenario) if e["event"] == "call_analyzed")
    event = to_event(
        WireEnvelope.model_validate(analyzed),
        CallEventType.ANALYZED,
        "acme",
        datetime(2026, 11, 24, 14, 5, tzinfo=UTC),
    )
    assert event.longest_silence_ms == 790  # the emulator's word gap + turn gap (0.05 + 0.74 s)
