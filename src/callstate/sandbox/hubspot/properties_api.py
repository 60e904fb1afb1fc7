"""Property and property-group endpoints under `/crm/v3/properties` and
`/crm/properties/2026-09` (crm-properties-v3.json and its 2026-09 twin).

- `GET|POST /{objectType}`, `GET|PATCH /{objectType}/{propertyName}`;
- `GET|POST /{objectType}/groups`, `GET|PATCH /{objectType}/groups/{groupName}`.
A deal's `pipeline` and `dealstage` definitions are read with the portal's pipelines and stages
as options, as HubSpot shows them.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from callstate.sandbox.hubspot import groups, pipelines, properties
from callstate.sandbox.hubspot.groups import PropertyGroupCreate, PropertyGroupUpdate
from callstate.sandbox.hubspot.objects_api import object_type
from callstate.sandbox.hubspot.properties import PropertyCreate, PropertyUpdate
from callstate.sandbox.store import Store

PROPERTIES_PREFIXES = ("/crm/v3/properties", "/crm/properties/2026-09")


def properties_router(store: Store, clock: Callable[[], float]) -> APIRouter:
    router = APIRouter()

    # Groups first: `/{type}/groups` must not be read as the property named "groups".
    @router.get("/{object_type_name}/groups")
    def list_groups(object_type_name: str) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            return JSONResponse({"results": groups.listing(tx, t)})

    @router.post("/{object_type_name}/groups", status_code=201)
    def create_group(object_type_name: str, body: PropertyGroupCreate) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            return JSONResponse(groups.create(tx, t, body), status_code=201)

    @router.get("/{object_type_name}/groups/{group_name}")
    def get_group(object_type_name: str, group_name: str) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            return JSONResponse(groups.get(tx, t, group_name))

    @router.patch("/{object_type_name}/groups/{group_name}")
    def update_group(
        object_type_name: str, group_name: str, body: PropertyGroupUpdate
    ) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            return JSONResponse(groups.update(tx, t, group_name, body))

    @router.get("/{object_type_name}")
    def list_properties(object_type_name: str) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            defs = [
                pipelines.with_live_options(tx, t, d)
                for d in properties.definitions(tx, t).values()
            ]
        return JSONResponse({"results": defs})

    @router.post("/{object_type_name}", status_code=201)
    def create_property(object_type_name: str, body: PropertyCreate) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            definition = properties.create(tx, t, body, clock())
        return JSONResponse(definition, status_code=201)

    @router.get("/{object_type_name}/{property_name}")
    def get_property(object_type_name: str, property_name: str) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            definition = properties.get(tx, t, property_name)
            return JSONResponse(pipelines.with_live_options(tx, t, definition))

    @router.patch("/{object_type_name}/{property_name}")
    def update_property(
        object_type_name: str, property_name: str, body: PropertyUpdate
    ) -> JSONResponse:
        t = object_type(object_type_name)
        with store.transaction() as tx:
            return JSONResponse(properties.update(tx, t, property_name, body, clock()))

    return router
