"""Associations (v4 and 2026-09) and property definitions (v3 and 2026-09) endpoints.

- `PUT .../objects/{from}/{fromId}/associations/default/{to}/{toId}` creates the unlabelled
  association both ways and answers `BatchResponsePublicDefaultAssociation` (set-like: repeating
  it changes nothing, research/crm.md §1.11).
- `GET /crm/v4/objects/{type}/{id}/associations/{toType}` lists them (500 per page). The
  2026-09 associations document has no such read, so only the v4 path serves it.
- `GET/POST /crm/v3/properties/{type}`, `GET /crm/v3/properties/{type}/{name}`.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from callstate.sandbox.hubspot import properties
from callstate.sandbox.hubspot.errors import not_found
from callstate.sandbox.hubspot.objects_api import object_type
from callstate.sandbox.hubspot.properties import PropertyCreate, now_iso
from callstate.sandbox.hubspot.records import Records
from callstate.sandbox.hubspot.schema import ASSOCIATION_TYPES
from callstate.sandbox.store import Doc, Store

OBJECTS_PREFIXES = ("/crm/v3/objects", "/crm/objects/2026-09")
PROPERTIES_PREFIXES = ("/crm/v3/properties", "/crm/properties/2026-09")
ASSOCIATIONS_DEFAULT_PREFIXES = ("/crm/v4/objects", "/crm/objects/2026-09")


def include_meta_routes(app: FastAPI, records: Records, store: Store) -> None:
    for prefix in ASSOCIATIONS_DEFAULT_PREFIXES:
        app.include_router(_default_association_router(records), prefix=prefix)
    app.include_router(_association_list_router(records), prefix="/crm/v4/objects")
    for prefix in PROPERTIES_PREFIXES:
        app.include_router(_properties_router(store), prefix=prefix)


def _default_association_router(records: Records) -> APIRouter:
    router = APIRouter()

    @router.put("/{from_type}/{from_id}/associations/default/{to_type}/{to_id}")
    def associate_default(from_type: str, from_id: str, to_type: str, to_id: str) -> JSONResponse:
        from_t, to_t = object_type(from_type), object_type(to_type)
        started = now_iso(time.time())
        type_id = records.associate(from_t, from_id, to_t, to_id)
        reverse_id = ASSOCIATION_TYPES[(to_t.name, from_t.name)]
        results = [
            _default_result(from_id, to_id, type_id),
            _default_result(to_id, from_id, reverse_id),
        ]
        return JSONResponse(
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": started,
                "completedAt": now_iso(time.time()),
            }
        )

    return router


def _default_result(from_id: str, to_id: str, type_id: int) -> Doc:
    return {
        "from": {"id": from_id},
        "to": {"id": to_id},
        "associationSpec": {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id},
    }


def _association_list_router(records: Records) -> APIRouter:
    router = APIRouter()

    @router.get("/{from_type}/{object_id}/associations/{to_type}")
    def list_associations(
        from_type: str, object_id: str, to_type: str, limit: int = 500, after: str | None = None
    ) -> JSONResponse:
        from_t, to_t = object_type(from_type), object_type(to_type)
        records.get(from_t, object_id)  # 404 for an unknown source object
        rows = [
            {
                "toObjectId": link.to_id,
                "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": i} for i in link.type_ids
                ],
            }
            for link in records.linked(from_t, object_id)
            if link.to_type is to_t
        ]
        start = int(after) if after and after.isdigit() else 0
        payload: Doc = {"results": rows[start : start + limit]}
        if start + limit < len(rows):
            payload["paging"] = {"next": {"after": str(start + limit)}}
        return JSONResponse(payload)

    return router


def _properties_router(store: Store) -> APIRouter:
    router = APIRouter()

    @router.get("/{object_type_name}")
    def list_properties(object_type_name: str) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            defs = properties.definitions(tx, t)
        return JSONResponse({"results": list(defs.values())})

    @router.post("/{object_type_name}", status_code=201)
    def create_property(object_type_name: str, body: PropertyCreate) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            definition = properties.create(tx, t, body, time.time())
        return JSONResponse(definition, status_code=201)

    @router.get("/{object_type_name}/{property_name}")
    def get_property(object_type_name: str, property_name: str) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            definition = properties.definitions(tx, t).get(property_name)
        if definition is None:
            raise not_found(f"Unable to find property {property_name} for object type {t.type_id}")
        return JSONResponse(definition)

    return router
