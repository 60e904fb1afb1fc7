"""CRM records: create, read, update, batch upsert, associations, and what search may see.

Layout in the store: `objects:<type>` holds one document per record (`id`, `properties`,
`createdAt`, `updatedAt`, plus emulator fields `changedAt` and `indexed`); `unique:<type>:<prop>`
maps each value of a unique property (email, or any `hasUniqueValue` property) to its record id;
`assoc:<type>:<id>` holds the record's associations keyed by `<toType>:<toId>`.

Every operation runs in one store transaction, so a batch upsert checks and claims its unique
values atomically: concurrent upserts of the same value produce one record (HubSpot's documented
way to write without duplicates, research/crm.md §1.4). Values are checked by `values.py`
(options, owners, types); rules that read other state run on every insert and update: a deal's
`dealstage` must belong to its `pipeline` (`pipelines.place_deal`). Associations given inline on
create are checked and written in the same transaction, so a bad one writes nothing.

Search lag: HubSpot's search index trails writes (research/crm.md §0.6). A record changed less
than `search_lag_seconds` ago is seen by search as it was before the change (`indexed`, `None`
for a record that did not exist yet); GET always sees the current record.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from callstate.sandbox.hubspot import owners, pipelines
from callstate.sandbox.hubspot.errors import HubSpotError, invalid_properties, not_found, validation
from callstate.sandbox.hubspot.properties import definitions, unique_properties
from callstate.sandbox.hubspot.schema import (
    ASSOCIATION_TYPES,
    CONTACTS,
    DEALS,
    ObjectType,
    type_named,
)
from callstate.sandbox.hubspot.timestamps import now_iso
from callstate.sandbox.hubspot.values import normalize_values
from callstate.sandbox.store import Doc, Store, Tx

FIRST_ID = 1001
MAX_BATCH = 100


@dataclass(frozen=True)
class NewAssociation:
    to_id: str
    type_id: int


@dataclass(frozen=True)
class UpsertInput:
    id: str
    id_property: str | None
    properties: Mapping[str, object]
    trace_id: str | None = None


@dataclass(frozen=True)
class Linked:
    to_type: ObjectType
    to_id: str
    type_ids: tuple[int, ...]


def _objects(t: ObjectType) -> str:
    return f"objects:{t.name}"


def _unique(t: ObjectType, prop: str) -> str:
    return f"unique:{t.name}:{prop}"


def _assoc(t: ObjectType, object_id: str) -> str:
    return f"assoc:{t.name}:{object_id}"


class Records:
    """HubSpot CRM records of every emulated type, kept in one `Store`."""

    def __init__(self, store: Store, *, search_lag_seconds: float, clock: Callable[[], float]):
        self._store = store
        self._lag = search_lag_seconds
        self._clock = clock

    # -- reads ----------------------------------------------------------------------------

    def get(self, t: ObjectType, object_id: str, *, id_property: str | None = None) -> Doc:
        with self._store.transaction() as tx:
            record = self._find(tx, t, object_id, id_property)
        if record is None:
            raise not_found(f"Object not found.  objectId are usually numeric.  ({object_id})")
        return record

    def page(self, t: ObjectType, *, after: str | None, limit: int) -> tuple[list[Doc], str | None]:
        """Records in id order after the `after` cursor (HubSpot's cursor is the next id)."""
        start = int(after) if after and after.isdigit() else 0
        records = [r for r in self.all(t) if int(r["id"]) >= start]
        if len(records) > limit:
            return records[:limit], records[limit]["id"]
        return records, None

    def all(self, t: ObjectType) -> list[Doc]:
        with self._store.transaction() as tx:
            docs = [doc for _, doc in tx.scan(_objects(t))]
        return sorted(docs, key=lambda d: int(d["id"]))

    def searchable(self, record: Doc) -> dict[str, str] | None:
        """The record's properties as the (lagging) search index sees them."""
        if self._clock() >= record["changedAt"] + self._lag:
            return dict(record["properties"])
        indexed: dict[str, str] | None = record["indexed"]
        return indexed

    def linked(self, t: ObjectType, object_id: str) -> list[Linked]:
        with self._store.transaction() as tx:
            rows = tx.scan(_assoc(t, object_id))
        return [
            Linked(type_named(doc["toType"]), doc["toId"], tuple(doc["typeIds"])) for _, doc in rows
        ]

    # -- writes ---------------------------------------------------------------------------

    def create(
        self,
        t: ObjectType,
        properties: Mapping[str, object],
        associations: Sequence[NewAssociation] = (),
    ) -> Doc:
        with self._store.transaction() as tx:
            defs = definitions(tx, t)
            record = self._insert(tx, t, defs, _normalize(tx, defs, properties))
            for association in associations:
                self._link_input(tx, t, record["id"], association)
            return record

    def update(
        self,
        t: ObjectType,
        object_id: str,
        properties: Mapping[str, object],
        *,
        id_property: str | None = None,
    ) -> Doc:
        with self._store.transaction() as tx:
            record = self._find(tx, t, object_id, id_property)
            if record is None:
                raise not_found(f"Object not found.  objectId are usually numeric.  ({object_id})")
            defs = definitions(tx, t)
            return self._apply(tx, t, defs, record, _normalize(tx, defs, properties))

    def upsert(self, t: ObjectType, inputs: Sequence[UpsertInput]) -> list[tuple[Doc, bool]]:
        """Create or update each input by its unique `idProperty` value, all or nothing."""
        if len(inputs) > MAX_BATCH:
            raise validation(f"Batch inputs are limited to {MAX_BATCH}; got {len(inputs)}")
        with self._store.transaction() as tx:
            defs = definitions(tx, t)
            uniques = unique_properties(tx, t)
            keyed: list[tuple[str, str, UpsertInput]] = []
            for item in inputs:
                prop = item.id_property or "hs_object_id"
                if prop not in uniques:
                    # Verbatim HubSpot text (hubspot-api-nodejs#548, segmentio#3957).
                    raise validation(
                        f"Unable to perform update/upsert by non-unique {t.type_id} property {prop}"
                    )
                key = _normalize(tx, defs, {prop: item.id})[prop]
                if key is None:
                    raise validation(f"Upsert input needs a non-empty id for {prop}")
                keyed.append((prop, key, item))
            seen = [(prop, key) for prop, key, _ in keyed]
            duplicates = sorted({key for prop, key in seen if seen.count((prop, key)) > 1})
            if duplicates:
                raise validation(f"Duplicate IDs found in batch input: {duplicates}")
            results = []
            for prop, key, item in keyed:
                values = _normalize(tx, defs, item.properties)
                values[prop] = key
                holder = tx.get(_unique(t, prop), key)
                record = None if holder is None else tx.get(_objects(t), holder["id"])
                if record is None:
                    results.append((self._insert(tx, t, defs, values), True))
                else:
                    results.append((self._apply(tx, t, defs, record, values), False))
            return results

    def associate(self, from_t: ObjectType, from_id: str, to_t: ObjectType, to_id: str) -> int:
        """Default (unlabelled) association both ways; repeating it changes nothing."""
        type_id = ASSOCIATION_TYPES.get((from_t.name, to_t.name))
        if type_id is None:
            raise validation(f"No default association from {from_t.type_id} to {to_t.type_id}")
        with self._store.transaction() as tx:
            for t, object_id in ((from_t, from_id), (to_t, to_id)):
                if tx.get(_objects(t), object_id) is None:
                    raise not_found(f"No {t.singular} with ID {object_id} exists")
            self._link(tx, from_t, from_id, to_t, to_id)
        return type_id

    # -- internals ------------------------------------------------------------------------

    def _find(self, tx: Tx, t: ObjectType, value: str, id_property: str | None) -> Doc | None:
        if id_property in (None, "hs_object_id"):
            return tx.get(_objects(t), value)
        assert id_property is not None
        if id_property not in unique_properties(tx, t):
            raise validation(
                f"Unable to perform get by non-unique {t.type_id} property {id_property}"
            )
        key = value.strip().lower() if id_property == "email" else value
        holder = tx.get(_unique(t, id_property), key)
        return None if holder is None else tx.get(_objects(t), holder["id"])

    def _insert(
        self, tx: Tx, t: ObjectType, defs: Mapping[str, Doc], values: Mapping[str, str | None]
    ) -> Doc:
        values = _object_rules(tx, t, None, values)
        missing = [p for p in t.required_on_create if not values.get(p)]
        if missing:
            raise invalid_properties(
                [
                    (p, "REQUIRED_PROPERTY", f"{p} is required to create a {t.singular}")
                    for p in missing
                ]
            )
        object_id = str(tx.next_value("object_id", start=FIRST_ID))
        self._claim_uniques(tx, t, defs, object_id, {}, values)
        now = self._clock()
        stamp = now_iso(now)
        properties = {k: v for k, v in values.items() if v is not None}
        properties.update(
            {"hs_object_id": object_id, t.created_property: stamp, t.modified_property: stamp}
        )
        record: Doc = {
            "id": object_id,
            "properties": properties,
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
            "changedAt": now,
            "indexed": None,
        }
        tx.put(_objects(t), object_id, record)
        return record

    def _apply(
        self,
        tx: Tx,
        t: ObjectType,
        defs: Mapping[str, Doc],
        record: Doc,
        values: Mapping[str, str | None],
    ) -> Doc:
        values = _object_rules(tx, t, record["properties"], values)
        self._claim_uniques(tx, t, defs, record["id"], record["properties"], values)
        now = self._clock()
        if now >= record["changedAt"] + self._lag:
            record["indexed"] = dict(record["properties"])  # the index had caught up
        properties: dict[str, str] = record["properties"]
        for name, value in values.items():
            if value is None:
                properties.pop(name, None)
            else:
                properties[name] = value
        stamp = now_iso(now)
        properties[t.modified_property] = stamp
        record.update(updatedAt=stamp, changedAt=now)
        tx.put(_objects(t), record["id"], record)
        return record

    def _claim_uniques(
        self,
        tx: Tx,
        t: ObjectType,
        defs: Mapping[str, Doc],
        object_id: str,
        old: Mapping[str, str],
        values: Mapping[str, str | None],
    ) -> None:
        for name, value in values.items():
            if not defs[name].get("hasUniqueValue") or old.get(name) == value:
                continue
            if value is not None:
                holder = tx.get(_unique(t, name), value)
                if holder is not None and holder["id"] != object_id:
                    raise _conflict(t, name, value, holder["id"])
                tx.put(_unique(t, name), value, {"id": object_id})
            if old.get(name) is not None:
                tx.delete(_unique(t, name), old[name])

    def _link_input(self, tx: Tx, from_t: ObjectType, from_id: str, a: NewAssociation) -> None:
        targets = [
            to
            for (f, to), type_id in ASSOCIATION_TYPES.items()
            if f == from_t.name and type_id == a.type_id
        ]
        if not targets:
            raise validation(f"associationTypeId {a.type_id} is not valid for {from_t.type_id}")
        to_t = type_named(targets[0])
        if tx.get(_objects(to_t), a.to_id) is None:
            raise validation(f"Cannot associate: no {to_t.singular} with ID {a.to_id} exists")
        self._link(tx, from_t, from_id, to_t, a.to_id)

    def _link(self, tx: Tx, a_t: ObjectType, a_id: str, b_t: ObjectType, b_id: str) -> None:
        for (x_t, x_id), (y_t, y_id) in (((a_t, a_id), (b_t, b_id)), ((b_t, b_id), (a_t, a_id))):
            type_id = ASSOCIATION_TYPES[(x_t.name, y_t.name)]
            key = f"{y_t.name}:{y_id}"
            doc = tx.get(_assoc(x_t, x_id), key) or {
                "toType": y_t.name,
                "toId": y_id,
                "typeIds": [],
            }
            if type_id not in doc["typeIds"]:
                doc["typeIds"].append(type_id)
            tx.put(_assoc(x_t, x_id), key, doc)


def _conflict(t: ObjectType, name: str, value: str, holder: str) -> HubSpotError:
    if t is CONTACTS and name == "email":
        # research/crm.md §1.4: the existing id is only inside the message text.
        return HubSpotError(
            409,
            "CONFLICT",
            f"Contact already exists. Existing ID: {holder}",
            errors=[
                {
                    "message": f"A contact with email {value} already exists. "
                    f"Existing ID: {holder}",
                    "in": "email",
                }
            ],
        )
    return invalid_properties(
        [
            (
                name,
                "INVALID_UNIQUE_VALUE",
                f"{value} already exists on {t.singular} {holder} ({name} is unique)",
            )
        ]
    )


def _normalize(
    tx: Tx, defs: Mapping[str, Doc], values: Mapping[str, object]
) -> dict[str, str | None]:
    return normalize_values(defs, values, owners=owners.active_ids(tx))


def _object_rules(
    tx: Tx, t: ObjectType, current: Mapping[str, str] | None, values: Mapping[str, str | None]
) -> Mapping[str, str | None]:
    """Rules spanning other state: a deal's stage must belong to its pipeline."""
    if t is DEALS:
        return pipelines.place_deal(tx, current, values)
    return values


def public_object(
    t: ObjectType,
    record: Doc,
    names: Collection[str] | None,
    *,
    extra: Mapping[str, Any] | None = None,
) -> Doc:
    """The wire `SimplePublicObject`; `names=None` returns every stored property.

    Unset properties are left out rather than sent as null: the v3 documents type property
    values as plain strings.
    """
    stored: dict[str, str] = record["properties"]
    if names is None:
        properties = dict(stored)
    else:
        wanted: Iterable[str] = (*names, "hs_object_id", t.created_property, t.modified_property)
        properties = {n: stored[n] for n in wanted if n in stored}
    return {
        "id": record["id"],
        "properties": properties,
        "createdAt": record["createdAt"],
        "updatedAt": record["updatedAt"],
        "archived": record["archived"],
        **(extra or {}),
    }
