"""HubSpot-defined property groups and properties, as every portal has them.

Only the properties a sales-motion integration touches (HubSpot calls guide
developers.hubspot.com/docs/api/crm/calls, deals guide /docs/api/crm/deals); anything else
written to an object must be created through the properties API first, as in a real portal.
Option values are HubSpot's internal values (`dealtype` newbusiness/existingbusiness, lifecycle
stages, lead statuses, call statuses). `pipeline` and `dealstage` list no options here: their
options are the portal's pipelines and stages, filled in when read (`pipelines.py`).
"""

from __future__ import annotations

from typing import Any

from callstate.sandbox.hubspot.schema import CALLS, CONTACTS, DEALS, ObjectType

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

PIPELINE_MANAGED = frozenset({"pipeline", "dealstage"})

# Built-in groups per object type: (name, label). The first one holds the built-in properties.
GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "contacts": (
        ("contactinformation", "Contact information"),
        ("conversioninformation", "Conversion information"),
        ("emailinformation", "Email information"),
    ),
    "deals": (("dealinformation", "Deal information"), ("deal_activity", "Deal activity")),
    "calls": (("callinformation", "Call information"),),
}

Options = tuple[tuple[str, str], ...]  # (value, label)
# name, label, type, fieldType, options (enumerations), extra flags
_Spec = tuple[str, str, str, str, Options, dict[str, Any]]
_EXTERNAL: dict[str, Any] = {"externalOptions": True}
# `hubspot_owner_id` takes owner ids; HubSpot validates them against the portal's owners.
_OWNER: dict[str, Any] = {"externalOptions": True, "referencedObjectType": "OWNER"}
_NONE: Options = ()


def _labelled(*values: str) -> Options:
    return tuple((v, v.replace("_", " ").title()) for v in values)


_CONTACT_PROPERTIES: tuple[_Spec, ...] = (
    # Email is the contacts' built-in unique key (HubSpot properties guide).
    ("email", "Email", "string", "text", _NONE, {"hasUniqueValue": True}),
    ("firstname", "First Name", "string", "text", _NONE, {}),
    ("lastname", "Last Name", "string", "text", _NONE, {}),
    ("phone", "Phone Number", "string", "phonenumber", _NONE, {}),
    ("mobilephone", "Mobile Phone Number", "string", "phonenumber", _NONE, {}),
    ("company", "Company Name", "string", "text", _NONE, {}),
    ("jobtitle", "Job Title", "string", "text", _NONE, {}),
    ("website", "Website URL", "string", "text", _NONE, {}),
    ("city", "City", "string", "text", _NONE, {}),
    ("state", "State/Region", "string", "text", _NONE, {}),
    ("zip", "Postal Code", "string", "text", _NONE, {}),
    ("country", "Country/Region", "string", "text", _NONE, {}),
    ("hs_timezone", "Time Zone", "string", "text", _NONE, {}),
    ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", _labelled(*_LIFECYCLE), {}),
    ("hs_lead_status", "Lead Status", "enumeration", "radio", _labelled(*_LEAD_STATUS), {}),
    ("hubspot_owner_id", "Contact owner", "enumeration", "select", _NONE, _OWNER),
    ("notes_last_contacted", "Last Contacted", "datetime", "date", _NONE, {}),
    ("createdate", "Create Date", "datetime", "date", _NONE, {}),
    ("lastmodifieddate", "Last Modified Date", "datetime", "date", _NONE, {}),
    ("hs_object_id", "Record ID", "number", "number", _NONE, {}),
)
_DEAL_TYPES: Options = (("newbusiness", "New Business"), ("existingbusiness", "Existing Business"))
_PRIORITIES: Options = (("low", "Low"), ("medium", "Medium"), ("high", "High"))
_DEAL_PROPERTIES: tuple[_Spec, ...] = (
    ("dealname", "Deal Name", "string", "text", _NONE, {}),
    ("pipeline", "Pipeline", "enumeration", "select", _NONE, {}),
    ("dealstage", "Deal Stage", "enumeration", "radio", _NONE, {}),
    ("amount", "Amount", "number", "number", _NONE, {"numberDisplayHint": "currency"}),
    ("closedate", "Close Date", "datetime", "date", _NONE, {}),
    ("dealtype", "Deal Type", "enumeration", "radio", _DEAL_TYPES, {}),
    ("hs_priority", "Priority", "enumeration", "select", _PRIORITIES, {}),
    ("description", "Deal Description", "string", "textarea", _NONE, {}),
    ("closed_won_reason", "Closed Won Reason", "string", "textarea", _NONE, {}),
    ("closed_lost_reason", "Closed Lost Reason", "string", "textarea", _NONE, {}),
    ("hubspot_owner_id", "Deal owner", "enumeration", "select", _NONE, _OWNER),
    ("createdate", "Create Date", "datetime", "date", _NONE, {}),
    ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", _NONE, {}),
    ("hs_object_id", "Record ID", "number", "number", _NONE, {}),
)
_CALL_PROPERTIES: tuple[_Spec, ...] = (
    ("hs_timestamp", "Activity date", "datetime", "date", _NONE, {}),
    ("hs_call_title", "Call Title", "string", "text", _NONE, {}),
    ("hs_call_body", "Call notes", "string", "html", _NONE, {}),
    (
        "hs_call_direction",
        "Call direction",
        "enumeration",
        "select",
        _labelled("INBOUND", "OUTBOUND"),
        {},
    ),
    # Outcome GUIDs are per portal, so the emulator cannot know the option list.
    ("hs_call_disposition", "Call outcome", "enumeration", "select", _NONE, _EXTERNAL),
    ("hs_call_duration", "Call duration (ms)", "number", "number", _NONE, {}),
    ("hs_call_from_number", "From number", "string", "text", _NONE, {}),
    ("hs_call_to_number", "To number", "string", "text", _NONE, {}),
    ("hs_call_recording_url", "Recording URL", "string", "text", _NONE, {}),
    ("hs_call_status", "Call status", "enumeration", "select", _labelled(*_CALL_STATUSES), {}),
    ("hs_call_callee_object_id", "Callee object id", "number", "number", _NONE, {}),
    ("hs_call_callee_object_type_id", "Callee object type id", "string", "text", _NONE, {}),
    ("hs_activity_type", "Call and meeting type", "enumeration", "select", _NONE, _EXTERNAL),
    ("hs_call_source", "Call source", "string", "text", _NONE, {}),
    ("hubspot_owner_id", "Activity assigned to", "enumeration", "select", _NONE, _OWNER),
    ("hs_createdate", "Create date", "datetime", "date", _NONE, {}),
    ("hs_lastmodifieddate", "Last modified date", "datetime", "date", _NONE, {}),
    ("hs_object_id", "Record ID", "number", "number", _NONE, {}),
)
_SPECS = {
    CONTACTS.name: _CONTACT_PROPERTIES,
    DEALS.name: _DEAL_PROPERTIES,
    CALLS.name: _CALL_PROPERTIES,
}


def builtin_groups(object_type: ObjectType) -> list[dict[str, Any]]:
    """HubSpot-defined property groups (the `PropertyGroup` schema) of one object type."""
    return [
        {"name": name, "label": label, "displayOrder": order, "archived": False}
        for order, (name, label) in enumerate(GROUPS[object_type.name])
    ]


def builtin_properties(object_type: ObjectType, created_at: str) -> list[dict[str, Any]]:
    """HubSpot-defined property definitions (the `Property` schema) for one object type."""
    group = GROUPS[object_type.name][0][0]
    definitions = []
    for order, (name, label, type_, field_type, options, extra) in enumerate(
        _SPECS[object_type.name]
    ):
        definition: dict[str, Any] = {
            "name": name,
            "label": label,
            "type": type_,
            "fieldType": field_type,
            "groupName": group,
            "description": "",
            "options": [
                {"label": text, "value": value, "displayOrder": i, "hidden": False}
                for i, (value, text) in enumerate(options)
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
                # Pipelines and stages are managed through the pipelines API, not as options.
                "readOnlyOptions": name in PIPELINE_MANAGED,
                "readOnlyValue": name in READ_ONLY_PROPERTIES,
            },
        }
        definition.update(extra)
        definitions.append(definition)
    return definitions
