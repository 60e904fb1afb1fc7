"""Custom fields of contacts and opportunities: definitions per location, and value checks.

Endpoints (locations.json): `GET|POST /locations/{locationId}/customFields` and `GET
.../customFields/{id}`; shapes `CreateCustomFieldsDTO` in, `CustomFieldSchema` out.
Data types are the v2 custom-fields vocabulary (custom-fields.json, research/crm.md §2.4).

Sandbox choices where the documents are silent (all unverified):
- `fieldKey` is `<model>.<name lower-cased, non-alphanumerics as _>` (`contact.callstate_intent`);
- `options` (a list of strings) sets the picklist of option types, as the v2 custom-fields API
  takes it; the locations create DTO does not list it;
- a second field of the same model and name is refused (400), so `crm apply` stays idempotent;
- `GET` without `model` lists every model.

Contact writes `customFields: [{id | key, field_value}]` are checked against the location's
definitions: an unknown field or a value of the wrong type is a 422 naming it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from callstate.sandbox.gohighlevel.errors import bad_request, not_found, unprocessable, with_trace
from callstate.sandbox.gohighlevel.gate import grant_of
from callstate.sandbox.gohighlevel.seeds import ghl_id
from callstate.sandbox.gohighlevel.timestamps import iso
from callstate.sandbox.store import Doc, Store, Tx

DATA_TYPES = (
    "TEXT",
    "LARGE_TEXT",
    "NUMERICAL",
    "PHONE",
    "MONETORY",  # sic, GoHighLevel's spelling
    "CHECKBOX",
    "SINGLE_OPTIONS",
    "MULTIPLE_OPTIONS",
    "DATE",
    "TEXTBOX_LIST",
    "FILE_UPLOAD",
    "RADIO",
    "EMAIL",
)
_TEXT = {"TEXT", "LARGE_TEXT", "PHONE", "EMAIL"}
_NUMBER = {"NUMERICAL", "MONETORY"}
_ONE_OF = {"SINGLE_OPTIONS", "RADIO"}
_MANY_OF = {"MULTIPLE_OPTIONS", "CHECKBOX"}
Model = Literal["contact", "opportunity"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateFieldBody(_Body):
    name: str
    dataType: str  # noqa: N815 - GoHighLevel's field names
    placeholder: str | None = None
    acceptedFormat: list[str] | None = None  # noqa: N815
    isMultipleFile: bool | None = None  # noqa: N815
    maxNumberOfFiles: float | None = None  # noqa: N815
    textBoxListOptions: list[dict[str, Any]] | None = None  # noqa: N815
    position: float = 0
    model: Model = "contact"
    options: list[str] | None = None  # undocumented here; see the module docstring


class CustomFieldInput(_Body):
    """One `customFields[]` item of a contact write (TextField ... FileField in contacts.json)."""

    id: str | None = None
    key: str | None = None
    field_value: Any = None


def field_key(model: str, name: str) -> str:
    return f"{model}.{re.sub(r'[^a-z0-9]+', '_', name.lower()).strip('_')}"


class Fields:
    """Custom field definitions in the `custom_fields` collection."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def create(
        self, tx: Tx, location_id: str, body: CreateFieldBody, field_id: str | None = None
    ) -> Doc:
        if body.dataType not in DATA_TYPES:
            raise unprocessable(f"dataType must be one of the following values: {DATA_TYPES}")
        key = field_key(body.model, body.name)
        if any(f["fieldKey"] == key for f in self._of(tx, location_id, body.model)):
            raise bad_request(f"Custom field {body.name!r} already exists")
        field_id = field_id or ghl_id("custom-field", tx.next_value("custom_field_id"))
        doc: Doc = {
            "id": field_id,
            "name": body.name,
            "fieldKey": key,
            "placeholder": body.placeholder or "",
            "dataType": body.dataType,
            "position": body.position,
            "picklistOptions": list(body.options or []),
            "locationId": location_id,
            "model": body.model,
            "dateAdded": iso(self._clock()),
        }
        tx.put("custom_fields", field_id, doc)
        return doc

    def seed(self, tx: Tx, location_id: str, bodies: Sequence[Mapping[str, Any]]) -> None:
        for raw in bodies:
            body = CreateFieldBody.model_validate(raw)
            key = field_key(body.model, body.name)
            if not any(f["fieldKey"] == key for f in self._of(tx, location_id, body.model)):
                # Seeded fields keep their ids across resets, so a client's cache stays valid.
                self.create(tx, location_id, body, ghl_id("seed-field", f"{location_id}:{key}"))

    def listed(self, location_id: str, model: str) -> list[Doc]:
        with self._store.transaction() as tx:
            return self._of(tx, location_id, None if model == "all" else model)

    def get(self, location_id: str, field_id: str) -> Doc:
        doc = self._store.get("custom_fields", field_id)
        if doc is None or doc["locationId"] != location_id:
            raise not_found(f"Custom field with id {field_id} not found")
        return doc

    def apply(
        self,
        tx: Tx,
        location_id: str,
        model: Model,
        current: Mapping[str, Any],
        inputs: Sequence[CustomFieldInput],
    ) -> dict[str, Any]:
        """`current` (field id → value) with the inputs written; 422 naming every bad item."""
        defined = self._of(tx, location_id, model)
        values = dict(current)
        problems = []
        for index, item in enumerate(inputs):
            name = f"customFields.{index}"
            definition = _find(defined, item)
            if definition is None:
                ref = item.id or item.key or "(no id or key)"
                problems.append(f"{name}: no {model} custom field {ref} in this location")
                continue
            if item.field_value is None or item.field_value in ("", []):
                values.pop(definition["id"], None)
                continue
            try:
                values[definition["id"]] = check_value(definition, item.field_value)
            except ValueError as exc:
                problems.append(f"{name}.field_value {exc}")
        if problems:
            raise unprocessable(*problems)
        return values

    @staticmethod
    def _of(tx: Tx, location_id: str, model: str | None) -> list[Doc]:
        return [
            doc
            for _, doc in tx.scan("custom_fields")
            if doc["locationId"] == location_id and model in (None, doc["model"])
        ]


def _find(defined: Sequence[Doc], item: CustomFieldInput) -> Doc | None:
    for doc in defined:
        if item.id is not None and doc["id"] == item.id:
            return doc
        # The documents require `id`; a `key` alone is accepted with or without the model
        # prefix (which form GoHighLevel takes is unverified, research/crm.md §7).
        if item.id is None and item.key in (doc["fieldKey"], doc["fieldKey"].split(".", 1)[1]):
            return doc
    return None


def check_value(definition: Doc, value: Any) -> Any:
    """The value as stored, or ValueError saying what the field's data type needs."""
    kind: str = definition["dataType"]
    options: list[str] = definition["picklistOptions"]
    if kind in _TEXT:
        if not isinstance(value, str):
            raise ValueError(f"must be a string ({kind} field)")
        return value
    if kind in _NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError(f"must be a number ({kind} field)")
        try:
            return float(value) if isinstance(value, str) else value
        except ValueError:
            raise ValueError(f"must be a number ({kind} field)") from None
    if kind in _ONE_OF:
        if not isinstance(value, str) or (options and value not in options):
            raise ValueError(f"must be one of {options} ({kind} field)")
        return value
    if kind in _MANY_OF:
        chosen = [value] if isinstance(value, str) else value
        if not isinstance(chosen, list) or not all(isinstance(v, str) for v in chosen):
            raise ValueError(f"must be an array of strings ({kind} field)")
        unknown = [v for v in chosen if options and v not in options]
        if unknown:
            raise ValueError(f"has values {unknown} that are not among {options} ({kind} field)")
        return chosen
    if kind == "DATE":
        return _check_date(value)
    if not isinstance(value, dict):  # TEXTBOX_LIST, FILE_UPLOAD
        raise ValueError(f"must be an object ({kind} field)")
    return value


def _check_date(value: Any) -> Any:
    """ISO 8601 text or epoch milliseconds (which forms GoHighLevel takes is unverified)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            if "T" in value:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            else:
                date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return value
    raise ValueError("must be an ISO 8601 date or date-time, or epoch milliseconds (DATE field)")


def field_wire(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if k != "dateAdded"}


def fields_router(fields: Fields, store: Store) -> APIRouter:
    router = APIRouter()
    base = "/locations/{location_id}/customFields"

    @router.get(base)
    def list_fields(
        location_id: str,
        request: Request,
        model: Annotated[Literal["contact", "opportunity", "all"], Query()] = "all",
    ) -> JSONResponse:
        grant_of(request).require("locations/customFields.readonly", location_id)
        listed = [field_wire(f) for f in fields.listed(location_id, model)]
        return JSONResponse(with_trace({"customFields": listed}))

    @router.post(base, status_code=201)
    def create_field(location_id: str, body: CreateFieldBody, request: Request) -> JSONResponse:
        grant_of(request).require("locations/customFields.write", location_id)
        with store.transaction() as tx:
            created = fields.create(tx, location_id, body)
        return JSONResponse(with_trace({"customField": field_wire(created)}), status_code=201)

    @router.get(base + "/{field_id}")
    def get_field(location_id: str, field_id: str, request: Request) -> JSONResponse:
        grant_of(request).require("locations/customFields.readonly", location_id)
        found = field_wire(fields.get(location_id, field_id))
        return JSONResponse(with_trace({"customField": found}))

    return router
