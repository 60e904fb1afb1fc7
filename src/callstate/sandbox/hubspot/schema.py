"""What the HubSpot emulator knows about object types and association types.

Emulated: contacts (`0-1`), deals (`0-3`) and calls (`0-48`); adding an object type is one more
`ObjectType` (plus its built-in properties in `builtins.py` and its association type ids).
Association type ids are HubSpot's HUBSPOT_DEFINED ones (hubspot-api-client 12.0.0
`hubspot/crm/association_type.py`: DEAL_TO_CONTACT 3, CONTACT_TO_DEAL 4, CONTACT_TO_CALL 193,
CALL_TO_CONTACT 194, DEAL_TO_CALL 205, CALL_TO_DEAL 206).
"""

from __future__ import annotations

from dataclasses import dataclass


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

DEALS = ObjectType(
    name="deals",
    type_id="0-3",
    singular="deal",
    created_property="createdate",
    modified_property="hs_lastmodifieddate",
    # "Properties returned by default" table in crm-deals-v3.json (`dealname`, `amount`,
    # `closedate`, `pipeline`, `dealstage`) plus the three every object returns.
    default_properties=(
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
    query_properties=("dealname",),
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

OBJECT_TYPES: tuple[ObjectType, ...] = (CONTACTS, DEALS, CALLS)
_BY_ALIAS = {alias: t for t in OBJECT_TYPES for alias in t.aliases}


def resolve_type(name: str) -> ObjectType | None:
    """`contacts`, `contact` and `0-1` all name the contacts type."""
    return _BY_ALIAS.get(name.lower())


def type_named(name: str) -> ObjectType:
    """The emulated type whose plural name is `name` (names stored in the emulator's state)."""
    return next(t for t in OBJECT_TYPES if t.name == name)


# (from, to) -> HUBSPOT_DEFINED association type id of the unlabelled association.
ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("contacts", "calls"): 193,
    ("calls", "contacts"): 194,
    ("deals", "calls"): 205,
    ("calls", "deals"): 206,
}


def association_name(from_type: ObjectType, to_type: ObjectType) -> str:
    return f"{from_type.singular}_to_{to_type.singular}"
