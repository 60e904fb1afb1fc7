"""Who takes a meeting: the contact's owner first, then a weighted round robin over the pool.

The round robin decides from the assignment counts alone (no rotation pointer to lose or race
on): the counts live in `storage.routing.OwnerCounters`, and the booking code records one
assignment for whoever took the slot.

Why not simply "lowest `(assigned + 1) / weight` first" (Jefferson/D'Hondt): with weights
5, 1, 1, 1, 1, 1, 1, 1 it hands the first five bookings to the weight-5 owner, whose share of
five is 25/12 ≈ 2.1: almost three meetings ahead. Smooth weighted round robin (nginx) misses too:
with weights 1, 1, 1, 1, 5, 5, 5, 5, after 15 bookings one weight-5 owner has 2 against a share
of 3.125. So the key is Balinski and Young's *quota method* ("The Quota Method of
Apportionment", Amer. Math. Monthly 82 (1975) 701-730): an owner is *in turn* when one more
booking keeps it below its share plus one (`count + 1 <= ceil((booked + 1) * w / W)`), and the
in-turn owners come first, lowest `(count + 1) / weight` first, ties by pool order.

Read as scheduling, an owner's k-th booking may be any booking numbered above
`(k - 1) * W / w` (its *release*: the in-turn test) and must be booking `ceil(k * W / w)` at the
latest (its *deadline*, in the order of `k / w`): the rule is earliest-deadline-first among the
released. Every W bookings (W = the sum of weights) each owner releases and is due exactly w
jobs, which fill those W bookings exactly. Hence, with the pool unchanged and every booking
going to `order(...)[0]`:

- Fairness: from zero counts, after n bookings every owner has `floor(n * w / W)` or
  `ceil(n * w / W)`: strictly within one of its share (Balinski and Young's theorem).
- An owner one full booking ahead of its share is never in turn, so gets nothing; an owner
  behind by one or more has a deadline already passed, so one of those is first.
- Recovery after skips (the first choice had no free slot and a later one took the booking):
  let the skipping stop at `t0` bookings, `B = W * ceil(t0 / W)` the end of the round, and
  `s_i = max(0, count_i - (B / W) * w_i)` how far owner i got ahead of that round's end. Each
  round, every booking goes to a released job, which is due by the round's end, so each round
  clears the round's jobs plus any backlog and eats `w_i` of each surplus. At booking
  `B + W * max_i ceil(s_i / w_i)` the counts are exactly `(bookings / W) * w`, as if nothing had
  been skipped, and from then on the sequence is the undisturbed one. With nobody ahead past
  the current round, that is the round's end: fewer than W bookings.

Counts are cumulative, so an owner back from `away` is behind and takes the next bookings until
caught up; a new pool member likewise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Candidate:
    """A pool member: `weight` 0 takes meetings only as the contact's owner (sticky)."""

    email: str
    weight: int
    away: bool = False

    def __post_init__(self) -> None:
        if self.weight < 0:
            raise ValueError(f"negative weight {self.weight} for {self.email}")


def order(
    pool: Sequence[Candidate], assigned: Mapping[str, int], *, sticky: str | None
) -> list[str]:
    """The emails to try, best first: the booking code skips those without the slot, books with
    the first that has it and records one assignment for that owner.

    `sticky` (the contact's CRM owner, matched ignoring case) comes first when it is in the pool
    and not away, whatever its weight. Then the round robin over members not away with weight
    above 0. Away members never appear; an email listed twice counts once (first listing).
    Pure and deterministic: the same inputs give the same list.
    """
    members: dict[str, tuple[int, Candidate]] = {}
    for candidate in pool:
        if candidate.email not in members:
            members[candidate.email] = (len(members), candidate)
    present = [(i, c) for i, c in members.values() if not c.away]
    wanted = None if sticky is None else sticky.casefold()
    owner = next((c.email for _, c in present if c.email.casefold() == wanted), None)
    turns = _round_robin([(i, c) for i, c in present if c.weight > 0], assigned)
    return ([owner] if owner else []) + [email for email in turns if email != owner]


def _round_robin(rotation: list[tuple[int, Candidate]], assigned: Mapping[str, int]) -> list[str]:
    """The quota method's preference order for the next booking (see the module docstring)."""
    total_weight = sum(c.weight for _, c in rotation)
    following = sum(assigned.get(c.email, 0) for _, c in rotation) + 1

    def key(member: tuple[int, Candidate]) -> tuple[bool, Fraction, int]:
        index, candidate = member
        count = assigned.get(candidate.email, 0)
        # count + 1 <= ceil(following * w / W)  <=>  count < following * w / W
        in_turn = count * total_weight < following * candidate.weight
        return (not in_turn, Fraction(count + 1, candidate.weight), index)

    return [c.email for _, c in sorted(rotation, key=key)]
