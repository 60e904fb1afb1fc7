"""`HubSpotCrm`: the `Crm` port over HubSpot's REST API (date-versioned paths, 2026-09).

Contacts: `batch/upsert` with `idProperty` = a unique-value property holding the E.164 phone, so
duplicates and concurrent calls from one new number converge on one contact (HubSpot enforces
the uniqueness; search-then-create would race, research/crm.md §0.5-0.6).
Deals: a unique `callstate_deal_key` per contact and pipeline; created once (a racing second
create gets 409 and falls back to the existing deal), then moved forward only (`policy.stages`).
Calls: HubSpot has no idempotency key for creates, so a call carries our effect key in a custom
property and a recovering attempt searches for it before creating.
Owners and fields are sets; tags are a read-merge-write of a multiple-checkbox property.
Reading a caller (`find_contact`) reads by the same unique keys, never by search (5/s, lags),
the contact and its deal side by side.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextvars import copy_context
from typing import Any
from urllib.parse import quote

import httpx

from callstate.config.model import HubSpotConfig
from callstate.connectors.errors import Permanent, Unsupported
from callstate.connectors.http import Gate
from callstate.connectors.hubspot import api, mapping
from callstate.connectors.hubspot.client import PUBLIC_API, VENDOR, HubSpotHttp, parse
from callstate.connectors.hubspot.lookups import Owners
from callstate.connectors.ports import ContactSnapshot, ObjectRef
from callstate.domain.budget import Budget
from callstate.domain.effects import (
    AddTags,
    AssignOwner,
    EnrollSequence,
    EnsureDeal,
    LogCall,
    SetFields,
    UpsertContact,
)
from callstate.policy.stages import decide_move


def _association(to_id: str, type_id: int) -> dict[str, Any]:
    return {
        "to": {"id": to_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }


class HubSpotCrm:
    vendor = VENDOR

    def __init__(
        self,
        config: HubSpotConfig,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        gate: Gate | None = None,
        search_attempts: int = 3,
        search_pause: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._http = HubSpotHttp(
            base_url or config.base_url,
            config.token.get_secret_value(),
            transport,
            gate=gate,
            budget=Budget(config.requests_per_10s, 10.0),
            search_budget=Budget(config.search_per_second, 1.0),
        )
        self._search_attempts = search_attempts
        self._search_pause = search_pause
        self._sleep = sleep
        self._owners = Owners(self._http)
        self._pipelines: dict[str, api.Pipeline] = {}
        # The deal read of `find_contact`, beside the contact read (the HTTP client is shared).
        self._beside = ThreadPoolExecutor(max_workers=4, thread_name_prefix="hubspot-read")

    def close(self) -> None:
        self._beside.shutdown(wait=True)
        self._http.close()

    # -- contacts ---------------------------------------------------------------------------

    def find_contact(
        self, phone: str, *, deal_key: str | None = None, pipeline: str | None = None
    ) -> ContactSnapshot | None:
        """At most three reads, each by a unique key: the contact by `contact_key_property`,
        its owner by id (kept per connector), the deal by `deal_key_property`. The deal key is
        derived from the phone, so the deal is read beside the contact, not after it: a known
        caller costs one round trip of waiting instead of two (the inbound greeting has a
        budget), an unknown one a second request. `pipeline` is unused: the deal key already
        names the contact's deal in its pipeline.

        A deal in a closed stage is no open deal: `closedwon`/`closedlost` (the default
        pipeline's), or a stage its pipeline marks `isClosed` when this connector has read the
        pipelines already (`ensure_deal` does); reading them here would be a fourth request.
        """
        prefix, tags = self._config.property_prefix, self._config.tags_property
        params = {
            "idProperty": self._config.contact_key_property,
            "properties": ",".join(mapping.snapshot_properties(prefix, tags)),
        }
        path = f"{api.OBJECTS}/contacts/{quote(phone, safe='')}"
        # The context goes along, so log lines bound to the call stay bound in the other thread.
        beside: Future[api.SimpleObject | None] | None = None
        if deal_key:
            beside = self._beside.submit(copy_context().run, self._find_deal, deal_key)
        try:
            found = self._http.find(api.SimpleObject, path, params)
            owner_id = None if found is None else found.properties.get("hubspot_owner_id")
            owner = self._owners.by_id(owner_id) if owner_id else None
        finally:  # no read outlives the call; a failed contact read's error is the answer
            wait([beside] if beside is not None else [])
        if found is None:
            return None
        deal = None if beside is None else beside.result()
        stage = None if deal is None else deal.properties.get("dealstage")
        deal_ref = None
        if deal is not None and not self._closed(deal):
            pipeline_id = deal.properties.get("pipeline") or ""
            deal_ref = self._deal_ref(deal, pipeline_id, stage or "", f"open at {stage}")
        return mapping.snapshot(
            self._ref("0-1", "contacts", found.id),
            found.properties,
            prefix=prefix,
            tags_property=tags,
            owner_email=None if owner is None else owner.email,
            deal=deal_ref,
            deal_stage=stage,
        )

    def _closed(self, deal: api.SimpleObject) -> bool:
        stage = deal.properties.get("dealstage") or ""
        known = self._pipelines.get(deal.properties.get("pipeline") or "")
        closed = {s.id for s in known.stages if s.closed} if known is not None else set()
        return stage in mapping.CLOSED_STAGES or stage in closed

    def upsert_contact(self, effect: UpsertContact) -> ObjectRef:
        properties = mapping.contact_properties(effect, self._config.contact_key_property)
        try:
            response = self._upsert_contact(effect.phone, properties)
        except Permanent as exc:
            if exc.status != 409 or "email" not in properties:
                raise
            # The email already belongs to another contact (email is HubSpot's built-in unique
            # key). Keep the phone-keyed contact and leave the email off rather than fail the call.
            del properties["email"]
            response = self._upsert_contact(effect.phone, properties)
        result = parse(api.BatchUpsertResponse, response).results[0]
        return self._ref("0-1", "contacts", result.id)

    def _upsert_contact(self, phone: str, properties: dict[str, str]) -> httpx.Response:
        item = {
            "id": phone,
            "idProperty": self._config.contact_key_property,
            "properties": properties,
        }
        return self._http.request(
            "POST", f"{api.OBJECTS}/contacts/batch/upsert", json={"inputs": [item]}
        )

    def set_fields(self, effect: SetFields, contact: ObjectRef) -> ObjectRef:
        properties = mapping.field_properties(effect.values, self._config.property_prefix)
        self._patch("contacts", contact.object_id, properties)
        return ObjectRef(
            VENDOR, contact.object_id, contact.url, detail=f"set {', '.join(sorted(effect.values))}"
        )

    def add_tags(self, effect: AddTags, contact: ObjectRef) -> ObjectRef:
        name = self._config.tags_property
        current = self._properties("contacts", contact.object_id, [name]).get(name) or ""
        have = [t for t in current.split(";") if t]
        merged = have + [t for t in effect.tags if t not in have]
        if merged != have:
            self._patch("contacts", contact.object_id, {name: ";".join(merged)})
        return ObjectRef(
            contact.vendor, contact.object_id, contact.url, facts={"tags": ";".join(merged)}
        )

    # -- deals ------------------------------------------------------------------------------

    def ensure_deal(self, effect: EnsureDeal, contact: ObjectRef) -> ObjectRef:
        pipeline = self._pipeline(effect.pipeline)
        order = [s.id for s in pipeline.ordered()]
        target = self._stage_id(pipeline, effect.stage)
        existing = self._find_deal(effect.deal_key)
        if existing is None:
            existing = self._create_deal(effect, contact, pipeline.id, target)
            if existing.properties.get("dealstage") == target:
                return self._deal_ref(existing, pipeline.id, target, f"created at {target}")
        current = existing.properties.get("dealstage") or ""
        move = decide_move(current, target, order, allow_backwards=effect.allow_backwards)
        if move.moved:
            self._patch("deals", existing.id, {"dealstage": move.stage, "pipeline": pipeline.id})
        return self._deal_ref(existing, pipeline.id, move.stage, move.reason)

    def _find_deal(self, key: str) -> api.SimpleObject | None:
        params = {
            "idProperty": self._config.deal_key_property,
            "properties": "dealstage,pipeline,amount",
        }
        return self._http.find(
            api.SimpleObject, f"{api.OBJECTS}/deals/{quote(key, safe='')}", params
        )

    def _create_deal(
        self, effect: EnsureDeal, contact: ObjectRef, pipeline: str, stage: str
    ) -> api.SimpleObject:
        body = {
            "properties": {
                "dealname": effect.name,
                "pipeline": pipeline,
                "dealstage": stage,
                self._config.deal_key_property: effect.deal_key,
            },
            "associations": [_association(contact.object_id, api.DEAL_TO_CONTACT)],
        }
        try:
            return self._http.call(api.SimpleObject, "POST", f"{api.OBJECTS}/deals", json=body)
        except Permanent as exc:
            # Another call of the same lead created it a moment ago: the key is unique. HubSpot
            # answers 409 for its own unique keys; for custom unique properties a 400 naming
            # INVALID_UNIQUE_VALUE is what integrators report. Either way, read the winner.
            duplicate = exc.status == 409 or "INVALID_UNIQUE_VALUE" in exc.message
            found = self._find_deal(effect.deal_key) if duplicate else None
            if found is None:
                raise
            return found

    def _pipeline(self, id_or_label: str) -> api.Pipeline:
        if id_or_label not in self._pipelines:
            listed = self._http.call(api.Pipelines, "GET", f"{api.PIPELINES}/deals")
            for p in listed.results:
                self._pipelines[p.id] = self._pipelines[p.label] = p
        if id_or_label not in self._pipelines:
            raise Permanent(VENDOR, f"no deal pipeline {id_or_label!r} (see `callstate crm plan`)")
        return self._pipelines[id_or_label]

    @staticmethod
    def _stage_id(pipeline: api.Pipeline, id_or_label: str) -> str:
        for stage in pipeline.ordered():
            if id_or_label in (stage.id, stage.label):
                return stage.id
        raise Permanent(
            VENDOR, f"pipeline {pipeline.label!r} has no stage {id_or_label!r} (see `crm plan`)"
        )

    def _deal_ref(
        self, deal: api.SimpleObject, pipeline: str, stage: str, reason: str
    ) -> ObjectRef:
        facts = {"stage": stage, "pipeline": pipeline}
        if amount := deal.properties.get("amount"):  # the deal value the daily digest sums
            facts["amount"] = amount
        return ObjectRef(
            VENDOR,
            deal.id,
            self._record_url("0-3", "deals", deal.id),
            detail=reason,
            facts=facts,
        )

    # -- owners -----------------------------------------------------------------------------

    def assign_owner(
        self, effect: AssignOwner, contact: ObjectRef, deal: ObjectRef | None
    ) -> ObjectRef:
        wanted = self._owner(effect.owner_email)
        current = self._properties("contacts", contact.object_id, ["hubspot_owner_id"])
        owner_id = (effect.sticky and current.get("hubspot_owner_id")) or wanted.id
        if current.get("hubspot_owner_id") != owner_id:
            self._patch("contacts", contact.object_id, {"hubspot_owner_id": owner_id})
        if deal is not None:
            on_deal = self._properties("deals", deal.object_id, ["hubspot_owner_id"])
            if not (effect.sticky and on_deal.get("hubspot_owner_id")):
                self._patch("deals", deal.object_id, {"hubspot_owner_id": owner_id})
        kept = owner_id != wanted.id
        owner = self._owner_by_id(owner_id) if kept else wanted
        return ObjectRef(
            VENDOR,
            owner_id,
            None,
            detail=f"kept the existing owner {owner.email}" if kept else f"assigned {owner.email}",
            facts={"owner_email": owner.email or effect.owner_email},
        )

    def _owner(self, email: str) -> api.Owner:
        return self._owners.by_email(email)

    def _owner_by_id(self, owner_id: str) -> api.Owner:
        return self._owners.by_id(owner_id) or api.Owner(id=owner_id)

    # -- sequences --------------------------------------------------------------------------

    def enroll(self, effect: EnrollSequence, contact: ObjectRef, sender_email: str) -> ObjectRef:
        """Sequences need a Sales/Service Hub Professional seat and an email to send to
        (research/crm.md §1.9); either missing → `Unsupported`, reported by `doctor`."""
        if not self._properties("contacts", contact.object_id, ["email"]).get("email"):
            raise Unsupported(VENDOR, "the contact has no email address; sequences send email")
        path = f"{api.SEQUENCES}/enrollments/contact/{contact.object_id}"
        current = self._http.find(api.Enrollment, path)
        if current is not None and current.sequenceId == effect.sequence:
            return ObjectRef(VENDOR, current.id, None, detail="already enrolled")
        sender = self._owner(sender_email)
        if sender.userId is None:
            raise Permanent(VENDOR, f"HubSpot owner {sender_email} has no user id")
        body = {
            "contactId": contact.object_id,
            "sequenceId": effect.sequence,
            "senderEmail": sender_email,
        }
        try:
            enrolled = self._http.call(
                api.Enrollment,
                "POST",
                f"{api.SEQUENCES}/enrollments",
                json=body,
                params={"userId": str(sender.userId)},
            )
        except Permanent as exc:
            if exc.status in (401, 403):
                raise Unsupported(VENDOR, f"sequences are not available: {exc.message}") from exc
            raise
        return ObjectRef(
            VENDOR, enrolled.id, None, detail=f"enrolled in sequence {effect.sequence}"
        )

    # -- calls ------------------------------------------------------------------------------

    def log_call(
        self, effect: LogCall, contact: ObjectRef, deal: ObjectRef | None, *, recover: bool
    ) -> ObjectRef:
        if recover and (found := self._find_call(effect.key)) is not None:
            return found
        associations = [_association(contact.object_id, api.CALL_TO_CONTACT)]
        if deal is not None:
            associations.append(_association(deal.object_id, api.CALL_TO_DEAL))
        body = {
            "properties": mapping.call_properties(effect, self._config.call_key_property),
            "associations": associations,
        }
        created = self._http.call(api.SimpleObject, "POST", f"{api.OBJECTS}/calls", json=body)
        return self._ref("0-48", "calls", created.id)

    def _find_call(self, key: str) -> ObjectRef | None:
        """Search by our key. Search lags writes by seconds, so a miss is retried before we trust
        it (research/crm.md §0.6): creating after a false miss would log the call twice."""
        prop = self._config.call_key_property
        body = {
            "filterGroups": [{"filters": [{"propertyName": prop, "operator": "EQ", "value": key}]}],
            "properties": [prop],
            "limit": 1,
        }
        for attempt in range(self._search_attempts):
            found = self._http.call(
                api.SearchResponse, "POST", f"{api.OBJECTS}/calls/search", json=body
            )
            if found.results:
                return self._ref("0-48", "calls", found.results[0].id)
            if attempt + 1 < self._search_attempts:
                self._sleep(self._search_pause)
        return None

    # -- plumbing ---------------------------------------------------------------------------

    def _properties(
        self, type_name: str, object_id: str, names: list[str]
    ) -> dict[str, str | None]:
        path = f"{api.OBJECTS}/{type_name}/{object_id}"
        found = self._http.call(
            api.SimpleObject, "GET", path, params={"properties": ",".join(names)}
        )
        return found.properties

    def _patch(self, type_name: str, object_id: str, properties: dict[str, str]) -> None:
        path = f"{api.OBJECTS}/{type_name}/{object_id}"
        self._http.request("PATCH", path, json={"properties": properties})

    def _ref(self, type_id: str, type_name: str, object_id: str) -> ObjectRef:
        return ObjectRef(VENDOR, object_id, self._record_url(type_id, type_name, object_id))

    def _record_url(self, type_id: str, type_name: str, object_id: str) -> str:
        if self._http.base_url == PUBLIC_API and self._config.portal_id:
            return (
                f"https://app.hubspot.com/contacts/{self._config.portal_id}"
                f"/record/{type_id}/{object_id}"
            )
        return f"{self._http.base_url}/crm/v3/objects/{type_name}/{object_id}"
