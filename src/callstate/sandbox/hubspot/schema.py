"""What the HubSpot emulator knows about object types, association types and built-in properties.

Only contacts (`0-1`) and calls (`0-48`) are emulated; adding an object type is one more
`ObjectType` (plus its built-in properties and association type ids). Association type ids are
HubSpot's HUBSPOT_DEFINED ones (hubspot-api-client 12.0.0 `hubspot/crm/association_type.py`).
Built-in properties are the few a call-logging integration touches (HubSpot calls guide:
developers.hubspot.com/docs/api/crm/calls); anything else written to an object must be created
through the properties API first, as in a real portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ObjectType:
    name: str
    type_id: str
    singular: str
    created_property: str
    modified_property: str
    default_properties: tuple[str, ...]
    required_on_create: tuple[str, ...] = ()
    query_properties: tuple[str, ...] = ()

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.name, self.type_id, self.singular)


CONTACTS = ObjectType(
    name="contacts",
    type_id="0-1",
    singular="contact",
    created_property="createdate",
    modified_property="lastmodifieddate",
    # What GET returns without `properties=` (HubSpot contacts guide).
    default_properties=(
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ),
    query_properties=("firstname", "lastname", "email", "phone", "mobilephone", "company"),
)

CALLS = ObjectType(
    name="calls",
    type_id="0-48",
    singular="call",
    created_property="hs_createdate",
    modified_property="hs_lastmodifieddate",
    default_properties=("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
    # The calls guide: "hs_timestamp: Required. This field marks the call's time".
    required_on_create=("hs_timestamp",),
    query_properties=("hs_call_title", "hs_call_body"),
)

OBJECT_TYPES: tuple[ObjectType, ...] = (CONTACTS, CALLS)
_BY_ALIAS = {alias: t for t in OBJECT_TYPES for alias in t.aliases}


def resolve_type(name: str) -> ObjectType | None:
    """`contacts`, `contact` and `0-1` all name the contacts type."""
    return _BY_ALIAS.get(name.lower())


# (from, to) -> HUBSPOT_DEFINED association type id, and its label-free name.
ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("contacts", "calls"): 193,
    ("calls", "contacts"): 194,
}


def association_name(from_type: ObjectType, to_type: ObjectType) -> str:
    return f"{from_type.singular}_to_{to_type.singular}"


# -- built-in property definitions ---------------------------------------------------------

# fmt: off
_CALL_STATUSES = (
    "BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED",
    "IN_PROGRESS", "NO_ANSWER", "QUEUED", "RINGING",
)
_LIFECYCLE = (
    "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
    "customer", "evangelist", "other",
)
_LEAD_STATUS = (
    "NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT",
    "CONNECTED", "BAD_TIMING",
)
# fmt: on
READ_ONLY_PROPERTIES = frozenset(
    {"hs_object_id", "lastmodifieddate", "hs_createdate", "hs_lastmodifieddate"}
)

# name, label, type, fieldType, options (enumerations), extra flags
_Spec = tuple[str, str, str, str, tuple[str, ...], dict[str, Any]]
_EXTERNAL: dict[str, Any] = {"externalOptions": True}
_OWNER: dict[str, Any] = {"externalOptions": True, "referencedObjectType": "OWNER"}
_CONTACT_PROPERTIES: tuple[_Spec, ...] = (
    # Email is the contacts' built-in unique key (HubSpot properties guide).
    ("email", "Email", "string", "text", (), {"hasUniqueValue": True}),
    ("firstname", "First Name", "string", "text", (), {}),
    ("lastname", "Last Name", "string", "text", (), {}),
    ("phone", "Phone Number", "string", "phonenumber", (), {}),
    ("mobilephone", "Mobile Phone Number", "string", "phonenumber", (), {}),
    ("company", "Company Name", "string", "text", (), {}),
    ("jobtitle", "Job Title", "string", "text", (), {}),
    ("website", "Website URL", "string", "text", (), {}),
    ("city", "City", "string", "text", (), {}),
    ("state", "State/Region", "string", "text", (), {}),
    ("zip", "Postal Code", "string", "text", (), {}),
    ("country", "Country/Region", "string", "text", (), {}),
    ("hs_timezone", "Time Zone", "string", "text", (), {}),
    ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", _LIFECYCLE, {}),
    ("hs_lead_status", "Lead Status", "enumeration", "radio", _LEAD_STATUS, {}),
    ("hubspot_owner_id", "Contact owner", "enumeration", "select", (), _OWNER),
    ("notes_last_contacted", "Last Contacted", "datetime", "date", (), {}),
    ("createdate", "Create Date", "datetime", "date", (), {}),
    ("lastmodifieddate", "Last Modified Date", "datetime", "date", (), {}),
    ("hs_object_id", "Record ID", "number", "number", (), {}),
)
_CALL_PROPERTIES: tuple[_Spec, ...] = (
    ("hs_timestamp", "Activity date", "datetime", "date", (), {}),
    ("hs_call_title", "Call Title", "string", "text", (), {}),
    ("hs_call_body", "Call notes", "string", "html", (), {}),
    ("hs_call_direction", "Call direction", "enumeration", "select", ("INBOUND", "OUTBOUND"), {}),
    # Outcome GUIDs are per portal, so the emulator cannot know the option list.
    ("hs_call_disposition", "Call outcome", "enumeration", "select", (), _EXTERNAL),
    ("hs_call_duration", "Call duration (ms)", "number", "number", (), {}),
    ("hs_call_from_number", "From number", "string", "text", (), {}),
    ("hs_call_to_number", "To number", "string", "text", (), {}),
    ("hs_call_recording_url", "Recording URL", "string", "text", (), {}),
    ("hs_call_status", "Call status", "enumeration", "select", _CALL_STATUSES, {}),
    ("hs_call_callee_object_id", "Callee object id", "number", "number", (), {}),
    ("hs_call_callee_object_type_id", "Callee object type id", "string", "text", (), {}),
    ("hs_activity_type", "Call and meeting type", "enumeration", "select", (), _EXTERNAL),
    ("hs_call_source", "Call source", "string", "text", (), {}),
    ("hubspot_owner_id", "Activity assigned to", "enumeration", "select", (), _OWNER),
    ("hs_createdate", "Create date", "datetime", "date", (), {}),
    ("hs_lastmodifieddate", "Last modified date", "datetime", "date", (), {}),
    ("hs_object_id", "Record ID", "number", "number", (), {}),
)
_GROUPS = {"contacts": "contactinformation", "calls": "callinformation"}


def builtin_properties(object_type: ObjectType, created_at: str) -> list[dict[str, Any]]:
    """HubSpot-defined property definitions (the `Property` schema) for one object type."""
    specs = _CONTACT_PROPERTIES if object_type is CONTACTS else _CALL_PROPERTIES
    definitions = []
    for order, (name, label, type_, field_type, options, extra) in enumerate(specs):
        definition: dict[str, Any] = {
            "name": name,
            "label": label,
            "type": type_,
            "fieldType": field_type,
            "groupName": _GROUPS[object_type.name],
            "description": "",
            "options": [
                {
                    "label": o.replace("_", " ").title(),
                    "value": o,
                    "displayOrder": i,
                    "hidden": False,
                }
                for i, o in enumerate(options)
            ],
            "displayOrder": order,
            "hasUniqueValue": False,
            "hidden": False,
            "formField": False,
            "calculated": False,
            "externalOptions": False,
            "hubspotDefined": True,
            "archived": False,
            "createdAt": created_at,
            "updatedAt": created_at,
            "modificationMetadata": {
                "archivable": False,
                "readOnlyDefinition": True,
                "readOnlyOptions": False,
                "readOnlyValue": name in READ_ONLY_PROPERTIES,
            },
        }
        definition.update(extra)
        definitions.append(definition)
    return definitions
