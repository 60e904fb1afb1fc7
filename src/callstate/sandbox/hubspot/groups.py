"""Property groups per object type (collection `groups:<type>`).

Every portal has HubSpot's built-in groups (`builtins.GROUPS`); clients add their own with
`POST /crm/v3/properties/{objectType}/groups` (`PropertyGroupCreate`: `name`, `label`,
optional `displayOrder`). A second group with an existing name is a 409, like a property
(crm.md §7 lists the exact status as unverified; 409 is what HubSpot's legacy groups docs say).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from callstate.sandbox.hubspot.builtins import builtin_groups
from callstate.sandbox.hubspot.errors import HubSpotError, not_found, validation
from callstate.sandbox.hubspot.schema import ObjectType
from callstate.sandbox.store import Doc, Tx

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_WIRE = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


class PropertyGroupCreate(BaseModel):
    model_config = _WIRE
    name: str
    label: str
    display_order: int = -1


class PropertyGroupUpdate(BaseModel):
    model_config = _WIRE
    label: str | None = None
    display_order: int | None = None


def _collection(object_type: ObjectType) -> str:
    return f"groups:{object_type.name}"


def seed(tx: Tx, object_type: ObjectType) -> None:
    for group in builtin_groups(object_type):
        if tx.get(_collection(object_type), group["name"]) is None:
            tx.put(_collection(object_type), group["name"], group)


def listing(tx: Tx, object_type: ObjectType) -> list[Doc]:
    return [doc for _, doc in tx.scan(_collection(object_type))]


def find(tx: Tx, object_type: ObjectType, name: str) -> Doc | None:
    return tx.get(_collection(object_type), name)


def get(tx: Tx, object_type: ObjectType, name: str) -> Doc:
    group = find(tx, object_type, name)
    if group is None:
        raise not_found(
            f"Unable to find property group {name} for object type {object_type.type_id}"
        )
    return group


def create(tx: Tx, object_type: ObjectType, spec: PropertyGroupCreate) -> Doc:
    if not _NAME.match(spec.name):
        raise validation(
            f"Property group name '{spec.name}' is not valid: use lower-case letters, digits, _"
        )
    if find(tx, object_type, spec.name) is not None:
        raise HubSpotError(
            409, "OBJECT_ALREADY_EXISTS", f"Property group named '{spec.name}' already exists."
        )
    group: Doc = {
        "name": spec.name,
        "label": spec.label,
        "displayOrder": spec.display_order,
        "archived": False,
    }
    tx.put(_collection(object_type), spec.name, group)
    return group


def update(tx: Tx, object_type: ObjectType, name: str, patch: PropertyGroupUpdate) -> Doc:
    group = get(tx, object_type, name)
    if patch.label is not None:
        group["label"] = patch.label
    if patch.display_order is not None:
        group["displayOrder"] = patch.display_order
    tx.put(_collection(object_type), name, group)
    return group
