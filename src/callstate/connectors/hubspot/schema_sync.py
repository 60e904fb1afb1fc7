"""`HubSpotSchema`: `crm plan/apply` against a portal's properties, pipelines and owners."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from callstate.config.model import HubSpotConfig, Workspace
from callstate.connectors.hubspot import access, api
from callstate.connectors.hubspot.client import HubSpotHttp
from callstate.connectors.hubspot.schema import required_properties
from callstate.connectors.schema import Probe, SchemaItem, SchemaState, check_access

PROPERTIES = f"/crm/properties/{api.VERSION}"


class _Option(BaseModel):
    model_config = ConfigDict(extra="ignore")
    label: str
    value: str
    displayOrder: int = -1  # noqa: N815 - HubSpot's field name


class _Property(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: str
    type: str
    hasUniqueValue: bool = False  # noqa: N815 - HubSpot's field name
    options: list[_Option] = []


class _Properties(BaseModel):
    model_config = ConfigDict(extra="ignore")
    results: list[_Property] = []


class HubSpotSchema:
    def __init__(self, config: HubSpotConfig, http: HubSpotHttp) -> None:
        self._config = config
        self._http = http

    def close(self) -> None:
        self._http.close()

    def plan(self, workspace: Workspace) -> list[SchemaItem]:
        items = [item for item, _ in self._property_plan(workspace)]
        return items + self._pipeline_plan(workspace) + self._owner_plan(workspace)

    def access(self, workspace: Workspace) -> list[SchemaItem]:
        def run(probe: Probe) -> object:
            return self._http.request(probe.method, probe.path, params=probe.params)

        return check_access(access.probes(workspace), run, access.is_scope_refusal, "HubSpot")

    def apply(self, workspace: Workspace) -> list[SchemaItem]:
        done: list[SchemaItem] = []
        for item, body in self._property_plan(workspace):
            path = f"{PROPERTIES}/{item.object}"
            if item.state is SchemaState.MISSING:
                self._http.request("POST", path, json=body)
            elif item.state is SchemaState.ADD_OPTIONS:
                self._http.request("PATCH", f"{path}/{item.name}", json=body)
            else:
                done.append(item)
                continue
            done.append(SchemaItem(item.object, item.name, SchemaState.CREATED, item.detail))
        return done + self._pipeline_plan(workspace) + self._owner_plan(workspace)

    def _property_plan(self, workspace: Workspace) -> list[tuple[SchemaItem, dict[str, Any]]]:
        plan: list[tuple[SchemaItem, dict[str, Any]]] = []
        for object_type, wanted in required_properties(self._config, workspace.audiences).items():
            listed = self._http.call(_Properties, "GET", f"{PROPERTIES}/{object_type}")
            present = {p.name: p for p in listed.results}
            for body in wanted:
                plan.append(_compare(object_type, body, present.get(body["name"])))
        return plan

    def _pipeline_plan(self, workspace: Workspace) -> list[SchemaItem]:
        pipelines = self._http.call(api.Pipelines, "GET", f"{api.PIPELINES}/deals").results
        by_name = {key: p for p in pipelines for key in (p.id, p.label)}
        items: list[SchemaItem] = []
        for audience in workspace.audiences:
            motion = audience.crm
            if not motion.stages:
                continue
            pipeline = by_name.get(motion.pipeline)
            if pipeline is None:
                items.append(
                    SchemaItem("pipelines", motion.pipeline, SchemaState.MANUAL, "no such pipeline")
                )
                continue
            names = {key for s in pipeline.ordered() for key in (s.id, s.label)}
            for outcome, stage in sorted(motion.stages.items()):
                state = SchemaState.OK if stage in names else SchemaState.MANUAL
                detail = f"{audience.id}: {outcome.value} → {stage}"
                if state is SchemaState.MANUAL:
                    detail += f" (not a stage of {pipeline.label!r}; create it in HubSpot)"
                items.append(SchemaItem("pipelines", f"{pipeline.label}/{stage}", state, detail))
        return _unique(items)

    def _owner_plan(self, workspace: Workspace) -> list[SchemaItem]:
        items = []
        for member in workspace.team:
            found = self._http.call(api.Owners, "GET", api.OWNERS, params={"email": member.email})
            live = [o for o in found.results if not o.archived]
            state = SchemaState.OK if live else SchemaState.MANUAL
            detail = f"owner {live[0].id}" if live else "no HubSpot user: invite them"
            items.append(SchemaItem("users", member.email, state, detail))
        return items


def _compare(
    object_type: str, body: dict[str, Any], present: _Property | None
) -> tuple[SchemaItem, dict[str, Any]]:
    name = body["name"]
    if present is None:
        return SchemaItem(object_type, name, SchemaState.MISSING, _describe(body)), body
    if present.type != body["type"] or present.hasUniqueValue != body.get("hasUniqueValue", False):
        detail = (
            f"is {present.type}{' unique' if present.hasUniqueValue else ''}, "
            f"needs {_describe(body)}; rename or recreate it in HubSpot"
        )
        return SchemaItem(object_type, name, SchemaState.CONFLICT, detail), {}
    have = {o.value for o in present.options}
    missing = [o for o in body.get("options", []) if o["value"] not in have]
    if missing and body["type"] == "enumeration":
        # PATCH replaces the option list: send the existing options back unchanged.
        kept = [o.model_dump() | {"hidden": False} for o in present.options]
        options = [*kept, *missing]
        detail = f"add {', '.join(o['value'] for o in missing)}"
        return SchemaItem(object_type, name, SchemaState.ADD_OPTIONS, detail), {"options": options}
    return SchemaItem(object_type, name, SchemaState.OK), {}


def _describe(body: dict[str, Any]) -> str:
    unique = " unique" if body.get("hasUniqueValue") else ""
    return f"{body['type']}/{body['fieldType']}{unique}"


def _unique(items: list[SchemaItem]) -> list[SchemaItem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for item in items:
        if (item.object, item.name) not in seen:
            seen.add((item.object, item.name))
            out.append(item)
    return out
