"""Routes for phone calls: create (then play), get, and the two list-calls generations.

- `POST /v2/create-phone-call` → 201 with the `registered` call; the call is then handed to the
  player through the request scope (`control.plays_of`) and played after the response.
- `GET /v2/get-call/{call_id}` → the call as its latest event showed it.
- `PUT /rerun-call-analysis/{call_id}` → the call object (its analysis recomputed: the same).
- `POST /v3/list-calls` (retell-sdk 6.x): `{items, has_more, pagination_key, total?}`; 6.x list
  items carry no transcripts or recording URLs (vendor-specs/retell/SOURCE.txt, the 2026-08
  list-calls page), so the emulator drops those keys too.
- `POST /v2/list-calls` (the vendor document): a bare array, full call objects.

Both sort by `start_timestamp` (default descending); a call not started yet sorts by the time
it was placed. `pagination_key` is the last call id of the previous page, exclusive.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from callstate.sandbox.retell.agents_api import read_object
from callstate.sandbox.retell.control import plays_of
from callstate.sandbox.retell.listing import Predicate, v2_filter, v3_filter
from callstate.sandbox.retell.paging import Page, paginate, parse_limit, parse_sort
from callstate.sandbox.retell.phone_calls import CallLog
from callstate.sandbox.retell.player import play_for
from callstate.sandbox.retell.rest_errors import bad_request

Json = dict[str, Any]
_V3_OMITTED = ("transcript", "transcript_object", "transcript_with_tool_calls", "recording_url")


def calls_router(calls: CallLog, *, account_webhook_url: str | None) -> APIRouter:
    router = APIRouter()

    @router.post("/v2/create-phone-call", status_code=201)
    async def create_phone_call(request: Request) -> Json:
        body = await read_object(request)
        placed = await run_in_threadpool(calls.create, body)
        play = play_for(placed, account_webhook_url)
        if play is not None:
            plays_of(request.scope).append(play)
        return placed.call

    @router.get("/v2/get-call/{call_id}")
    def get_call(call_id: str) -> Json:
        return calls.get(call_id)

    @router.put("/rerun-call-analysis/{call_id}")
    def rerun_call_analysis(call_id: str) -> Json:
        # The emulator's analysis is the scenario's, so a rerun recomputes the same one; the
        # call object is the answer, as the SDK's `CallResponse` expects.
        return calls.get(call_id)

    @router.post("/v3/list-calls")
    async def list_calls_v3(request: Request) -> Json:
        body = await read_object(request, required=False)
        matches = v3_filter(body.get("filter_criteria"))
        page, total = _select(calls, matches, body, skip=_int(body.get("skip"), "skip"))
        items = [{k: v for k, v in c.items() if k not in _V3_OMITTED} for c in page.items]
        return Page(items, page.has_more, page.pagination_key).body(
            total=total if body.get("include_total") else None
        )

    @router.post("/v2/list-calls")
    async def list_calls_v2(request: Request) -> list[Json]:
        body = await read_object(request, required=False)
        page, _ = _select(calls, v2_filter(body.get("filter_criteria")), body, skip=0)
        return page.items

    return router


def _select(calls: CallLog, matches: Predicate, body: Json, *, skip: int) -> tuple[Page, int]:
    descending = parse_sort(body.get("sort_order"))
    found = [(c, created) for c, created in calls.all() if matches(c)]

    def when(pair: tuple[Json, int]) -> tuple[int, int]:
        return int(pair[0].get("start_timestamp") or pair[1]), pair[1]

    ordered = [c for c, _ in sorted(found, key=when, reverse=descending)]
    page = paginate(
        ordered,
        lambda c: str(c["call_id"]),
        limit=parse_limit(body.get("limit")),
        pagination_key=body.get("pagination_key"),
        skip=skip,
    )
    return page, len(ordered)


def _int(value: Any, name: str) -> int:
    if value is None:
        return 0
    if not isinstance(value, int) or value < 0:
        raise bad_request(f"{name} must be a non-negative integer")
    return value
