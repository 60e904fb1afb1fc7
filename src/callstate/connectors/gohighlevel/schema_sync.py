"""`GoHighLevelSchema`: `crm plan/apply` against a location's contact fields, pipelines, users.

Contact custom fields are named `callstate_<field>` so `mapping.our_field_name` finds them by
name or key (research/crm.md §2.4). Each `FieldType` gets the data type `mapping.field_value`
writes; an existing field of another type the mapping can also write (say `LARGE_TEXT` for a
text field) is accepted. Options of an existing field are not updatable: the locations API's
`UpdateCustomFieldsDTO` has no options (locations.json), so missing options are a conflict for
a person in GoHighLevel. Pipelines, stages and users are the location's own: reported, never
created. Tags need nothing: a contact tag is created by adding it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from callstate.config.model import GoHighLevelConfig, Workspace
from callstate.connectors.gohighlevel import access, api, mapping
from callstate.connectors.gohighlevel.client import GoHighLevelHttp
from callstate.connectors.schema import Probe, SchemaItem, SchemaState, check_access
from callstate.domain.fields import FieldSpec, FieldType
from callstate.policy.fields import written_fields

CONTACTS = "contacts"
CLOSED = ("won", "lost", "abandoned")  # opportunity statuses, not stages (crm.md §2.5)
# FieldType → (the data type we create, the data types `mapping.field_value` writes correctly).
_TYPES: dict[FieldType, tuple[str, frozenset[str]]] = {
    FieldType.TEXT: ("TEXT", frozenset({"TEXT", "LARGE_TEXT"})),
    FieldType.LONG_TEXT: ("LARGE_TEXT", frozenset({"LARGE_TEXT", "TEXT"})),
    FieldType.NUMBER: ("NUMERICAL", frozenset({"NUMERICAL", "MONETORY"})),
    FieldType.BOOL: ("RADIO", frozenset({"RADIO", "SINGLE_OPTIONS", "CHECKBOX"})),
    FieldType.DATETIME: ("DATE", frozenset({"DATE"})),
    FieldType.ENUM: ("SINGLE_OPTIONS", frozenset({"SINGLE_OPTIONS", "RADIO"})),
    FieldType.MULTI: ("MULTIPLE_OPTIONS", frozenset({"MULTIPLE_OPTIONS", "CHECKBOX"})),
}
_YES, _NO = ("yes", "true", "1"), ("no", "false", "0")  # what `mapping` matches for a bool


@dataclass(frozen=True, slots=True)
class _Wanted:
    name: str  # ours, without the prefix
    spec: FieldSpec

    @property
    def data_type(self) -> str:
        return _TYPES[self.spec.type][0]

    @property
    def options(self) -> tuple[str, ...]:
        return ("Yes", "No") if self.spec.type is FieldType.BOOL else self.spec.options

    def body(self) -> dict[str, Any]:
        """`CreateCustomFieldsDTO`; `options` as the emulator and the v2 fields API take it."""
        body: dict[str, Any] = {
            "name": mapping.FIELD_PREFIX + self.name,
            "dataType": self.data_type,
            "placeholder": self.spec.label,
            "model": "contact",
        }
        if self.options:
            body["options"] = list(self.options)
        return body


class GoHighLevelSchema:
    def __init__(self, config: GoHighLevelConfig, http: GoHighLevelHttp) -> None:
        self._location = config.location_id
        self._http = http

    def close(self) -> None:
        self._http.close()

    def plan(self, workspace: Workspace) -> list[SchemaItem]:
        items = [item for item, _ in self._field_plan(workspace)]
        return items + self._pipeline_plan(workspace) + self._user_plan(workspace)

    def access(self, workspace: Workspace) -> list[SchemaItem]:
        """`locations.readonly` first: the company id the users probe needs comes from it."""
        location = Probe(
            "locations.readonly", "read the sub-account", "GET", f"/locations/{self._location}"
        )

        def run(probe: Probe) -> object:
            return self._http.request(probe.method, probe.path, params=probe.params)

        first = check_access([location], run, access.is_scope_refusal, "GoHighLevel")
        if first[0].state is not SchemaState.OK:
            return first
        found = self._http.call(api.LocationResponse, "GET", f"/locations/{self._location}")
        probes = access.probes(workspace, self._location, found.location.companyId)
        return first + check_access(probes, run, access.is_scope_refusal, "GoHighLevel")

    def apply(self, workspace: Workspace) -> list[SchemaItem]:
        done: list[SchemaItem] = []
        path = f"/locations/{self._location}/customFields"
        for item, wanted in self._field_plan(workspace):
            if item.state is SchemaState.MISSING:
                self._http.request("POST", path, json=wanted.body())
                item = SchemaItem(item.object, item.name, SchemaState.CREATED, item.detail)
            done.append(item)
        return done + self._pipeline_plan(workspace) + self._user_plan(workspace)

    def _field_plan(self, workspace: Workspace) -> list[tuple[SchemaItem, _Wanted]]:
        path = f"/locations/{self._location}/customFields"
        listed = self._http.call(api.CustomFields, "GET", path, params={"model": "contact"})
        present = {
            name: f for f in listed.customFields if (name := mapping.our_field_name(f)) is not None
        }
        return [(_compare(w, present.get(w.name)), w) for w in required_fields(workspace)]

    def _pipeline_plan(self, workspace: Workspace) -> list[SchemaItem]:
        params = {"locationId": self._location}
        pipelines = self._http.call(
            api.Pipelines, "GET", "/opportunities/pipelines", params=params
        ).pipelines
        items: list[SchemaItem] = []
        for audience in workspace.audiences:
            motion = audience.crm
            if not motion.stages:
                continue
            pipeline = _pipeline(pipelines, motion.pipeline)
            if pipeline is None:
                detail = f"{audience.id}: no such pipeline; create it in GoHighLevel"
                items.append(SchemaItem("pipelines", motion.pipeline, SchemaState.MANUAL, detail))
                continue
            for outcome, stage in sorted(motion.stages.items()):
                found = stage.casefold() in CLOSED or any(
                    stage == s.id or stage.casefold() == s.name.casefold() for s in pipeline.stages
                )
                detail = f"{audience.id}: {outcome.value} → {stage}"
                if not found:
                    detail += f" (not a stage of {pipeline.name!r}; create it in GoHighLevel)"
                state = SchemaState.OK if found else SchemaState.MANUAL
                items.append(SchemaItem("pipelines", f"{pipeline.name}/{stage}", state, detail))
        return _unique(items)

    def _user_plan(self, workspace: Workspace) -> list[SchemaItem]:
        if not workspace.team:
            return []
        location = self._http.call(api.LocationResponse, "GET", f"/locations/{self._location}")
        items = []
        for member in workspace.team:
            params = {
                "companyId": location.location.companyId,
                "locationId": self._location,
                "query": member.email,
            }
            found = self._http.call(api.Users, "GET", "/users/search", params=params)
            live = [
                u
                for u in found.users
                if u.email.casefold() == member.email.casefold() and not u.deleted
            ]
            state = SchemaState.OK if live else SchemaState.MANUAL
            detail = f"user {live[0].id}" if live else "no user in this sub-account: add them"
            items.append(SchemaItem("users", member.email, state, detail))
        return items


def required_fields(workspace: Workspace) -> list[_Wanted]:
    """The contact fields the audiences write, by name."""
    return [_Wanted(name, spec) for name, spec in written_fields(workspace.audiences).items()]


def _compare(wanted: _Wanted, present: api.CustomField | None) -> SchemaItem:
    name = mapping.FIELD_PREFIX + wanted.name
    describe = wanted.data_type + (f" {list(wanted.options)}" if wanted.options else "")
    if present is None:
        return SchemaItem(CONTACTS, name, SchemaState.MISSING, describe)
    if present.dataType not in _TYPES[wanted.spec.type][1]:
        detail = (
            f"is {present.dataType}, needs {wanted.data_type} ({wanted.spec.type.value}); "
            "rename or recreate it in GoHighLevel"
        )
        return SchemaItem(CONTACTS, name, SchemaState.CONFLICT, detail)
    missing = _missing_options(wanted, present)
    if missing:
        # UpdateCustomFieldsDTO (locations.json) cannot change options: a person adds them.
        detail = (
            f"options {missing} missing; the API cannot add options to an existing field: "
            "add them in GoHighLevel (Settings → Custom Fields)"
        )
        return SchemaItem(CONTACTS, name, SchemaState.CONFLICT, detail)
    return SchemaItem(CONTACTS, name, SchemaState.OK, f"id {present.id}")


def _missing_options(wanted: _Wanted, present: api.CustomField) -> list[str]:
    have = {o.casefold() for o in present.picklistOptions}
    if wanted.spec.type is FieldType.BOOL:
        # `mapping` writes a bool as a yes/no option, or ticks a one-box checkbox.
        needed = [("Yes", _YES)] if present.dataType == "CHECKBOX" else [("Yes", _YES), ("No", _NO)]
        return [label for label, forms in needed if not have & set(forms)]
    return [o for o in wanted.options if o.casefold() not in have]


def _pipeline(pipelines: list[api.Pipeline], wanted: str) -> api.Pipeline | None:
    """As `Lookups.pipeline`: by id, else by name; `default` is the first one listed."""
    for p in pipelines:
        if wanted == p.id or wanted.casefold() == p.name.casefold():
            return p
    return pipelines[0] if wanted == "default" and pipelines else None


def _unique(items: list[SchemaItem]) -> list[SchemaItem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for item in items:
        if (item.object, item.name) not in seen:
            seen.add((item.object, item.name))
            out.append(item)
    return out
