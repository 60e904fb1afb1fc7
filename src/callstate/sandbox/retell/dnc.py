"""Retell's internal do-not-call list for one account, and its sandbox control endpoint.

A call that ends with `user_requested_dnc` (the agent's `enable_dnc_detection` heard "stop
calling me") flags the other party's number do-not-call (voice.md §1.4); `create-phone-call`
with `honor_internal_dnc: true` to such a number is refused with 400 (voice.md §4.2). Retell
has no API to read the list; the sandbox offers `GET|POST|DELETE /_sandbox/dnc` to read, seed
(`{"phone_number": ...}`) and clear it. Entries live in the account's store, so a reset clears
them.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from callstate.sandbox.store import Doc, Store, Tx

DNC = "dnc"
DNC_REASON = "user_requested_dnc"


class DncEntry(BaseModel):
    """A number on the list; `call_id` is the call that put it there (None when seeded)."""

    model_config = ConfigDict(extra="forbid")

    phone_number: str = Field(pattern=r"^\+[1-9]\d{1,14}$")
    call_id: str | None = None


def mark(tx: Tx, entry: DncEntry) -> Doc:
    """Put a number on the list; marking it again keeps the first entry."""
    existing = tx.get(DNC, entry.phone_number)
    if existing is not None:
        return existing
    doc = entry.model_dump(mode="json")
    tx.put(DNC, entry.phone_number, doc)
    return doc


def is_listed(tx: Tx, phone_number: str) -> bool:
    return tx.get(DNC, phone_number) is not None


async def dnc_control(store: Store, request: Request) -> Response:
    """`GET` the entries, `POST` one `{"phone_number"}`, `DELETE` all of them."""
    if request.method == "GET":
        return JSONResponse([doc for _, doc in store.scan(DNC)])
    if request.method == "POST":
        try:
            entry = DncEntry.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"error": json.loads(exc.json())}, status_code=422)
        with store.transaction() as tx:
            return JSONResponse(mark(tx, entry), status_code=201)
    if request.method == "DELETE":
        with store.transaction() as tx:
            for key, _ in tx.scan(DNC):
                tx.delete(DNC, key)
        return Response(status_code=204)
    return JSONResponse({"error": f"no control endpoint {request.method} /_sandbox/dnc"}, 404)
