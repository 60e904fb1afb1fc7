"""How simulated Retell events reach the wire: the raw bodies, their order and the signature.

Owns `sign` (Retell's `x-retell-signature`) and `plan_deliveries` (which events go out, in
what order, how many copies). The HMAC code is our own, deliberately independent of the
product's verifier; tests check it against the retell SDK's `verify`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Order = Literal["in_order", "analyzed_first", "shuffled"]

SIGNATURE_HEADER = "x-retell-signature"


def sign(body: str | bytes, api_key: str, now_ms: int) -> str:
    """The `x-retell-signature` value for `body` sent at `now_ms`.

    `v=<ms>,d=<lowercase hex HMAC-SHA256(api_key, body + str(ms))>`, body and timestamp joined
    with no separator (Retell docs, secure-webhook "Verify Without SDK"; voice.md §1.6).
    Receivers reject a `v` more than five minutes from their clock.
    """
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    digest = hmac.new(
        api_key.encode("utf-8"), (text + str(now_ms)).encode("utf-8"), hashlib.sha256
    ).hexdigest()
    return f"v={now_ms},d={digest}"


def encode(event: Mapping[str, Any]) -> bytes:
    """Serialise an event once, the way Retell's Node servers do: compact, UTF-8, unescaped.

    The signature covers exactly these bytes, so they are never re-serialised afterwards.
    """
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event to POST; `copies > 1` means Retell delivers it that many times."""

    event: str
    call_id: str
    body: bytes
    copies: int = 1


def plan_deliveries(
    events: Sequence[Mapping[str, Any]],
    *,
    duplicate: Mapping[str, int] | None = None,
    order: Order = "in_order",
    drop_started: bool = False,
    seed: int = 0,
) -> list[Delivery]:
    """The deliveries a receiver sees for `events` (one call or several), in arrival order.

    - `duplicate`: event name -> number of copies (Retell duplicates arrive within about a
      second of each other, voice.md §1.7); copies stay adjacent.
    - `order`: `in_order` as emitted; `analyzed_first` moves every `call_analyzed` to the front
      (a late `call_ended` retry); `shuffled` permutes deterministically with `seed`.
    - `drop_started`: `call_started` is lost (all its attempts failed; Retell does not hold
      later events back for it).
    """
    copies = duplicate or {}
    for name, n in copies.items():
        if n < 1:
            raise ValueError(f"duplicate[{name!r}] must be at least 1, got {n}")
    planned = [
        Delivery(
            event=str(e["event"]),
            call_id=str(e["call"]["call_id"]),
            body=encode(e),
            copies=copies.get(str(e["event"]), 1),
        )
        for e in events
        if not (drop_started and e["event"] == "call_started")
    ]
    if order == "analyzed_first":
        planned.sort(key=lambda d: d.event != "call_analyzed")  # stable: others keep their order
    elif order == "shuffled":
        random.Random(seed).shuffle(planned)
    elif order != "in_order":
        raise ValueError(f"unknown order {order!r}")
    return planned
