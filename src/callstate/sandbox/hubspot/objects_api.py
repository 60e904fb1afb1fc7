"""CRM object endpoints, served under `/crm/v3/objects` and `/crm/objects/2026-09` alike.

Operations (shapes from `crm-contacts-v3.json` / `crm-deals-v3.json` / `crm-calls-v3.json`
and their 2026-09 twins): create (201), get by id or by a unique `idProperty`, list with
cursor paging, PATCH, `batch/upsert` and `search`. `{objectType}` accepts the name, the
singular or the type id (`contacts` / `contact` / `0-1`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from callstate.sandbox.hubspot.errors import validation
from callstate.sandbox.hubspot.properties import definitions
from callstate.sandbox.hubspot.records import NewAssociation, Records, UpsertInput, public_object
from callstate.sandbox.hubspot.schema import ObjectType, association_name, resolve_type
from callstate.sandbox.hubspot.search import SearchRequest, search
from callstate.sandbox.hubspot.timestamps import now_iso
from callstate.sandbox.store import Doc, Store

OBJECTS_PREFIXES = ("/crm/v3/objects", "/crm/objects/2026-09")
PropertyValue = str | int | float | bool | None
IdProperty = Annotated[str | None, Query(alias="idProperty")]
_WIRE = ConfigDict(
    extra="forbid", alias_generator=to_camel, populate_by_name=True, coerce_numbers_to_str=True
)


class ObjectRef(BaseModel):
    model_config = _WIRE
    id: str


class AssociationSpec(BaseModel):
    model_config = _WIRE
    association_category: Literal["HUBSPOT_DEFINED", "INTEGRATOR_DEFINED", "USER_DEFINED", "WORK"]
    association_type_id: int


class AssociationInput(BaseModel):
    model_config = _WIRE
    to: ObjectRef
    types: list[AssociationSpec]


class CreateInput(BaseModel):
    model_config = _WIRE
    properties: dict[str, PropertyValue]
    associations: list[AssociationInput] = Field(default_factory=list)


class UpdateInput(BaseModel):
    model_config = _WIRE
    properties: dict[str, PropertyValue]


class UpsertItem(BaseModel):
    model_config = _WIRE
    id: str
    id_property: str | None = None
    properties: dict[str, PropertyValue]
    object_write_trace_id: str | None = None


class UpsertBatch(BaseModel):
    model_config = _WIRE
    inputs: list[UpsertItem]


def object_type(name: str) -> ObjectType:
    resolved = resolve_type(name)
    if resolved is None:
        raise validation(f"Unable to infer object type from: {name}")
    return resolved


def listed(request: Request, name: str) -> list[str] | None:
    """A multi-valued query parameter, repeated or comma-separated; None when absent."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    return [part for value in values for part in value.split(",") if part]


def objects_router(records: Records, store: Store) -> APIRouter:
    router = APIRouter()

    def with_associations(t: ObjectType, record: Doc, wanted: Sequence[str] | None) -> Doc:
        """The `associations` member of SimplePublicObjectWithAssociations (only non-empty)."""
        result: Doc = {}
        links = records.linked(t, record["id"]) if wanted else []
        for name in wanted or ():
            to_t = object_type(name)
            rows = [
                {"id": link.to_id, "type": association_name(t, to_t)}
                for link in links
                if link.to_type is to_t
            ]
            if rows:
                result[to_t.name] = {"results": rows}
        return {"associations": result} if result else {}

    @router.post("/{object_type_name}/batch/upsert")
    def batch_upsert(object_type_name: str, body: UpsertBatch) -> JSONResponse:
        t = object_type(object_type_name)
        started = now_iso(time.time())
        inputs = [
            UpsertInput(i.id, i.id_property, i.properties, i.object_write_trace_id)
            for i in body.inputs
        ]
        results = []
        for item, (record, new) in zip(inputs, records.upsert(t, inputs), strict=True):
            trace = {"objectWriteTraceId": item.trace_id} if item.trace_id else {}
            results.append(public_object(t, record, None, extra={"new": new, **trace}))
        return JSONResponse(
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": started,
                "completedAt": now_iso(time.time()),
            }
        )

    @router.post("/{object_type_name}/search")
    def do_search(object_type_name: str, body: SearchRequest) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            types = {name: d["type"] for name, d in definitions(tx, t).items()}
        candidates = []
        for record in records.all(t):
            indexed = records.searchable(record)
            if indexed is not None:
                candidates.append((record, indexed))
        page, total, after = search(body, candidates, types, t.query_properties)
        names = body.properties or t.default_properties
        results = [
            public_object(t, {**record, "properties": indexed}, names) for record, indexed in page
        ]
        payload: Doc = {"total": total, "results": results}
        if after is not None:
            payload["paging"] = {"next": {"after": after}}
        return JSONResponse(payload)

    @router.post("/{object_type_name}", status_code=201)
    def create(object_type_name: str, body: CreateInput) -> JSONResponse:
        t = object_type(object_type_name)
        links = [
            NewAssociation(a.to.id, s.association_type_id)
            for a in body.associations
            for s in a.types
        ]
        record = records.create(t, body.properties, links)
        return JSONResponse(public_object(t, record, None), status_code=201)

    @router.get("/{object_type_name}")
    def list_objects(
        object_type_name: str, request: Request, limit: int = 10, after: str | None = None
    ) -> JSONResponse:
        t = object_type(object_type_name)
        if not 1 <= limit <= 100:
            raise validation("limit must be between 1 and 100")
        page, next_after = records.page(t, after=after, limit=limit)
        names = listed(request, "properties") or t.default_properties
        wanted = listed(request, "associations")
        payload: Doc = {
            "results": [
                public_object(t, r, names, extra=with_associations(t, r, wanted)) for r in page
            ]
        }
        if next_after is not None:
            link = str(request.url.include_query_params(after=next_after))
            payload["paging"] = {"next": {"after": next_after, "link": link}}
        return JSONResponse(payload)

    @router.get("/{object_type_name}/{object_id}")
    def get_object(
        object_type_name: str, object_id: str, request: Request, id_property: IdProperty = None
    ) -> JSONResponse:
        t = object_type(object_type_name)
        record = records.get(t, object_id, id_property=id_property)
        names = listed(request, "properties") or t.default_properties
        extra = with_associations(t, record, listed(request, "associations"))
        return JSONResponse(public_object(t, record, names, extra=extra))

    @router.patch("/{object_type_name}/{object_id}")
    def update(
        object_type_name: str, object_id: str, body: UpdateInput, id_property: IdProperty = None
    ) -> JSONResponse:
        t = object_type(object_type_name)
        record = records.update(t, object_id, body.properties, id_property=id_property)
        return JSONResponse(public_object(t, record, None))

    return router
