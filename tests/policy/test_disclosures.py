"""An outbound opening's disclosures: business name, AI, recording, opt-out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callstate.policy.disclosures import Disclosure, missing_disclosures

B, AI, REC, OUT = (
    Disclosure.BUSINESS_NAME,
    Disclosure.AI,
    Disclosure.RECORDING,
    Disclosure.OPT_OUT,
)
FULL = (
    "Hi {{caller_name}}, this is Ava, an AI assistant calling from Acme Roofing. This call is "
    "recorded. If you'd rather we didn't call, just say so and we'll remove you from our list."
)


@pytest.mark.parametrize(
    ("opening", "missing"),
    [
        (FULL, []),
        (None, [B, AI, REC, OUT]),
        ("", [B, AI, REC, OUT]),
        ("Hi, it's Ava from Acme Roofing!", [AI, REC, OUT]),
        ("ACME ROOFING here, I'm a virtual assistant. Calls are recorded. Say opt-out to opt out.",
         []),
        ("Acme  Roofing's automated assistant; recording on; say stop calling anytime.", []),
        ("Acme-Roofing: an A.I. calling; we record... say 'do not call' to opt out.", [REC]),
        ("Acme Roofing, artificial intelligence, call recorded, don\u2019t call? say so", []),
        ("Acme Roofing calling. This call is recorded. Say stop calling.", [AI]),
        ("Acme Roofing, an AI. Say stop calling to be removed.", [REC]),
        ("Acme Roofing, an AI assistant, recording this call.", [OUT]),
        ("This is Ava, an AI assistant from Acme. Recorded. Opt out anytime.", [B]),
        # Whole words only: these only look like a disclosure.
        ("Acme Roofingco said: maintain your roof, unrecorded, stop calling", [B, AI, REC]),
        ("Acme Roofing. Aim high! This was prerecorded. Opt outside.", [AI, REC, OUT]),
    ],
)  # fmt: skip
def test_missing_disclosures(opening: str | None, missing: list[Disclosure]) -> None:
    found = missing_disclosures(opening, "Acme Roofing")
    assert [m.item for m in found] == missing


def test_each_missing_item_comes_with_a_sentence_to_say() -> None:
    found = missing_disclosures("Hello!", "Summit Solar")
    assert [m.hint for m in found] == [
        "This is Alex calling from Summit Solar.",
        "I'm an AI assistant.",
        "This call is recorded.",
        "If you'd rather we didn't call, just say so and we'll remove you from our list.",
    ]
    assert found[0].what == "the business name ('Summit Solar')"


def test_the_hints_pass_the_check_they_come_from() -> None:
    hints = " ".join(m.hint for m in missing_disclosures("", "Summit Solar"))
    assert missing_disclosures(hints, "Summit Solar") == ()


def test_a_business_name_with_regex_characters_is_matched_literally() -> None:
    opening = "Hi, A+ Roofing (Denver) here, an AI assistant; recorded; say stop calling."
    assert missing_disclosures(opening, "A+ Roofing (Denver)") == ()
    assert [m.item for m in missing_disclosures(opening, "AA Roofing (Denver)")] == [B]


def test_a_name_of_separators_alone_is_never_found() -> None:
    assert [m.item for m in missing_disclosures(FULL, " - ")] == [B]


_TEXT = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=80)
_NAME = st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=12)


@given(opening=_TEXT, more=_TEXT, name=st.lists(_NAME, min_size=1, max_size=3).map(" ".join))
def test_saying_more_never_takes_a_disclosure_away(opening: str, more: str, name: str) -> None:
    before = {m.item for m in missing_disclosures(opening, name)}
    after = {m.item for m in missing_disclosures(f"{opening} {more}", name)}
    assert after <= before


@given(opening=_TEXT, name=st.lists(_NAME, min_size=1, max_size=3).map(" ".join))
def test_adding_the_hints_completes_any_opening(opening: str, name: str) -> None:
    hints = " ".join(m.hint for m in missing_disclosures(opening, name))
    assert missing_disclosures(f"{opening} {hints}", name) == ()
