"""Association endpoints (v4 and 2026-09).

- `PUT .../objects/{from}/{fromId}/associations/default/{to}/{toId}` creates the unlabelled
  association both ways and answers `BatchResponsePublicDefaultAssociation` (set-like: repeating
  it changes nothing, research/crm.md §1.11).
- `GET /crm/v4/objects/{type}/{id}/associations/{toType}` lists them (500 per page). The
  2026-09 associations document has no such read, so only the v4 path serves it.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from callstate.sandbox.hubspot.objects_api import object_type
from callstate.sandbox.hubspot.records import Records
from callstate.sandbox.hubspot.schema import ASSOCIATION_TYPES
from callstate.sandbox.hubspot.timestamps import now_iso
from callstate.sandbox.store import Doc

ASSOCIATIONS_DEFAULT_PREFIXES = ("/crm/v4/objects", "/crm/objects/2026-09")


def include_association_routes(app: FastAPI, records: Records, clock: Callable[[], float]) -> None:
    for prefix in ASSOCIATIONS_DEFAULT_PREFIXES:
        app.include_router(_default_association_router(records, clock), prefix=prefix)
    app.include_router(_association_list_router(records), prefix="/crm/v4/objects")


def _default_association_router(records: Records, clock: Callable[[], float]) -> APIRouter:
    router = APIRouter()

    @router.put("/{from_type}/{from_id}/associations/default/{to_type}/{to_id}")
    def associate_default(from_type: str, from_id: str, to_type: str, to_id: str) -> JSONResponse:
        from_t, to_t = object_type(from_type), object_type(to_type)
        started = now_iso(clock())
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
                "completedAt": now_iso(clock()),
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
