"""Contacts: upsert under the location's duplicate rule, update, duplicate search, tags.

Store layout: `contacts` (one document per id; `customFields` as field id → value) and
`ident:<locationId>:<email|phone>` (normalised value → `{"ids": [...]}`, oldest first).
Every operation runs in one store transaction, so "find the match, then write" is atomic:
concurrent upserts of one phone make one contact, as GoHighLevel's own rule does.

The duplicate rule (research/crm.md §2.3, contacts.json `upsert-contact`, issue #37):
- the upsert looks for an existing contact by the rule's identifiers in priority order and
  updates the first match, else creates one;
- an identifier of the request that belongs to *another* contact than the one updated is
  dropped without an error ("first field wins");
- `createNewIfDuplicateAllowed: true` creates without looking, but only where the location
  allows duplicates; elsewhere the flag is ignored;
- where duplicates are not allowed, the rule's identifiers are unique in the location: a
  `PUT` taking another contact's email or phone is refused (400, message and `meta` as
  integrators quote them; unverified).
Phones are stored in E.164; emails match case-insensitively. Tags are stored lower-cased (as
GoHighLevel shows them; unverified) and `tags` on a write replaces them all (crm.md §2.3).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from callstate.sandbox.gohighlevel.directory import Directory
from callstate.sandbox.gohighlevel.errors import bad_request, not_found
from callstate.sandbox.gohighlevel.fields import CustomFieldInput, Fields
from callstate.sandbox.gohighlevel.gate import Grant
from callstate.sandbox.gohighlevel.seeds import DuplicateRule, ghl_id
from callstate.sandbox.gohighlevel.timestamps import iso
from callstate.sandbox.store import Doc, Store, Tx

_PLAIN = (
    "firstName",
    "lastName",
    "companyName",
    "address1",
    "city",
    "state",
    "postalCode",
    "country",
    "timezone",
    "website",
    "source",
    "gender",
    "dateOfBirth",
    "dnd",
    "dndSettings",
    "inboundDndSettings",
)
_IDENTIFIERS = ("email", "phone")


class ContactWrite(BaseModel):
    """`UpdateContactDto` (contacts.json); unknown properties are refused as NestJS does."""

    model_config = ConfigDict(extra="forbid")

    firstName: str | None = None  # noqa: N815 - GoHighLevel's field names
    lastName: str | None = None  # noqa: N815
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address1: str | None = None
    city: str | None = None
    state: str | None = None
    postalCode: str | None = None  # noqa: N815
    website: str | None = None
    timezone: str | None = None
    gender: str | None = None
    dnd: bool | None = None
    dndSettings: dict[str, Any] | None = None  # noqa: N815
    inboundDndSettings: dict[str, Any] | None = None  # noqa: N815
    tags: list[str] | None = None
    customFields: list[CustomFieldInput] | None = None  # noqa: N815
    source: str | None = None
    dateOfBirth: Any = None  # noqa: N815
    country: str | None = None
    companyName: str | None = None  # noqa: N815
    assignedTo: str | None = None  # noqa: N815


class UpsertBody(ContactWrite):
    """`UpsertContactDto`."""

    locationId: str  # noqa: N815
    createNewIfDuplicateAllowed: bool = False  # noqa: N815


def e164(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    if raw.strip().startswith("+"):
        return "+" + digits
    if len(digits) == 10:  # a national US number, as the UI assumes for US locations
        return "+1" + digits
    return "+" + digits


def _ident_key(kind: str, value: str) -> str:
    return value.strip().lower() if kind == "email" else e164(value)


def _tags(values: Sequence[str]) -> list[str]:
    cleaned = [v.strip().lower() for v in values if v.strip()]
    return list(dict.fromkeys(cleaned))


class Contacts:
    def __init__(
        self, store: Store, directory: Directory, fields: Fields, clock: Callable[[], float]
    ) -> None:
        self._store = store
        self._directory = directory
        self._fields = fields
        self._clock = clock

    # -- reads ------------------------------------------------------------------------------

    def get(self, grant: Grant, contact_id: str, scope: str = "contacts.readonly") -> Doc:
        with self._store.transaction() as tx:
            return self.owned(tx, grant, contact_id, scope)

    def owned(self, tx: Tx, grant: Grant, contact_id: str, scope: str) -> Doc:
        """The contact, after the token's scope and location are checked (401/403/404)."""
        grant.require(scope)
        doc = tx.get("contacts", contact_id)
        if doc is None:
            raise not_found(f"Contact with id {contact_id} not found")
        grant.require(scope, doc["locationId"])
        return doc

    def duplicate(
        self, grant: Grant, location_id: str, number: str | None, email: str | None
    ) -> Doc | None:
        """contacts.json `get-duplicate-contact`: the rule's identifiers when duplicates are
        not allowed, else email first and phone second."""
        grant.require("contacts.readonly", location_id)
        rule = self._directory.duplicate_rule(location_id)
        order = ("email", "phone") if rule.allow_duplicates else rule.priority
        sent = {"email": email, "phone": number}
        with self._store.transaction() as tx:
            for kind in order:
                value = sent[kind]
                if value and (holders := self._holders(tx, location_id, kind, value)):
                    return tx.get("contacts", holders[0])
        return None

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, grant: Grant, body: UpsertBody) -> tuple[Doc, bool]:
        location_id = body.locationId
        grant.require("contacts.write", location_id)
        rule = self._directory.duplicate_rule(location_id)
        sent = body.model_dump(
            exclude_unset=True, exclude={"locationId", "createNewIfDuplicateAllowed"}
        )
        inputs = body.customFields or []
        with self._store.transaction() as tx:
            if rule.allow_duplicates and body.createNewIfDuplicateAllowed:
                return self._insert(tx, location_id, sent, inputs), True
            target = self._match(tx, location_id, rule, sent)
            for kind in rule.priority:
                value = sent.get(kind)
                if not value:
                    continue
                holders = self._holders(tx, location_id, kind, value)
                if holders and (target is None or target["id"] not in holders):
                    del sent[kind]  # first field wins; the other value is dropped silently
            if target is None:
                return self._insert(tx, location_id, sent, inputs), True
            return self._write(tx, target, sent, inputs), False

    def update(self, grant: Grant, contact_id: str, body: ContactWrite) -> Doc:
        sent = body.model_dump(exclude_unset=True)
        with self._store.transaction() as tx:
            doc = self.owned(tx, grant, contact_id, "contacts.write")
            rule = self._directory.duplicate_rule(doc["locationId"])
            if not rule.allow_duplicates:
                for kind in rule.priority:
                    value = sent.get(kind)
                    holders = self._holders(tx, doc["locationId"], kind, value) if value else []
                    others = [h for h in holders if h != contact_id]
                    if others:
                        raise bad_request(
                            "This location does not allow duplicated contacts.",
                            meta={"contactId": others[0], "matchingField": kind},
                        )
            return self._write(tx, doc, sent, body.customFields or [])

    def change_tags(self, grant: Grant, contact_id: str, tags: Sequence[str], *, add: bool) -> Doc:
        """Tags as a set: adding one it has, or removing one it lacks, changes nothing."""
        with self._store.transaction() as tx:
            doc = self.owned(tx, grant, contact_id, "contacts.write")
            current: list[str] = doc["tags"]
            given = _tags(tags)
            if add:
                updated = current + [t for t in given if t not in current]
            else:
                updated = [t for t in current if t not in given]
            if updated != current:
                doc.update(tags=updated, dateUpdated=iso(self._clock()))
                tx.put("contacts", contact_id, doc)
            return doc

    # -- internals --------------------------------------------------------------------------

    def _match(self, tx: Tx, location_id: str, rule: DuplicateRule, sent: Doc) -> Doc | None:
        for kind in rule.priority:
            value = sent.get(kind)
            if value and (holders := self._holders(tx, location_id, kind, value)):
                return tx.get("contacts", holders[0])
        return None

    @staticmethod
    def _holders(tx: Tx, location_id: str, kind: str, value: str) -> list[str]:
        found = tx.get(f"ident:{location_id}:{kind}", _ident_key(kind, value))
        return list(found["ids"]) if found else []

    def _insert(
        self, tx: Tx, location_id: str, sent: Doc, inputs: Sequence[CustomFieldInput]
    ) -> Doc:
        contact_id = ghl_id("contact", tx.next_value("contact_id"))
        stamp = iso(self._clock())
        doc: Doc = {
            "id": contact_id,
            "locationId": location_id,
            "type": "lead",
            "tags": [],
            "customFields": {},
            "dateAdded": stamp,
            "dateUpdated": stamp,
        }
        return self._write(tx, doc, sent, inputs)

    def _write(self, tx: Tx, doc: Doc, sent: Doc, inputs: Sequence[CustomFieldInput]) -> Doc:
        location_id: str = doc["locationId"]
        if sent.get("name") and "firstName" not in sent and "lastName" not in sent:
            first, _, last = str(sent["name"]).strip().partition(" ")
            sent = {**sent, "firstName": first, "lastName": last or None}
        for kind in _IDENTIFIERS:
            if kind in sent:
                self._set_identifier(tx, doc, kind, sent[kind])
        for name in _PLAIN:
            if name in sent:
                if sent[name] is None:
                    doc.pop(name, None)
                else:
                    doc[name] = sent[name]
        if "tags" in sent:
            doc["tags"] = _tags(sent["tags"] or [])
        if "customFields" in sent:
            doc["customFields"] = self._fields.apply(
                tx, location_id, "contact", doc["customFields"], inputs
            )
        if "assignedTo" in sent:
            self._assign(doc, sent["assignedTo"])
        doc["dateUpdated"] = iso(self._clock())
        tx.put("contacts", doc["id"], doc)
        return doc

    def _set_identifier(self, tx: Tx, doc: Doc, kind: str, value: str | None) -> None:
        location_id, contact_id = doc["locationId"], doc["id"]
        old = doc.get(kind)
        if old and value and _ident_key(kind, old) == _ident_key(kind, value):
            return  # same identifier: keep the contact's place among the holders
        if old:
            index = f"ident:{location_id}:{kind}"
            held = tx.get(index, _ident_key(kind, old))
            ids = [i for i in (held or {}).get("ids", []) if i != contact_id]
            if ids:
                tx.put(index, _ident_key(kind, old), {"ids": ids})
            else:
                tx.delete(index, _ident_key(kind, old))
            doc.pop(kind)
        if value:
            index = f"ident:{location_id}:{kind}"
            held = tx.get(index, _ident_key(kind, value))
            tx.put(
                index, _ident_key(kind, value), {"ids": [*(held or {}).get("ids", []), contact_id]}
            )
            doc[kind] = e164(value) if kind == "phone" else value.strip()

    def _assign(self, doc: Doc, user_id: str | None) -> None:
        if user_id is None:
            doc.pop("assignedTo", None)
            return
        user = self._directory.user(user_id)
        if user is None or doc["locationId"] not in user["locationIds"]:
            raise bad_request(f"assignedTo: no user {user_id} in this location")
        doc["assignedTo"] = user_id


def contact_wire(doc: Doc) -> Doc:
    """`GetContectByIdSchema` (sic): unset fields are left out (an unassigned contact has no
    `assignedTo`, research/crm.md §3 issue #183)."""
    wire: Doc = {"id": doc["id"], "locationId": doc["locationId"]}
    first, last = doc.get("firstName"), doc.get("lastName")
    if first or last:
        wire["name"] = " ".join(p for p in (first, last) if p)
    for name in ("email", "phone", *_PLAIN, "assignedTo"):
        if doc.get(name) is not None:
            wire[name] = doc[name]
    if "email" in wire:
        wire["emailLowerCase"] = str(wire["email"]).lower()
    if not isinstance(wire.get("dateOfBirth", ""), str):
        del wire["dateOfBirth"]  # the response documents a string; keep what we cannot render out
    wire.update(
        type=doc["type"],
        tags=list(doc["tags"]),
        customFields=[{"id": k, "value": v} for k, v in doc["customFields"].items()],
        dateAdded=doc["dateAdded"],
        dateUpdated=doc["dateUpdated"],
    )
    return wire
