"""Reference data of each location — the location itself, users, pipelines, workflows — and the
read endpoints over it. Seeded at creation and after every reset; read-only through the API.

Store layout: `locations`, `users`, `pipelines`, `workflows`, one document per id. Wire shapes:
`GetLocationByIdSchema` (locations.json), `UserSchema` (users.json), `PipelinesResponseSchema`
(opportunities.json; its `stages` are typed as arrays of arrays, but real stages are objects
with `id`, `name`, `position` — vendor-specs/gohighlevel/SOURCE.txt), `WorkflowSchema`
(workflows.json).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from callstate.sandbox.gohighlevel.errors import NOT_FOR_LOCATION, GhlError, not_found, with_trace
from callstate.sandbox.gohighlevel.gate import grant_of
from callstate.sandbox.gohighlevel.seeds import SEEDED_AT, DuplicateRule, LocationSeed, stage_id
from callstate.sandbox.gohighlevel.timestamps import iso
from callstate.sandbox.store import Doc, Store, Tx

LocationId = Annotated[str, Query(alias="locationId")]


def seed_directory(tx: Tx, locations: Sequence[LocationSeed], default_rule: DuplicateRule) -> None:
    """Write the seeded reference data (idempotent: the same seeds give the same documents)."""
    for loc in locations:
        rule = loc.duplicate_rule or default_rule
        tx.put(
            "locations",
            loc.id,
            {
                "id": loc.id,
                "companyId": loc.company_id,
                "name": loc.name,
                "timezone": loc.timezone,
                "allowDuplicateContact": rule.allow_duplicates,
                "duplicatePriority": list(rule.priority),
            },
        )
        for user in loc.users:
            held = tx.get("users", user.id)
            location_ids = sorted({*(held or {}).get("locationIds", []), loc.id})
            tx.put(
                "users",
                user.id,
                {
                    "id": user.id,
                    "name": f"{user.first_name} {user.last_name}",
                    "firstName": user.first_name,
                    "lastName": user.last_name,
                    "email": user.email,
                    "companyId": loc.company_id,
                    "role": user.role,
                    "locationIds": location_ids,
                },
            )
        for pipeline in loc.pipelines:
            stages = [
                {"id": stage_id(pipeline.id, name), "name": name, "position": position}
                for position, name in enumerate(pipeline.stages)
            ]
            doc = {"id": pipeline.id, "name": pipeline.name, "locationId": loc.id}
            tx.put("pipelines", pipeline.id, {**doc, "stages": stages})
        for workflow in loc.workflows:
            stamp = iso(SEEDED_AT)
            tx.put(
                "workflows",
                workflow.id,
                {
                    "id": workflow.id,
                    "name": workflow.name,
                    "status": workflow.status,
                    "version": 1,
                    "createdAt": stamp,
                    "updatedAt": stamp,
                    "locationId": loc.id,
                },
            )


class Directory:
    """Reads of the seeded reference data."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def location(self, location_id: str) -> Doc:
        doc = self._store.get("locations", location_id)
        if doc is None:
            raise not_found(f"Location with id {location_id} not found")
        return doc

    def duplicate_rule(self, location_id: str) -> DuplicateRule:
        doc = self.location(location_id)
        return DuplicateRule(doc["allowDuplicateContact"], tuple(doc["duplicatePriority"]))

    def user(self, user_id: str) -> Doc | None:
        return self._store.get("users", user_id)

    def users(self) -> list[Doc]:
        return [doc for _, doc in self._store.scan("users")]

    def pipeline(self, location_id: str, pipeline_id: str) -> Doc | None:
        doc = self._store.get("pipelines", pipeline_id)
        return doc if doc is not None and doc["locationId"] == location_id else None

    def pipelines(self, location_id: str) -> list[Doc]:
        return [d for _, d in self._store.scan("pipelines") if d["locationId"] == location_id]

    def workflow(self, location_id: str, workflow_id: str) -> Doc | None:
        doc = self._store.get("workflows", workflow_id)
        return doc if doc is not None and doc["locationId"] == location_id else None

    def workflows(self, location_id: str) -> list[Doc]:
        return [d for _, d in self._store.scan("workflows") if d["locationId"] == location_id]


def user_wire(doc: Doc) -> Doc:
    keys = ("id", "name", "firstName", "lastName", "email")
    return {
        **{k: doc[k] for k in keys},
        "roles": {"type": "account", "role": doc["role"], "locationIds": doc["locationIds"]},
        "deleted": False,
    }


def location_wire(doc: Doc) -> Doc:
    return {k: doc[k] for k in ("id", "companyId", "name", "timezone")}


def pipeline_wire(doc: Doc) -> Doc:
    stages = [{**s, "showInFunnel": True, "showInPieChart": True} for s in doc["stages"]]
    return {
        "id": doc["id"],
        "name": doc["name"],
        "stages": stages,
        "showInFunnel": True,
        "showInPieChart": True,
        "locationId": doc["locationId"],
    }


def directory_router(directory: Directory) -> APIRouter:
    router = APIRouter()

    @router.get("/locations/{location_id}")
    def get_location(location_id: str, request: Request) -> JSONResponse:
        grant_of(request).require("locations.readonly", location_id)
        return JSONResponse(
            with_trace({"location": location_wire(directory.location(location_id))})
        )

    @router.get("/users/search")
    def search_users(
        request: Request,
        company_id: Annotated[str, Query(alias="companyId")],
        query: str | None = None,
        skip: str = "0",
        limit: str = "25",
        location_id: Annotated[str | None, Query(alias="locationId")] = None,
        role: str | None = None,
        ids: str | None = None,
    ) -> JSONResponse:
        grant = grant_of(request)
        grant.require("users.readonly", location_id)
        if company_id != grant.company_id:
            raise GhlError(403, NOT_FOR_LOCATION)
        found = [u for u in directory.users() if u["companyId"] == company_id]
        if location_id is not None:
            found = [u for u in found if location_id in u["locationIds"]]
        if query:
            needle = query.casefold()
            found = [u for u in found if needle in f"{u['name']} {u['email']}".casefold()]
        if role:
            found = [u for u in found if u["role"] == role]
        if ids:
            wanted = set(ids.split(","))
            found = [u for u in found if u["id"] in wanted]
        start, size = _int(skip, "skip"), _int(limit, "limit")
        page = found[start : start + size]
        return JSONResponse(
            with_trace({"users": [user_wire(u) for u in page], "count": len(found)})
        )

    @router.get("/users/{user_id}")
    def get_user(user_id: str, request: Request) -> JSONResponse:
        grant = grant_of(request)
        grant.require("users.readonly")
        user = directory.user(user_id)
        if user is None or user["companyId"] != grant.company_id:
            raise not_found(f"User with id {user_id} not found")
        return JSONResponse(with_trace(user_wire(user)))

    @router.get("/opportunities/pipelines")
    def get_pipelines(location_id: LocationId, request: Request) -> JSONResponse:
        grant_of(request).require("opportunities.readonly", location_id)
        pipelines = [pipeline_wire(p) for p in directory.pipelines(location_id)]
        return JSONResponse(with_trace({"pipelines": pipelines}))

    @router.get("/workflows/")
    def get_workflows(location_id: LocationId, request: Request) -> JSONResponse:
        grant_of(request).require("workflows.readonly", location_id)
        return JSONResponse(with_trace({"workflows": directory.workflows(location_id)}))

    return router


def _int(value: str, name: str) -> int:
    # users.json types skip/limit as strings holding numbers.
    if not value.isdigit():
        raise GhlError(422, [f"{name} must be a number string"])
    return int(value)
