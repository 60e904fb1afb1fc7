"""Property definitions per object type, and validation of the values written to objects.

Definitions are stored like any other emulator state (collection `properties:<type>`): the
built-ins from `schema.py`, the `seed_properties`, and whatever a client creates through
`POST /crm/v3/properties/{objectType}`. `hasUniqueValue` is fixed at creation, at most ten per
object type (HubSpot properties guide, "unique properties"); a second property with an existing
name is a 409 (legacy properties docs: "Returns a 409 Conflict ... Property names must be
unique").

Writes are validated the way HubSpot validates them: unknown properties, read-only values,
enumeration values that are not an option's internal `value` (INVALID_OPTION), numbers and
dates. Values are strings on the wire; dates come back as ISO 8601 whatever form was sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from callstate.sandbox.hubspot.errors import HubSpotError, invalid_properties, validation
from callstate.sandbox.hubspot.schema import ObjectType, builtin_properties
from callstate.sandbox.store import Doc, Tx

MAX_UNIQUE_PROPERTIES = 10
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


_WIRE = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


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
    type: Literal["bool", "date", "datetime", "enumeration", "number", "phone_number", "string"]
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


def now_iso(now: float) -> str:
    """HubSpot's timestamp format: ISO 8601, milliseconds, `Z`."""
    moment = datetime.fromtimestamp(now, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _collection(object_type: ObjectType) -> str:
    return f"properties:{object_type.name}"


def definitions(tx: Tx, object_type: ObjectType) -> dict[str, Doc]:
    return dict(tx.scan(_collection(object_type)))


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
    if spec.type == "enumeration" and not spec.options and not spec.external_options:
        raise validation(f"Enumeration property '{spec.name}' requires options")
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


def normalize_values(
    defs: Mapping[str, Doc], values: Mapping[str, object]
) -> dict[str, str | None]:
    """Validate written values; `None` in the result clears the property ("" clears too)."""
    problems: list[tuple[str, str, str]] = []
    out: dict[str, str | None] = {}
    for name, raw in values.items():
        definition = defs.get(name)
        if definition is None:
            problems.append((name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
            continue
        if definition["modificationMetadata"].get("readOnlyValue"):
            problems.append(
                (
                    name,
                    "READ_ONLY_VALUE",
                    f'"{name}" is a read only property; its value cannot be set.',
                )
            )
            continue
        if raw is None or raw == "":
            out[name] = None
            continue
        text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
        value, problem = _check(definition, text)
        if problem is not None:
            problems.append((name, problem[0], problem[1]))
        else:
            out[name] = value
    if problems:
        raise invalid_properties(problems)
    return out


def _check(definition: Doc, text: str) -> tuple[str, tuple[str, str] | None]:
    kind = definition["type"]
    if definition["name"] == "email":
        if "@" not in text:
            return text, ("INVALID_EMAIL", f"Email address {text} is invalid")
        return text.strip().lower(), None
    if kind == "number":
        try:
            float(text)
        except ValueError:
            return text, ("INVALID_INTEGER", f"{text} was not a valid number.")
        return text, None
    if kind in ("datetime", "date"):
        moment = parse_timestamp(text)
        if moment is None:
            return text, ("INVALID_DATE", f"{text} was not a valid date or epoch milliseconds.")
        if kind == "date":
            return moment.strftime("%Y-%m-%d"), None
        return now_iso(moment.timestamp()), None
    if kind == "bool" and text not in ("true", "false"):
        return text, ("INVALID_BOOLEAN", f"{text} was not a valid boolean (true or false).")
    if kind == "enumeration" and definition["options"] and not definition.get("externalOptions"):
        allowed = [o["value"] for o in definition["options"]]
        # Multi-select values are joined with ';' (HubSpot properties guide).
        for part in text.split(";"):
            if part not in allowed:
                return text, (
                    "INVALID_OPTION",
                    f"{part} was not one of the allowed options: {allowed}",
                )
    return text, None


def parse_timestamp(text: str) -> datetime | None:
    """ISO 8601 (naive = UTC) or epoch milliseconds, as HubSpot accepts for dates."""
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
