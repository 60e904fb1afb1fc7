"""Validate recorded sandbox exchanges against the vendors' own OpenAPI documents.

`validate_exchange(vendor, exchange)` finds the operation (method + path template) in the
vendor's documents under `<repo>/../shared/vendor-specs/<vendor>/`, then checks the JSON request
body (or, for Slack, the query/form/JSON arguments) and the JSON response for that status
against the operation's schemas, resolving `$ref`s. A mismatch raises `AssertionError` naming
the vendor, the operation, the document and the JSON path. `validate_all` checks a list and
reports every failure at once. Exchanges are the records of `GET <vendor>/_sandbox/requests`.

The documents are reference data from the steering checkout, never shipped: `require_specs()`
skips a test when `../shared` is absent (a user's clone). Where a document is wrong or stale,
the fix is an entry in `OVERRIDES` below with its reason — never a silent skip.

Longer than our usual module: the override list is a third of it and belongs beside the code
that applies it, so a reader sees every departure from the documents in one place.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID

import pytest
import yaml
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO.parent / "shared" / "vendor-specs"
_VENDOR_FILES = {
    "hubspot": ("hubspot/*.json", "hubspot/2026-09/*.json"),
    "slack": ("slack/slack_web_openapi_v2.json",),
    # Layout kept as upstream: apps/*.json refer to ../common/common-schemas.json (SOURCE.txt).
    "gohighlevel": ("gohighlevel/apps/*.json", "gohighlevel/common/*.json"),
    "calcom": ("calcom/openapi.json",),
    "calendly": ("calendly/openapi.yaml",),
    "retell": ("retell/openapi.yaml",),
}
# HubSpot's generic documents describe /{objectType}/ paths; pick the one named for the type.
_TYPE_IDS = {"0-1": "contacts", "0-3": "deals", "0-46": "notes", "0-48": "calls"}

Json = dict[str, Any]


def require_specs() -> None:
    """Skip the calling test when the vendor documents are not next to the repository."""
    if not SPECS.is_dir():
        pytest.skip(f"vendor OpenAPI documents not found at {SPECS} (steering checkout only)")


# -- overrides: every place where a document is known to be wrong -------------------------


@dataclass(frozen=True)
class RelaxRequired:
    """Drop names from a component schema's `required` list in every document of a vendor."""

    vendor: str
    schema: str
    names: tuple[str, ...]
    reason: str

    def apply(self, doc: Json) -> None:
        target = doc.get("components", {}).get("schemas", {}).get(self.schema)
        if target is not None:
            target["required"] = [n for n in target.get("required", []) if n not in self.names]


@dataclass(frozen=True)
class SetAt:
    """Set (or, with `value=None`, delete) the node at a JSON pointer."""

    vendor: str
    pointer: str
    value: Any
    reason: str

    def apply(self, doc: Json) -> None:
        *parents, leaf = [_unescape(p) for p in self.pointer.lstrip("/").split("/")]
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
        if isinstance(node, list):
            node.append(copy.deepcopy(self.value))  # leaf "-" appends, as in JSON Patch
        elif self.value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = copy.deepcopy(self.value)


@dataclass(frozen=True)
class AddResponse:
    """Give every operation a response the documents do not model (e.g. 429)."""

    vendor: str
    status: str
    schema: Json
    reason: str

    def apply(self, doc: Json) -> None:
        for operation in _operations_of(doc):
            response = {"description": self.reason, "schema": self.schema}
            if "openapi" in doc:
                response = {
                    "description": self.reason,
                    "content": {"application/json": {"schema": self.schema}},
                }
            operation["responses"].setdefault(self.status, response)


@dataclass(frozen=True)
class ItemsListAsUnion:
    """`"items": [A, B]` on a non-array schema means "A or B" in Slack's generator."""

    vendor: str
    reason: str

    def apply(self, doc: Json) -> None:
        def walk(node: Any, key: str = "") -> None:
            if key in ("example", "examples"):
                return
            if isinstance(node, dict):
                items = node.get("items")
                if isinstance(items, list) and node.get("type") != "array":
                    node["anyOf"] = node.pop("items")
                for k, v in node.items():
                    walk(v, k)
            elif isinstance(node, list):
                for v in node:
                    walk(v)

        walk(doc)


@dataclass(frozen=True)
class Quirk:
    """A vendor behaviour the validator must know that is not a document edit."""

    vendor: str
    name: str
    reason: str

    def apply(self, doc: Json) -> None:
        return None


@dataclass(frozen=True)
class SetWhere:
    """Set the node at a JSON pointer only in documents that already hold its parent.

    GoHighLevel's nine documents reuse schema names for different things (`CustomFieldSchema`
    is a value in contacts.json and a definition in locations.json), and `SetAt` would grow a
    path in every document, registering phantom operations.
    """

    vendor: str
    pointer: str
    value: Any
    reason: str

    def apply(self, doc: Json) -> None:
        *parents, leaf = [_unescape(p) for p in self.pointer.lstrip("/").split("/")]
        node: Any = doc
        for part in parents:
            if not isinstance(node, dict) or part not in node:
                return
            node = node[part]
        node[leaf] = copy.deepcopy(self.value)


@dataclass(frozen=True)
class RebaseRefs:
    """Rewrite `$ref`s starting with `prefix` to start with `target` (a registry URI)."""

    vendor: str
    prefix: str
    target: str
    reason: str

    def apply(self, doc: Json) -> None:
        def walk(node: Any) -> None:
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith(self.prefix):
                    node["$ref"] = self.target + ref[len(self.prefix) :]
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(doc)


Override = RelaxRequired | SetAt | SetWhere | RebaseRefs | AddResponse | ItemsListAsUnion | Quirk

_HUBSPOT_RATE_LIMIT = {
    "type": "object",
    "required": ["status", "message", "errorType", "correlationId", "policyName"],
    "properties": {
        "status": {"enum": ["error"]},
        "message": {"type": "string"},
        "errorType": {"enum": ["RATE_LIMIT"]},
        "correlationId": {"type": "string", "format": "uuid"},
        "policyName": {"enum": ["TEN_SECONDLY_ROLLING", "SECONDLY", "DAILY"]},
        "groupName": {"type": "string"},
    },
}
_SLACK_CURSOR = {
    "type": "object",
    "additionalProperties": False,
    "required": ["next_cursor"],
    "properties": {"next_cursor": {"type": "string"}},
}
_CHAT = "/paths/~1chat.postMessage/post"
_HISTORY = "/paths/~1conversations.history/get"
_REPLIES = "/paths/~1conversations.replies/get"
_JSON_ENCODED = {"blocks": "array", "attachments": "array", "metadata": "object"}

_GHL_COMMON = "urn:vendor-spec:gohighlevel/common/common-schemas.json"
_GHL_ERROR = {
    "type": "object",
    "required": ["statusCode", "message"],
    "properties": {
        "statusCode": {"type": "number"},
        "message": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "error": {"type": "string"},
        "traceId": {"type": "string"},
    },
}
_GHL_STAGE = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "position": {"type": "number"},
        "showInFunnel": {"type": "boolean"},
        "showInPieChart": {"type": "boolean"},
    },
}

_CAL_ERROR = {
    "type": "object",
    "required": ["status", "timestamp", "path", "error"],
    "properties": {
        "status": {"enum": ["error"]},
        "timestamp": {"type": "string"},
        "path": {"type": "string"},
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
        },
    },
}
_ERROR_REASON = (
    "The document models success responses only; every error leaves the API through one "
    "NestJS filter as {status: error, timestamp, path, error{code, message, details}} "
    "(research/calendar_slack.md §1.1, CAL-CODE http-exception.filter.ts)."
)


def _refs(*names: str) -> list[dict[str, str]]:
    return [{"$ref": f"#/components/schemas/{name}"} for name in names]


_CALCOM_OVERRIDES: tuple[Override, ...] = (
    SetAt(
        "calcom",
        "/paths/~1v2~1bookings/post/requestBody/content/application~1json/schema",
        {
            "anyOf": _refs(
                "CreateBookingInput_2024_08_13",
                "CreateInstantBookingInput_2024_08_13",
                "CreateRecurringBookingInput_2024_08_13",
            )
        },
        "oneOf cannot hold: a regular and a recurring booking input have the same required "
        "members (the API tells them apart by the event type, the operation's description), "
        "so every regular body matches both; read as anyOf.",
    ),
    SetAt(
        "calcom",
        "/paths/~1v2~1slots/get/responses/200/content/application~1json/schema",
        {
            "type": "object",
            "required": ["status", "data"],
            "properties": {
                "status": {"enum": ["success"]},
                "data": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["start"],
                            "properties": {
                                "start": {"type": "string"},
                                "end": {"type": "string"},
                                "attendeesCount": {"type": "number"},
                                "bookingUid": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
        "The 200 schema describes the date map as the whole body (no status/data envelope) "
        "and its default items as strings, while its own examples show {status, data: {date: "
        "[{start}]}} (research/calendar_slack.md §1.3, CAL-CODE slots-output.service.ts).",
    ),
    SetAt(
        "calcom",
        "/components/schemas/EventTypeOutput_2024_06_14/properties/recurrence",
        {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/Recurrence_2024_06_14"}]},
        "`nullable: true` beside an allOf without `type`: the validator's nullable rewrite "
        "needs a type, so a non-recurring event type's `recurrence: null` would fail.",
    ),
    SetAt(
        "calcom",
        "/components/schemas/CreateWebhookInputDto/properties/triggers",
        {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "Typed as one string with an enum, yet the API takes an array of triggers (its own "
        "example, research/calendar_slack.md §1.7).",
    ),
    SetAt(
        "calcom",
        "/components/schemas/UserWebhookOutputDto/properties/triggers/items",
        {"type": "string"},
        "Items typed `object`; a subscription's triggers are the trigger names it was created "
        "with (CreateWebhookInputDto's enum; research/calendar_slack.md §1.7).",
    ),
    *(
        AddResponse("calcom", status, _CAL_ERROR, _ERROR_REASON)
        for status in ("400", "401", "404", "409", "429")
    ),
)


OVERRIDES: tuple[Override, ...] = (
    # HubSpot ------------------------------------------------------------------------------
    RelaxRequired(
        "hubspot",
        "PublicObjectSearchRequest",
        ("after", "filterGroups", "limit", "properties", "sorts"),
        "Marked required, but the API defaults them and hubspot-api-client 12.0.0 (generated "
        "from these documents) declares every field of PublicObjectSearchRequest optional.",
    ),
    RelaxRequired(
        "hubspot",
        "SimplePublicObjectInputForCreate",
        ("associations",),
        "Creates without associations are the common case; hubspot-api-client 12.0.0 omits the "
        "field unless set.",
    ),
    AddResponse(
        "hubspot",
        "429",
        _HUBSPOT_RATE_LIMIT,
        "No document models 429; its body carries errorType/policyName, not Error's category "
        "(research/crm.md §1.2).",
    ),
    # GoHighLevel (OpenAPI 3.0, one document per service; see vendor-specs/gohighlevel/SOURCE.txt)
    RebaseRefs(
        "gohighlevel",
        "../common/common-schemas.json",
        _GHL_COMMON,
        "386 refs point at ../common/common-schemas.json; our registry names documents by URN, "
        "which has no relative resolution, so the refs name the common document's URN.",
    ),
    SetWhere(
        "gohighlevel",
        "/components/schemas/PipelinesResponseSchema/properties/stages/items",
        _GHL_STAGE,
        "Stages are typed as an array of arrays; real stages are objects with id, name, "
        "position (SOURCE.txt known content gaps, research/crm.md §2.5).",
    ),
    SetWhere(
        "gohighlevel",
        "/paths/~1contacts~1search~1duplicate/get/responses/200/content",
        {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["contact"],
                    "properties": {
                        "contact": {
                            "anyOf": [
                                {"$ref": "#/components/schemas/GetContectByIdSchema"},
                                {"type": "null"},
                            ]
                        },
                        "traceId": {"type": "string"},
                    },
                }
            }
        },
        "The 200 has no schema; the operation returns the contact GoHighLevel treats as the "
        "duplicate (its description), or none. `{contact: ... | null}` is our reading "
        "(unverified).",
    ),
    SetWhere(
        "gohighlevel",
        "/components/schemas/NumericField/properties/field_value/type",
        "number",
        "Typed `object` with the example 100: a NUMERICAL field's value is a number.",
    ),
    SetWhere(
        "gohighlevel",
        "/components/schemas/MonetoryField/properties/field_value/type",
        "number",
        "Typed `object` with the example 100.5: a MONETORY field's value is a number.",
    ),
    SetWhere(
        "gohighlevel",
        "/components/schemas/CustomFieldSchema/properties/value/type",
        ["string", "number", "boolean", "array", "object"],
        "A contact's customFields[].value is typed string, yet writes take numbers (NumericField), "
        "string arrays (MultiSelectField, CheckboxField) and objects (FileField); reads give the "
        "value back in its type (unverified which exactly; the sandbox echoes what was stored).",
    ),
    AddResponse(
        "gohighlevel",
        "403",
        _GHL_ERROR,
        "Not modelled; a PIT used on another location's data is refused with 403 (integrators' "
        "reports; research/crm.md §2.1).",
    ),
    AddResponse(
        "gohighlevel",
        "404",
        _GHL_ERROR,
        "Not modelled; NestJS answers an unknown id or route with 404 {statusCode, message, "
        "error} (unverified for GoHighLevel).",
    ),
    AddResponse(
        "gohighlevel",
        "422",
        {"$ref": f"{_GHL_COMMON}#/components/schemas/UnprocessableDTO"},
        "Documented on most operations but not all (pipelines, notes list, workflows); any body "
        "or query validation failure is a 422 UnprocessableDTO.",
    ),
    AddResponse(
        "gohighlevel",
        "429",
        _GHL_ERROR,
        "Not modelled; the 429 body is undocumented (research/crm.md §2.2, §7), so only the "
        "common error shape is checked.",
    ),
    Quirk(
        "gohighlevel",
        "version-header",
        "Every operation requires a `Version` header with a single-value enum; a request "
        "without the right one must not succeed (checked on recorded 2xx exchanges).",
    ),
    # Slack (swagger 2.0, last changed 2020-10-06; see vendor-specs/slack/SOURCE.txt) -------
    ItemsListAsUnion(
        "slack",
        "The generator wrote unions as tuple `items` lists (the 19 schema errors "
        "openapi-spec-validator reports, e.g. objs_message|null); read them as anyOf.",
    ),
    Quirk(
        "slack",
        "any-http-method",
        "Every Web API method accepts GET and POST (api.slack.com 'Using the Web API'); the "
        "document lists one verb (auth.test: GET, yet slack_sdk POSTs it).",
    ),
    Quirk(
        "slack",
        "token-in-header",
        "The document models the token as a `token` header/query parameter; real clients send "
        "Authorization: Bearer, which the recorder does not keep.",
    ),
    Quirk(
        "slack",
        "json-encoded-arguments",
        "blocks/attachments/metadata are JSON text in form bodies and native JSON in JSON "
        "bodies (chat.postMessage docs); validated as the decoded array/object.",
    ),
    SetAt(
        "slack",
        f"{_CHAT}/parameters/-",
        {"in": "formData", "name": "metadata", "type": "string"},
        "Message metadata (2022) postdates the document.",
    ),
    SetAt(
        "slack",
        "/definitions/objs_message/properties/metadata",
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["event_type", "event_payload"],
            "properties": {"event_type": {"type": "string"}, "event_payload": {"type": "object"}},
        },
        "Message metadata (2022) postdates the document.",
    ),
    SetAt(
        "slack",
        f"{_CHAT}/responses/default/schema/properties/error/enum/-",
        "invalid_blocks",
        "Current chat.postMessage errors the document lacks (research/calendar_slack.md §3.1).",
    ),
    SetAt(
        "slack",
        f"{_CHAT}/responses/default/schema/properties/error/enum/-",
        "invalid_blocks_format",
        "Current chat.postMessage errors the document lacks (research/calendar_slack.md §3.1).",
    ),
    SetAt(
        "slack",
        f"{_CHAT}/responses/default/schema/properties/error/enum/-",
        "invalid_metadata_format",
        "Current chat.postMessage error for malformed metadata (api.slack.com method page).",
    ),
    SetAt(
        "slack",
        f"{_HISTORY}/parameters/-",
        {"in": "query", "name": "include_all_metadata", "type": "boolean"},
        "Added with message metadata (2022).",
    ),
    SetAt(
        "slack",
        f"{_REPLIES}/parameters/-",
        {"in": "query", "name": "include_all_metadata", "type": "boolean"},
        "Added with message metadata (2022).",
    ),
    SetAt(
        "slack",
        f"{_HISTORY}/responses/200/schema/properties/response_metadata",
        _SLACK_CURSOR,
        "History pages with response_metadata.next_cursor (its own example shows it) but the "
        "schema forbids the member.",
    ),
    SetAt(
        "slack",
        f"{_HISTORY}/responses/200/schema/properties/messages/minItems",
        None,
        "An empty channel's history is `messages: []`; minItems 1 is wrong.",
    ),
    SetAt(
        "slack",
        f"{_REPLIES}/responses/200/schema/properties/response_metadata",
        _SLACK_CURSOR,
        "Replies page like history (the example shows response_metadata).",
    ),
    SetAt(
        "slack",
        f"{_REPLIES}/responses/200/schema/properties/messages/items",
        {"$ref": "#/definitions/objs_message"},
        "The inline thread schemas forbid bot_id, blocks and metadata, which every bot message "
        "carries; objs_message describes thread messages too (thread_ts, reply_count, ...).",
    ),
    AddResponse(
        "slack",
        "429",
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["ok", "error"],
            "properties": {"ok": {"enum": [False]}, "error": {"enum": ["ratelimited"]}},
        },
        "No 429 modelled; Slack answers HTTP 429 + Retry-After with error `ratelimited` "
        "(api.slack.com rate limits).",
    ),
    *_CALCOM_OVERRIDES,
)


def _quirk(vendor: str, name: str) -> bool:
    return any(isinstance(o, Quirk) and o.vendor == vendor and o.name == name for o in OVERRIDES)


# -- documents and operations ---------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    vendor: str
    file: str
    uri: str
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: Json = field(hash=False, compare=False)

    @property
    def literal_segments(self) -> int:
        return sum(1 for s in self.template.split("/") if s and "{" not in s)

    def pointer(self, *parts: str) -> str:
        base = f"/paths/{_escape(self.template)}/{self.method.lower()}"
        return base + "".join(f"/{_escape(p)}" for p in parts)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def _operations_of(doc: Json) -> Iterable[Json]:
    for item in doc.get("paths", {}).values():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield operation


def _openapi_nullable(node: Any) -> None:
    """OpenAPI 3.0 `nullable: true` is JSON Schema's type + "null"."""
    if isinstance(node, dict):
        if node.get("nullable") is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        for value in node.values():
            _openapi_nullable(value)
    elif isinstance(node, list):
        for value in node:
            _openapi_nullable(value)


@cache
def _documents(vendor: str) -> tuple[Registry[Any], tuple[Operation, ...]]:
    registry: Registry[Any] = Registry()
    operations: list[Operation] = []
    for pattern in _VENDOR_FILES[vendor]:
        for path in sorted(SPECS.glob(pattern)):
            text = path.read_text()
            doc = yaml.safe_load(text) if path.suffix == ".yaml" else json.loads(text)
            for override in OVERRIDES:
                if override.vendor == vendor:
                    override.apply(doc)
            _openapi_nullable(doc)
            name = str(path.relative_to(SPECS))
            uri = f"urn:vendor-spec:{name}"
            registry = registry.with_resource(uri, DRAFT4.create_resource(doc))
            for template, item in doc.get("paths", {}).items():
                regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
                for method, spec in item.items():
                    if method in ("get", "post", "put", "patch", "delete"):
                        operations.append(
                            Operation(
                                vendor,
                                name,
                                uri,
                                method.upper(),
                                template,
                                re.compile(f"^{regex}$"),
                                spec,
                            )
                        )
    return registry, tuple(operations)


def find_operation(vendor: str, method: str, path: str) -> Operation:
    """The most specific documented operation for a (method, vendor-relative path)."""
    _, operations = _documents(vendor)
    any_method = _quirk(vendor, "any-http-method")
    matches = [
        op
        for op in operations
        if (any_method or op.method == method.upper()) and op.pattern.match(path)
    ]
    if not matches:
        raise AssertionError(f"{vendor}: no documented operation for {method} {path}")
    segments = {_TYPE_IDS.get(s, s) for s in path.split("/")} - {"objects"}

    def specificity(op: Operation) -> tuple[int, bool, str]:
        # crm-contacts-v3.json -> "contacts": prefer the document named for the object type.
        named = Path(op.file).stem.split("-")
        return op.literal_segments, len(named) > 1 and named[1] in segments, op.file

    return max(matches, key=specificity)


def _parameters(op: Operation) -> list[Json]:
    """The operation's parameters, `$ref`s (`#/components/parameters/Count`) resolved."""
    registry, _ = _documents(op.vendor)
    resolver = registry.resolver(op.uri)
    return [
        resolver.lookup(f"{op.uri}{p['$ref']}").contents if "$ref" in p else p
        for p in op.spec.get("parameters", [])
    ]


def _vendor_path(vendor: str, path: str) -> str:
    path = re.sub(rf"^(/sandbox)?/{vendor}(?=/)", "", path)
    if vendor == "slack":
        path = re.sub(r"^/api(?=/)", "", path)
    return path


# -- validation -------------------------------------------------------------------------------

_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None


@_FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(UUID(value))


def _check(op: Operation, what: str, instance: Any, schema: Json) -> None:
    registry, _ = _documents(op.vendor)
    validator = Draft4Validator(schema, registry=registry, format_checker=_FORMATS)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at {e.json_path}: {e.message[:300]}" for e in errors[:5]]
        more = f"\n  ... and {len(errors) - 5} more" if len(errors) > 5 else ""
        raise AssertionError(
            f"{op.vendor} {op.method} {op.template} ({op.file}): {what} does not match the spec\n"
            + "\n".join(lines)
            + more
        )


def _ref(op: Operation, *parts: str) -> Json:
    return {"$ref": op.uri + "#" + quote(op.pointer(*parts), safe="/~")}


def validate_exchange(vendor: str, exchange: Mapping[str, Any]) -> None:
    """Check one recorded exchange against the vendor's documents (AssertionError if not)."""
    path = _vendor_path(vendor, str(exchange["path"]))
    op = find_operation(vendor, str(exchange["method"]), path)
    _VALIDATORS[vendor](op, exchange)


def validate_all(vendor: str, exchanges: Iterable[Mapping[str, Any]]) -> None:
    """Check every exchange; one AssertionError listing all failures."""
    exchanges = list(exchanges)
    failures = []
    for exchange in exchanges:
        try:
            validate_exchange(vendor, exchange)
        except AssertionError as exc:
            failures.append(
                f"#{exchange.get('seq')} {exchange['method']} {exchange['path']}: {exc}"
            )
    if failures:
        raise AssertionError(
            f"{len(failures)} of {len(exchanges)} {vendor} exchanges off-spec:\n"
            + "\n".join(failures)
        )


def _validate_openapi(op: Operation, exchange: Mapping[str, Any]) -> None:
    body = op.spec.get("requestBody")
    if "request_json" in exchange:
        if body is None:
            raise AssertionError(f"{op.vendor} {op.method} {op.template}: takes no request body")
        _check(
            op,
            "request body",
            exchange["request_json"],
            _ref(op, "requestBody", "content", "application/json", "schema"),
        )
    elif body is not None and body.get("required") and op.method != "GET":
        raise AssertionError(f"{op.vendor} {op.method} {op.template}: request body missing")
    declared = {p["name"] for p in _parameters(op) if p.get("in") == "query"}
    unknown = sorted(set(exchange.get("query", {})) - declared)
    if unknown:
        raise AssertionError(f"{op.vendor} {op.method} {op.template}: undocumented query {unknown}")
    status = str(exchange["status"])
    responses = op.spec["responses"]
    key = status if status in responses else "default"
    if key not in responses:
        raise AssertionError(f"{op.vendor} {op.method} {op.template}: status {status} undocumented")
    response = responses[key]
    parts: tuple[str, ...] = ("responses", key)
    if "$ref" in response:
        registry, _ = _documents(op.vendor)
        target = response["$ref"].lstrip("#")
        response = registry.resolver(op.uri).lookup(f"{op.uri}#{target}").contents
        content = response.get("content", {})
        media = "application/json" if "application/json" in content else "*/*"
        schema = {
            "$ref": op.uri + "#" + quote(f"{target}/content/{_escape(media)}/schema", safe="/~")
        }
    else:
        content = response.get("content", {})
        media = "application/json" if "application/json" in content else "*/*"
        schema = _ref(op, *parts, "content", media, "schema")
    if not content:
        if exchange.get("response_json") not in (None, ""):
            raise AssertionError(f"{op.vendor} {op.method} {op.template}: {status} has no body")
        return
    if "response_json" not in exchange:
        raise AssertionError(f"{op.vendor} {op.method} {op.template}: {status} body is not JSON")
    _check(op, f"{status} response", exchange["response_json"], schema)


def _validate_swagger(op: Operation, exchange: Mapping[str, Any]) -> None:
    params = [
        p for p in op.spec.get("parameters", []) if p.get("in") in ("query", "formData", "header")
    ]
    if _quirk(op.vendor, "token-in-header"):
        params = [p for p in params if p["name"] != "token"]
    encoded = _JSON_ENCODED if _quirk(op.vendor, "json-encoded-arguments") else {}
    kinds = {p["name"]: encoded.get(p["name"], p.get("type", "string")) for p in params}
    args: dict[str, Any] = {
        k: _coerce(v[-1], kinds.get(k)) for k, v in exchange.get("query", {}).items()
    }
    args.update({k: _coerce(v, kinds.get(k)) for k, v in exchange.get("request_form", {}).items()})
    for name, value in dict(exchange.get("request_json", {})).items():
        args[name] = _coerce(value, kinds.get(name)) if name in encoded else value
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: {"type": kind} for name, kind in kinds.items()},
        "required": [p["name"] for p in params if p.get("required")],
    }
    _check(op, "arguments", args, schema)
    status = str(exchange["status"])
    body = exchange.get("response_json")
    # Slack answers method errors with HTTP 200 and `ok: false`: those are the `default` schema.
    succeeded = isinstance(body, dict) and body.get("ok") is True
    key = status if status in op.spec["responses"] and (succeeded or status != "200") else "default"
    _check(op, f"{status} response", body, _ref(op, "responses", key, "schema"))


def _coerce(value: Any, kind: str | None) -> Any:
    """Form and query values are text; read them as the parameter's declared type."""
    if not isinstance(value, str):
        return value
    try:
        if kind == "boolean" and value in ("true", "false", "1", "0"):
            return value in ("true", "1")
        if kind == "integer" and value.lstrip("-").isdigit():
            return int(value)
        if kind == "number":
            return float(value)
        if kind in ("array", "object"):
            return json.loads(value)
    except ValueError:
        return value
    return value


def _validate_gohighlevel(op: Operation, exchange: Mapping[str, Any]) -> None:
    if _quirk(op.vendor, "version-header") and 200 <= int(exchange["status"]) < 300:
        for param in op.spec.get("parameters", []):
            if param.get("in") != "header" or not param.get("required"):
                continue
            sent = exchange.get("headers", {}).get(param["name"].lower())
            allowed = param.get("schema", {}).get("enum")
            if sent is None or (allowed and sent not in allowed):
                raise AssertionError(
                    f"{op.vendor} {op.method} {op.template}: succeeded with header "
                    f"{param['name']}={sent!r}; the operation requires {allowed}"
                )
    _validate_openapi(op, exchange)


_VALIDATORS: dict[str, Callable[[Operation, Mapping[str, Any]], None]] = {
    "hubspot": _validate_openapi,
    "slack": _validate_swagger,
    "gohighlevel": _validate_gohighlevel,
    "calcom": _validate_openapi,
    "calendly": _validate_openapi,
    "retell": _validate_openapi,
}
