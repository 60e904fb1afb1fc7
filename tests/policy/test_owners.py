"""Owner routing: the contact's owner first, then a weighted round robin that stays fair.

The properties are the ones the module docstring proves: every owner within one booking of its
share, and after skips the counts return exactly to the undisturbed ones by a stated booking.
"""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callstate.policy.owners import Candidate, order


def email(i: int) -> str:
    return f"owner{i}@acme.test"


def pool_of(*weights: int) -> list[Candidate]:
    return [Candidate(email(i), w) for i, w in enumerate(weights)]


def book(
    pool: list[Candidate], counts: Counter[str], unavailable: frozenset[str] = frozenset()
) -> str | None:
    """One booking: the first in order that has the slot takes it; None when nobody has."""
    taker = next((e for e in order(pool, counts, sticky=None) if e not in unavailable), None)
    if taker is not None:
        counts[taker] += 1
    return taker


def ahead(count: int, weight: int, booked: int, total: int) -> bool:
    """Is `count` a full booking or more above the share `booked * weight / total`?"""
    return count * total >= booked * weight + total


def behind(count: int, weight: int, booked: int, total: int) -> bool:
    return count * total <= booked * weight - total


# --- tables -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "pool", "assigned", "sticky", "expected"),
    [
        ("fresh pool goes in pool order", pool_of(1, 1, 1), {}, None, [0, 1, 2]),
        ("the one behind goes first", pool_of(1, 1, 1), {0: 3, 1: 3, 2: 1}, None, [2, 0, 1]),
        ("double weight takes twice as many", pool_of(2, 1), {0: 2, 1: 0}, None, [1, 0]),
        ("the contact's owner comes first", pool_of(1, 1, 1), {}, email(2), [2, 0, 1]),
        ("a weight-0 owner only as the contact's", pool_of(0, 1), {}, email(0), [0, 1]),
        ("a weight-0 owner never by rotation", pool_of(0, 1), {}, None, [1]),
        ("the owner's email matches ignoring case", pool_of(1, 1), {}, "OWNER1@Acme.test", [1, 0]),
        ("an owner outside the pool is ignored", pool_of(1, 1), {}, "x@acme.test", [0, 1]),
        ("counts of people outside the pool do not matter", pool_of(1), {7: 9}, None, [0]),
        ("an empty pool offers nobody", [], {}, email(0), []),
    ],
)
def test_order(
    case: str,
    pool: list[Candidate],
    assigned: dict[int, int],
    sticky: str | None,
    expected: list[int],
) -> None:
    counts = {email(i): n for i, n in assigned.items()}
    assert order(pool, counts, sticky=sticky) == [email(i) for i in expected], case


def test_away_owners_are_never_offered_even_as_the_contacts_owner() -> None:
    pool = [Candidate(email(0), 1, away=True), Candidate(email(1), 1), Candidate(email(2), 0)]
    assert order(pool, {}, sticky=email(0)) == [email(1)]
    assert order([Candidate(email(0), 3, away=True)], {}, sticky=None) == []


def test_an_owner_listed_twice_counts_once_with_its_first_listing() -> None:
    pool = [Candidate(email(0), 1), Candidate(email(1), 1), Candidate(email(0), 5, away=True)]
    assert order(pool, {email(1): 1}, sticky=None) == [email(0), email(1)]


def test_a_heavy_owner_does_not_take_the_first_bookings_in_a_row() -> None:
    """Lowest `(count + 1) / weight` alone gives the first five to the weight-5 owner."""
    pool = pool_of(5, 1, 1, 1, 1, 1, 1, 1)
    counts: Counter[str] = Counter()
    takers = [book(pool, counts) for _ in range(12)]
    heavy, *rest = (email(i) for i in range(8))
    assert takers == [
        *(heavy, rest[0], heavy, rest[1], heavy, rest[2]),
        *(rest[3], heavy, rest[4], heavy, rest[5], rest[6]),
    ]
    assert counts[heavy] == 5  # its share of twelve, exactly


def test_a_negative_weight_is_refused() -> None:
    with pytest.raises(ValueError, match="negative weight"):
        Candidate(email(0), -1)


def test_an_owner_who_was_busy_catches_up_then_the_rotation_resumes() -> None:
    pool = pool_of(1, 1, 1)
    counts: Counter[str] = Counter()
    first, second, third = (email(i) for i in range(3))
    busy = frozenset({first})
    assert [book(pool, counts, busy) for _ in range(3)] == [second, third, second]
    # the first is a full booking behind and the second one ahead: settled at the round's end
    assert [book(pool, counts) for _ in range(3)] == [first, first, third]
    assert counts == {first: 2, second: 2, third: 2}
    assert [book(pool, counts) for _ in range(3)] == [first, second, third]


# --- properties -------------------------------------------------------------------------------

weights = st.lists(st.integers(1, 5), min_size=1, max_size=8)
members = st.lists(st.tuples(st.integers(0, 5), st.booleans()), max_size=8)
counts_by_index = st.dictionaries(st.integers(0, 9), st.integers(0, 50), max_size=10)


def members_pool(spec: list[tuple[int, bool]]) -> list[Candidate]:
    return [Candidate(email(i), w, away) for i, (w, away) in enumerate(spec)]


def by_email(counts: dict[int, int]) -> dict[str, int]:
    return {email(i): n for i, n in counts.items()}


@settings(deadline=None)
@given(weights=weights, bookings=st.integers(0, 300))
def test_every_owner_stays_within_one_booking_of_its_share(
    weights: list[int], bookings: int
) -> None:
    pool, total = pool_of(*weights), sum(weights)
    counts: Counter[str] = Counter()
    for booked in range(1, bookings + 1):
        book(pool, counts)
        for member in pool:  # |count - booked * w / W| < 1, in integers
            assert abs(counts[member.email] * total - booked * member.weight) < total


@given(spec=members, assigned=counts_by_index, owner=st.integers(0, 9))
def test_the_contacts_owner_is_first_when_eligible_and_otherwise_ignored(
    spec: list[tuple[int, bool]], assigned: dict[int, int], owner: int
) -> None:
    pool, counts = members_pool(spec), by_email(assigned)
    rotation = order(pool, counts, sticky=None)
    result = order(pool, counts, sticky=email(owner))
    if owner < len(pool) and not pool[owner].away:
        assert result == [email(owner)] + [e for e in rotation if e != email(owner)]
    else:
        assert result == rotation


@given(spec=members, assigned=counts_by_index, owner=st.integers(0, 9) | st.none())
def test_away_never_weight_zero_only_as_the_contacts_owner_and_each_once(
    spec: list[tuple[int, bool]], assigned: dict[int, int], owner: int | None
) -> None:
    pool, counts = members_pool(spec), by_email(assigned)
    sticky = None if owner is None else email(owner)
    result = order(pool, counts, sticky=sticky)
    assert len(result) == len(set(result))
    assert not {c.email for c in pool if c.away} & set(result)
    rotated = {c.email for c in pool if not c.away and c.weight > 0}
    assert set(result) - rotated <= {sticky}
    assert rotated <= set(result)
    if set(result) - rotated:
        assert result[0] == sticky


@given(spec=members, assigned=counts_by_index, owner=st.integers(0, 9) | st.none())
def test_same_inputs_give_the_same_order(
    spec: list[tuple[int, bool]], assigned: dict[int, int], owner: int | None
) -> None:
    pool, counts = members_pool(spec), by_email(assigned)
    sticky = None if owner is None else email(owner)
    first = order(pool, counts, sticky=sticky)
    reordered = dict(reversed(list(counts.items())))
    assert order(tuple(pool), reordered, sticky=sticky) == first
    assert order(pool, counts, sticky=sticky) == first


@settings(deadline=None)
@given(
    weights=weights,
    warmup=st.integers(0, 60),
    outages=st.lists(st.frozensets(st.integers(0, 7)), max_size=60),
)
def test_after_skips_the_counts_return_to_the_undisturbed_ones_by_the_stated_booking(
    weights: list[int], warmup: int, outages: list[frozenset[int]]
) -> None:
    """The recovery theorem of `policy.owners`: at `B + W * max ceil(s_i / w_i)` the counts are
    exactly the shares, every booking on the way goes to someone behind when anyone is, never to
    someone ahead, and afterwards the takers are the undisturbed sequence's."""
    pool, total = pool_of(*weights), sum(weights)
    weight = {c.email: c.weight for c in pool}
    counts: Counter[str] = Counter()
    for _ in range(warmup):
        book(pool, counts)
    for unavailable in outages:  # the first choices without the slot: the next one takes it
        book(pool, counts, frozenset(email(i) for i in unavailable))
    booked = sum(counts.values())
    round_end = total * math.ceil(booked / total)
    rounds = max(
        math.ceil(max(0, counts[e] - round_end // total * w) / w) for e, w in weight.items()
    )
    settled = round_end + total * rounds
    for n in range(booked, settled):
        late = {e for e, w in weight.items() if behind(counts[e], w, n, total)}
        taker = book(pool, counts)
        assert taker is not None
        assert not ahead(counts[taker] - 1, weight[taker], n, total)
        assert not late or taker in late
    assert all(counts[e] * total == settled * w for e, w in weight.items())
    undisturbed: Counter[str] = Counter()
    for _ in range(settled):
        book(pool, undisturbed)
    assert [book(pool, counts) for _ in range(2 * total)] == [
        book(pool, undisturbed) for _ in range(2 * total)
    ]
