"""The HubSpot properties a workspace's configuration needs, as `PropertyCreate` bodies.

`callstate crm plan/apply` compares these with the portal; the sandbox seeds its emulated portal
with them so the demo starts from the state `crm apply` leaves. Property types follow the
properties guide (research/crm.md §1.5): wire values are strings, datetimes `datetime`/`date`,
booleans `bool`/`booleancheckbox`, single select `enumeration`/`select`, multiple checkboxes
`enumeration`/`checkbox` (values joined with `;`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from callstate.config.model import Audience, HubSpotConfig
from callstate.domain.fields import FieldSpec, FieldType
from callstate.policy.fields import written_fields

_TYPES: dict[FieldType, tuple[str, str]] = {
    FieldType.TEXT: ("string", "text"),
    FieldType.LONG_TEXT: ("string", "textarea"),
    FieldType.NUMBER: ("number", "number"),
    FieldType.BOOL: ("bool", "booleancheckbox"),
    FieldType.DATETIME: ("datetime", "date"),
    FieldType.ENUM: ("enumeration", "select"),
    FieldType.MULTI: ("enumeration", "checkbox"),
}
CONTACT_GROUP = "contactinformation"
DEAL_GROUP = "dealinformation"
CALL_GROUP = "callinformation"


def _options(values: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {"label": v.replace("_", " ").capitalize(), "value": v, "displayOrder": i, "hidden": False}
        for i, v in enumerate(values)
    ]


def _property(name: str, spec: FieldSpec, group: str) -> dict[str, Any]:
    kind, field_type = _TYPES[spec.type]
    body: dict[str, Any] = {
        "name": name,
        "label": f"{spec.label} (callstate)",
        "type": kind,
        "fieldType": field_type,
        "groupName": group,
        "description": spec.description,
    }
    if spec.type is FieldType.BOOL:
        body["options"] = [
            {"label": "Yes", "value": "true", "displayOrder": 0, "hidden": False},
            {"label": "No", "value": "false", "displayOrder": 1, "hidden": False},
        ]
    elif spec.options:
        body["options"] = _options(spec.options)
    return body


def _key(name: str, label: str, group: str, *, unique: bool) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "string",
        "fieldType": "text",
        "groupName": group,
        "hasUniqueValue": unique,
    }


def required_properties(
    config: HubSpotConfig, audiences: Iterable[Audience]
) -> dict[str, list[dict[str, Any]]]:
    """Object type → the properties callstate writes there, by name order within a type."""
    audiences = tuple(audiences)
    fields = written_fields(audiences)
    tags: list[str] = []
    for audience in audiences:
        for outcome_tags in (*audience.crm.tags.values(), audience.meetings.cancelled_tags):
            tags += [t for t in outcome_tags if t not in tags]
    prefix = config.property_prefix
    contacts = [
        _key(config.contact_key_property, "E.164 phone (callstate)", CONTACT_GROUP, unique=True)
    ]
    contacts += [_property(prefix + n, s, CONTACT_GROUP) for n, s in sorted(fields.items())]
    if tags:
        spec = FieldSpec(name="tags", label="Tags", type=FieldType.MULTI, options=tuple(tags))
        contacts.append(_property(config.tags_property, spec, CONTACT_GROUP))
    return {
        "contacts": contacts,
        "deals": [_key(config.deal_key_property, "Deal key (callstate)", DEAL_GROUP, unique=True)],
        "calls": [_key(config.call_key_property, "Call key (callstate)", CALL_GROUP, unique=False)],
    }
