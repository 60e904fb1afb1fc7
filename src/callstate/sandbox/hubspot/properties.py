"""Property definitions per object type: create, read, update (collection `properties:<type>`).

Definitions are stored like any other emulator state: the built-ins from `builtins.py`, the
`seed_properties`, and whatever a client creates through `POST /crm/v3/properties/{objectType}`.
`hasUniqueValue` is fixed at creation, at most ten per object type (HubSpot properties guide,
"unique properties"); a second property with an existing name is a 409 (legacy properties docs:
"Returns a 409 Conflict ... Property names must be unique"). `PATCH` overwrites the fields it
is given (crm-properties-v3.json "Update a property"), e.g. to add enumeration options.
What may be written *to* a property is checked in `values.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from callstate.sandbox.hubspot import groups
from callstate.sandbox.hubspot.builtins import builtin_properties
from callstate.sandbox.hubspot.errors import HubSpotError, not_found, validation
from callstate.sandbox.hubspot.schema import ObjectType
from callstate.sandbox.hubspot.timestamps import now_iso
from callstate.sandbox.store import Doc, Tx

MAX_UNIQUE_PROPERTIES = 10
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_WIRE = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)
PropertyType = Literal[
    "bool", "date", "datetime", "enumeration", "number", "phone_number", "string"
]


class OptionInput(BaseModel):
    model_config = _WIRE
    label: str
    value: str
    hidden: bool = False
    display_order: int = -1
    description: str | None = None


class PropertyCreate(BaseModel):
    """The `PropertyCreate` request schema (camelCase on the wire)."""

    model_config = _WIRE
    name: str
    label: str
    type: PropertyType
    field_type: str
    group_name: str
    description: str = ""
    options: list[OptionInput] = Field(default_factory=list)
    display_order: int = -1
    has_unique_value: bool = False
    hidden: bool = False
    form_field: bool = False
    external_options: bool = False
    referenced_object_type: str | None = None
    data_sensitivity: str | None = None
    number_display_hint: str | None = None
    text_display_hint: str | None = None


class PropertyUpdate(BaseModel):
    """The `PropertyUpdate` request schema: every field optional, given ones overwrite."""

    model_config = _WIRE
    label: str | None = None
    type: PropertyType | None = None
    field_type: str | None = None
    group_name: str | None = None
    description: str | None = None
    options: list[OptionInput] | None = None
    display_order: int | None = None
    hidden: bool | None = None
    form_field: bool | None = None
    number_display_hint: str | None = None
    text_display_hint: str | None = None


def _collection(object_type: ObjectType) -> str:
    return f"properties:{object_type.name}"


def definitions(tx: Tx, object_type: ObjectType) -> dict[str, Doc]:
    return dict(tx.scan(_collection(object_type)))


def get(tx: Tx, object_type: ObjectType, name: str) -> Doc:
    definition = tx.get(_collection(object_type), name)
    if definition is None:
        raise not_found(f"Unable to find property {name} for object type {object_type.type_id}")
    return definition


def unique_properties(tx: Tx, object_type: ObjectType) -> set[str]:
    return {name for name, d in definitions(tx, object_type).items() if d.get("hasUniqueValue")}


def seed(tx: Tx, object_type: ObjectType, custom: Sequence[Mapping[str, Any]], now: float) -> None:
    """Install built-ins and seed properties; an existing definition is left as it is."""
    stamp = now_iso(now)
    for definition in builtin_properties(object_type, stamp):
        if tx.get(_collection(object_type), definition["name"]) is None:
            tx.put(_collection(object_type), definition["name"], definition)
    for raw in custom:
        spec = PropertyCreate.model_validate(raw)
        if tx.get(_collection(object_type), spec.name) is None:
            create(tx, object_type, spec, now)


def create(tx: Tx, object_type: ObjectType, spec: PropertyCreate, now: float) -> Doc:
    if not _NAME.match(spec.name):
        raise validation(
            f"Property name '{spec.name}' is not valid: use lower-case letters, digits, _"
        )
    if tx.get(_collection(object_type), spec.name) is not None:
        raise HubSpotError(
            409, "OBJECT_ALREADY_EXISTS", f"Property named '{spec.name}' already exists."
        )
    _check_group(tx, object_type, spec.group_name)
    _check_options(spec.name, spec.type, spec.options, spec.external_options)
    if spec.has_unique_value and len(unique_properties(tx, object_type)) >= MAX_UNIQUE_PROPERTIES:
        raise validation(
            f"Object type {object_type.type_id} already has {MAX_UNIQUE_PROPERTIES} unique "
            "properties"
        )
    stamp = now_iso(now)
    definition: Doc = {
        **spec.model_dump(by_alias=True, exclude_none=True),
        "calculated": False,
        "hubspotDefined": False,
        "archived": False,
        "createdAt": stamp,
        "updatedAt": stamp,
        "modificationMetadata": {
            "archivable": True,
            "readOnlyDefinition": False,
            "readOnlyOptions": False,
            "readOnlyValue": False,
        },
    }
    tx.put(_collection(object_type), spec.name, definition)
    return definition


def update(tx: Tx, object_type: ObjectType, name: str, patch: PropertyUpdate, now: float) -> Doc:
    definition = get(tx, object_type, name)
    changes = patch.model_dump(by_alias=True, exclude_none=True)
    rules = definition["modificationMetadata"]
    if rules.get("readOnlyDefinition") and set(changes) - {"options"}:
        raise validation(f"Property {name} is HubSpot-defined; its definition is read only")
    if "options" in changes and rules.get("readOnlyOptions"):
        raise validation(f"The options of property {name} are read only")
    if patch.group_name is not None:
        _check_group(tx, object_type, patch.group_name)
    merged = {**definition, **changes}
    _check_options(
        name,
        merged["type"],
        patch.options if patch.options is not None else definition["options"],
        bool(merged.get("externalOptions")),
    )
    merged["updatedAt"] = now_iso(now)
    tx.put(_collection(object_type), name, merged)
    return merged


def _check_group(tx: Tx, object_type: ObjectType, group_name: str) -> None:
    # HubSpot's answer to an unknown group is not documented and we could not observe it;
    # the UI offers existing groups only, so the emulator refuses (400) rather than inventing
    # the group, which would hide a missing "create group" step in `crm apply`.
    if groups.find(tx, object_type, group_name) is None:
        raise validation(
            f"Property group {group_name} does not exist for object type {object_type.type_id}",
            context={"groupName": [group_name]},
        )


def _check_options(
    name: str, kind: str, options: Sequence[OptionInput | Doc], external: bool
) -> None:
    values = [o.value if isinstance(o, OptionInput) else str(o["value"]) for o in options]
    if kind == "enumeration" and not values and not external:
        # crm-properties-v3.json PropertyCreate.options: "required for enumerated properties".
        raise validation(f"Enumeration property '{name}' requires options")
    if len(set(values)) != len(values):
        raise validation(f"Property '{name}' has duplicate option values")
