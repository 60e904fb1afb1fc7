"""Routes for Retell LLMs, agents and phone numbers, at the paths retell-sdk 6.2.13 calls.

Also serves the older list paths the vendor document has (`GET /list-retell-llms`,
`GET /list-agents`, `GET /list-phone-numbers`: bare arrays) next to the 6.x ones
(`GET /v2/list-retell-llms`, `POST /v2/list-agents`, `GET /v2/list-phone-numbers`:
`{items, has_more, pagination_key}`), so either client works. Creates answer 201, deletes 204.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool

from callstate.sandbox.retell.agents import Engines, agent_summary
from callstate.sandbox.retell.numbers import Numbers
from callstate.sandbox.retell.paging import paginate, parse_limit, parse_sort
from callstate.sandbox.retell.rest_errors import bad_request

Json = dict[str, Any]


async def read_object(request: Request, *, required: bool = True) -> Json:
    """The JSON object body; 400 when it is missing (if required), not JSON or not an object."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise bad_request("a JSON body is required")
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise bad_request("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def _page(items: list[Json], key: str, request: Request) -> Json:
    query = request.query_params
    ordered = list(reversed(items)) if parse_sort(query.get("sort_order")) else items
    page = paginate(
        ordered,
        lambda item: str(item[key]),
        limit=parse_limit(query.get("limit")),
        pagination_key=query.get("pagination_key"),
    )
    return page.body()


def engines_router(engines: Engines) -> APIRouter:
    router = APIRouter()

    @router.post("/create-retell-llm", status_code=201)
    async def create_llm(request: Request) -> Json:
        body = await read_object(request, required=False)
        return await run_in_threadpool(engines.create_llm, body)

    @router.get("/get-retell-llm/{llm_id}")
    def get_llm(llm_id: str, version: int | None = None) -> Json:
        return engines.get_llm(llm_id, version)

    @router.patch("/update-retell-llm/{llm_id}")
    async def update_llm(llm_id: str, request: Request, version: int | None = None) -> Json:
        body = await read_object(request)
        return await run_in_threadpool(engines.update_llm, llm_id, body, version)

    @router.get("/list-retell-llms")
    def list_llms_v1() -> list[Json]:
        return engines.list_llms()

    @router.get("/v2/list-retell-llms")
    def list_llms(request: Request) -> Json:
        return _page(engines.list_llms(), "llm_id", request)

    @router.delete("/delete-retell-llm/{llm_id}", status_code=204)
    def delete_llm(llm_id: str, force_delete: bool = False) -> Response:
        engines.delete_llm(llm_id, force=force_delete)
        return Response(status_code=204)

    @router.post("/create-agent", status_code=201)
    async def create_agent(request: Request) -> Json:
        body = await read_object(request)
        return await run_in_threadpool(engines.create_agent, body)

    @router.get("/get-agent/{agent_id}")
    def get_agent(agent_id: str, version: int | None = None) -> Json:
        return engines.get_agent(agent_id, version)

    @router.patch("/update-agent/{agent_id}")
    async def update_agent(agent_id: str, request: Request, version: int | None = None) -> Json:
        body = await read_object(request)
        return await run_in_threadpool(engines.update_agent, agent_id, body, version)

    @router.get("/list-agents")
    def list_agents_v1() -> list[Json]:
        return engines.list_agents()

    @router.post("/v2/list-agents")
    async def list_agents(request: Request) -> Json:
        criteria = (await read_object(request, required=False)).get("filter_criteria") or {}
        agents = [agent_summary(a) for a in engines.list_agents() if _agent_matches(a, criteria)]
        return _page(agents, "agent_id", request)

    @router.delete("/delete-agent/{agent_id}", status_code=204)
    def delete_agent(agent_id: str) -> Response:
        engines.delete_agent(agent_id)
        return Response(status_code=204)

    return router


def _agent_matches(agent: Json, criteria: Json) -> bool:
    """6.x list-agents filters: `query` (name or id substring), `channel`, `is_transfer_agent`."""
    for name, cond in criteria.items():
        if name == "query":
            text = str(cond).lower()
            if text not in str(agent.get("agent_name", "")).lower() and text not in str(
                agent["agent_id"]
            ):
                return False
        elif name == "channel":
            if (cond.get("op") == "eq") != (cond.get("value") == "voice"):
                return False
        elif name == "is_transfer_agent":
            if bool(agent.get("is_transfer_agent", False)) != bool(cond.get("value")):
                return False
        else:
            raise bad_request(f"filter_criteria.{name} is not supported by the sandbox")
    return True


def numbers_router(numbers: Numbers) -> APIRouter:
    router = APIRouter()

    @router.post("/create-phone-number", status_code=201)
    async def create_number(request: Request) -> Json:
        body = await read_object(request, required=False)
        provider = body.get("number_provider", "twilio")
        kind = "retell-telnyx" if provider == "telnyx" else "retell-twilio"
        return await run_in_threadpool(numbers.create, body, kind=kind)

    @router.post("/import-phone-number", status_code=201)
    async def import_number(request: Request) -> Json:
        body = await read_object(request)
        for required in ("phone_number", "termination_uri"):
            if not body.get(required):
                raise bad_request(f"{required} is required")
        return await run_in_threadpool(numbers.create, body, kind="custom")

    @router.get("/get-phone-number/{phone_number}")
    def get_number(phone_number: str) -> Json:
        return numbers.get(phone_number)

    @router.patch("/update-phone-number/{phone_number}")
    async def update_number(phone_number: str, request: Request) -> Json:
        body = await read_object(request)
        return await run_in_threadpool(numbers.update, phone_number, body)

    @router.get("/list-phone-numbers")
    def list_numbers_v1() -> list[Json]:
        return numbers.list()

    @router.get("/v2/list-phone-numbers")
    def list_numbers(request: Request) -> Json:
        return _page(numbers.list(), "phone_number", request)

    @router.delete("/delete-phone-number/{phone_number}", status_code=204)
    def delete_number(phone_number: str) -> Response:
        numbers.delete(phone_number)
        return Response(status_code=204)

    return router
