"""Pipelines endpoints under `/crm/v3/pipelines` and `/crm/pipelines/2026-09` alike.

`GET /{objectType}` (`CollectionResponsePipelineNoPaging`), `POST /{objectType}` (201
`Pipeline`), `GET /{objectType}/{pipelineId}`, `GET|POST /{objectType}/{pipelineId}/stages`
and `GET /{objectType}/{pipelineId}/stages/{stageId}` (crm-pipelines-v3.json and its 2026-09
twin). Rules live in `pipelines.py`.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from callstate.sandbox.hubspot import pipelines
from callstate.sandbox.hubspot.errors import not_found, validation
from callstate.sandbox.hubspot.pipelines import PipelineInput, StageInput
from callstate.sandbox.hubspot.schema import ObjectType, resolve_type
from callstate.sandbox.store import Store

PIPELINES_PREFIXES = ("/crm/v3/pipelines", "/crm/pipelines/2026-09")


def pipeline_type(name: str) -> ObjectType:
    resolved = resolve_type(name)
    if resolved is None:
        raise validation(f"Unable to infer object type from: {name}")
    if resolved not in pipelines.PIPELINE_TYPES:
        raise validation(f"Object type {resolved.type_id} does not have pipelines in this sandbox")
    return resolved


def pipelines_router(store: Store, clock: Callable[[], float]) -> APIRouter:
    router = APIRouter()

    @router.get("/{object_type_name}")
    def list_pipelines(object_type_name: str) -> JSONResponse:
        t = pipeline_type(object_type_name)
        with store.transaction() as tx:
            return JSONResponse({"results": pipelines.listing(tx, t)})

    @router.post("/{object_type_name}", status_code=201)
    def create_pipeline(object_type_name: str, body: PipelineInput) -> JSONResponse:
        t = pipeline_type(object_type_name)
        with store.transaction() as tx:
            created = pipelines.create(tx, t, body, clock())
        return JSONResponse(created, status_code=201)

    @router.get("/{object_type_name}/{pipeline_id}")
    def get_pipeline(object_type_name: str, pipeline_id: str) -> JSONResponse:
        t = pipeline_type(object_type_name)
        with store.transaction() as tx:
            return JSONResponse(pipelines.get(tx, t, pipeline_id))

    @router.get("/{object_type_name}/{pipeline_id}/stages")
    def list_stages(object_type_name: str, pipeline_id: str) -> JSONResponse:
        t = pipeline_type(object_type_name)
        with store.transaction() as tx:
            return JSONResponse({"results": pipelines.get(tx, t, pipeline_id)["stages"]})

    @router.post("/{object_type_name}/{pipeline_id}/stages", status_code=201)
    def create_stage(object_type_name: str, pipeline_id: str, body: StageInput) -> JSONResponse:
        t = pipeline_type(object_type_name)
        with store.transaction() as tx:
            stage = pipelines.add_stage(tx, t, pipeline_id, body, clock())
        return JSONResponse(stage, status_code=201)

    @router.get("/{object_type_name}/{pipeline_id}/stages/{stage_id}")
    def get_stage(object_type_name: str, pipeline_id: str, stage_id: str) -> JSONResponse:
        t = pipeline_type(object_type_name)
        with store.transaction() as tx:
            stages = pipelines.get(tx, t, pipeline_id)["stages"]
        for stage in stages:
            if stage["id"] == stage_id:
                return JSONResponse(stage)
        raise not_found(f"Unable to find stage {stage_id} in pipeline {pipeline_id}")

    return router
