"""`GoHighLevelCrm`: the `Crm` port over GoHighLevel's API v2 with a location's PIT.

How each write stays exactly-once in effect (research/crm.md §2.11, §5.1-5.2):
- contacts: `POST /contacts/upsert`, matched by the location's duplicate rule; never with
  `createNewIfDuplicateAllowed`, so a repeat (or a racing call from the same number) updates
  the same contact;
- fields, owner, stage and status are sets; tags a set union (`POST /contacts/{id}/tags`);
- opportunities: one per contact and pipeline (the `deal_key` is exactly that pair, and
  GoHighLevel has no unique property to hold it), found by search before creating;
- call logs are contact notes (a PIT cannot write call messages, §0.14) carrying
  `[callstate:<effect key>]`; a recovering attempt lists the notes and reuses a marked one;
- workflow enrolment has no read-back API: the executor's ledger is the only guard.
Reading a caller (`find_contact`) finds the contact as upsert matches it (the duplicate search).
Reference data (custom fields, pipelines, users, workflows) comes from `Lookups`, cached.
"""

from __future__ import annotations

import httpx

from callstate.config.model import GoHighLevelConfig
from callstate.connectors.errors import Permanent, Transient, Unsupported
from callstate.connectors.gohighlevel import api, mapping
from callstate.connectors.gohighlevel.client import PUBLIC_API, VENDOR, GoHighLevelHttp
from callstate.connectors.gohighlevel.lookups import Lookups
from callstate.connectors.http import Gate
from callstate.connectors.ports import ContactSnapshot, ObjectRef
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

# Won, lost and abandoned are statuses, not stages (crm.md §2.5). For `decide_move` they sit
# after every stage, so closing a deal is a move forward and reopening one is a move back.
CLOSED = ("abandoned", "lost", "won")
APP = "https://app.gohighlevel.com/v2/location"  # the UI's record pages (path unverified)


class GoHighLevelCrm:
    vendor = VENDOR

    def __init__(
        self,
        config: GoHighLevelConfig,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        gate: Gate | None = None,
    ) -> None:
        self._location = config.location_id
        self._http = GoHighLevelHttp(
            base_url or config.base_url, config.token.get_secret_value(), transport, gate=gate
        )
        self._lookups = Lookups(self._http, config.location_id)

    def close(self) -> None:
        self._http.close()

    # -- contacts ---------------------------------------------------------------------------

    def find_contact(
        self, phone: str, *, deal_key: str | None = None, pipeline: str | None = None
    ) -> ContactSnapshot | None:
        """The contact GoHighLevel matches to the phone under the location's duplicate rule
        (`GET /contacts/search/duplicate`, the match an upsert would update; crm.md §2.3), its
        owner's email, `callstate_last_call_outcome`, tags, and with `pipeline` its open
        opportunity there (a won, lost or abandoned one is no open deal). `deal_key` is unused: a
        GoHighLevel deal is the contact's opportunity in the pipeline.

        Requests: the search, the opportunity search, and once per connector each the custom
        field definitions, the pipelines and each owner's user record (`Lookups`); a contact
        without custom values, owner or pipeline skips those.
        """
        params = {"locationId": self._location, "number": phone}
        path = "/contacts/search/duplicate"
        contact = self._http.call(api.DuplicateResponse, "GET", path, params=params).contact
        if contact is None:
            return None
        owner = self._lookups.known_email(contact.assignedTo) if contact.assignedTo else None
        field_id = None
        if contact.customFields:
            field_id = self._lookups.field_id(mapping.OUTCOME_FIELD)
        deal, stage = None, None
        if pipeline is not None:
            chosen = self._lookups.pipeline(pipeline)
            found = self._find_opportunity(contact.id, chosen.id)
            if found is not None and found.status == "open":
                labels = {s.id: s.name for s in chosen.ordered()}
                stage = found.pipelineStageId
                reason = f"open at {labels.get(stage, stage)}"
                deal = self._deal_ref(found.id, chosen, stage, labels, reason)
        ref = ObjectRef(VENDOR, contact.id, self._contact_url(contact.id))
        return mapping.snapshot(
            contact, ref, outcome_field_id=field_id, owner_email=owner, deal=deal, deal_stage=stage
        )

    def upsert_contact(self, effect: UpsertContact) -> ObjectRef:
        body = mapping.contact_body(effect, self._location)
        result = self._http.call(api.UpsertResponse, "POST", "/contacts/upsert", json=body)
        contact = result.contact
        detail = "; ".join(
            ["created" if result.new else "updated", *mapping.dropped_identifiers(effect, contact)]
        )
        return ObjectRef(VENDOR, contact.id, self._contact_url(contact.id), detail=detail)

    def set_fields(self, effect: SetFields, contact: ObjectRef) -> ObjectRef:
        fields = self._lookups.custom_fields(sorted(effect.values))
        entries, problems = [], []
        for name, value in sorted(effect.values.items()):
            try:
                entries.append(
                    {"id": fields[name].id, "field_value": mapping.field_value(fields[name], value)}
                )
            except mapping.FieldValueError as exc:
                problems.append(f"{mapping.FIELD_PREFIX}{name}: {exc}")
        if problems:
            raise Permanent(VENDOR, "; ".join(problems))
        if entries:
            path = f"/contacts/{contact.object_id}"
            self._http.request("PUT", path, json={"customFields": entries})
        return ObjectRef(
            VENDOR, contact.object_id, contact.url, detail=f"set {len(entries)} custom fields"
        )

    def add_tags(self, effect: AddTags, contact: ObjectRef) -> ObjectRef:
        tags: list[str] = []
        if effect.tags:
            path = f"/contacts/{contact.object_id}/tags"
            tags = self._http.call(api.Tags, "POST", path, json={"tags": list(effect.tags)}).tags
        return ObjectRef(VENDOR, contact.object_id, contact.url, facts={"tags": ";".join(tags)})

    # -- opportunities ----------------------------------------------------------------------

    def ensure_deal(self, effect: EnsureDeal, contact: ObjectRef) -> ObjectRef:
        pipeline = self._lookups.pipeline(effect.pipeline)
        stages = pipeline.ordered()
        if not stages:
            raise Permanent(VENDOR, f"pipeline {pipeline.name!r} has no stages")
        target = _target(pipeline, stages, effect.stage)
        labels = {s.id: s.name for s in stages}
        existing = self._find_opportunity(contact.object_id, pipeline.id)
        if existing is None:
            existing = self._create_opportunity(effect, contact, pipeline, stages, target)
            if _position(existing) == target:
                reason = f"created at {labels.get(target, target)}"
                return self._deal_ref(
                    existing.id, pipeline, target, labels, reason, amount=existing.monetaryValue
                )
        order = [*labels, *CLOSED]
        move = decide_move(
            _position(existing), target, order, allow_backwards=effect.allow_backwards
        )
        if move.moved and target in CLOSED:
            self._http.request(
                "PUT", f"/opportunities/{existing.id}/status", json={"status": target}
            )
        elif move.moved:
            body = {"pipelineStageId": target}
            if existing.status != "open":
                body["status"] = "open"  # moving a closed deal back reopens it
            self._http.request("PUT", f"/opportunities/{existing.id}", json=body)
        reason = move.reason
        for stage_id, name in labels.items():
            reason = reason.replace(stage_id, name)
        return self._deal_ref(
            existing.id, pipeline, move.stage, labels, reason, amount=existing.monetaryValue
        )

    def _find_opportunity(self, contact_id: str, pipeline_id: str) -> api.Opportunity | None:
        """The contact's opportunity in the pipeline: an open one, else the latest closed one
        (so a won deal stays won on a repeat instead of spawning a new open one)."""
        params = {
            "location_id": self._location,
            "contact_id": contact_id,
            "pipeline_id": pipeline_id,
            "status": "all",
            "limit": "100",
        }
        found = self._http.call(
            api.OpportunitySearch, "GET", "/opportunities/search", params=params
        )
        mine = [o for o in found.opportunities if o.pipelineId == pipeline_id]
        open_ = [o for o in mine if o.status == "open"]
        if open_:
            return open_[0]
        return max(mine, key=lambda o: o.updatedAt, default=None)

    def _create_opportunity(
        self,
        effect: EnsureDeal,
        contact: ObjectRef,
        pipeline: api.Pipeline,
        stages: list[api.Stage],
        target: str,
    ) -> api.Opportunity:
        if target in CLOSED:
            stage = stages[-1].id if target == "won" else stages[0].id
            status = target
        else:
            stage, status = target, "open"
        body = {
            "pipelineId": pipeline.id,
            "locationId": self._location,
            "name": effect.name,
            "pipelineStageId": stage,
            "status": status,
            "contactId": contact.object_id,
        }
        try:
            created = self._http.call(api.OpportunityResponse, "POST", "/opportunities/", json=body)
        except Permanent as exc:
            if exc.status != 400 or "duplicate" not in exc.message.lower():
                raise
            # Another call of the same lead created it a moment ago (a location refuses a
            # second opportunity per contact and pipeline unless it allows duplicates).
            found = self._find_opportunity(contact.object_id, pipeline.id)
            if found is None:
                # Search may trail the write (unverified for opportunities): try again later.
                raise Transient(VENDOR, f"{exc.message}; not yet visible to search") from exc
            return found
        return created.opportunity

    def _deal_ref(
        self,
        deal_id: str,
        pipeline: api.Pipeline,
        stage: str,
        labels: dict[str, str],
        reason: str,
        *,
        amount: float | None = None,
    ) -> ObjectRef:
        facts = {
            "stage": stage,
            "pipeline": pipeline.id,
            "stage_label": labels.get(stage, stage),
            "pipeline_label": pipeline.name,
        }
        if amount is not None:  # the deal value the daily digest sums
            facts["amount"] = str(amount)
        return ObjectRef(
            VENDOR,
            deal_id,
            None if self._public else f"{self._http.base_url}/opportunities/{deal_id}",
            detail=reason,
            facts=facts,
        )

    # -- owners -----------------------------------------------------------------------------

    def assign_owner(
        self, effect: AssignOwner, contact: ObjectRef, deal: ObjectRef | None
    ) -> ObjectRef:
        current = self._http.call(api.ContactResponse, "GET", f"/contacts/{contact.object_id}")
        existing = current.contact.assignedTo
        if effect.sticky and existing:
            owner_id, owner_email = existing, self._lookups.email_of(existing)
            same = owner_email.casefold() == effect.owner_email.casefold()
            detail = f"already owned by {owner_email}" if same else f"kept owner {owner_email}"
        else:
            user = self._lookups.user(effect.owner_email)
            owner_id, owner_email = user.id, user.email or effect.owner_email
            detail = f"assigned {owner_email}"
            if existing != owner_id:
                path = f"/contacts/{contact.object_id}"
                self._http.request("PUT", path, json={"assignedTo": owner_id})
        if deal is not None:
            path = f"/opportunities/{deal.object_id}"
            opportunity = self._http.call(api.OpportunityResponse, "GET", path).opportunity
            if opportunity.assignedTo != owner_id:
                self._http.request("PUT", path, json={"assignedTo": owner_id})
        return ObjectRef(VENDOR, owner_id, None, detail=detail, facts={"owner_email": owner_email})

    # -- workflows --------------------------------------------------------------------------

    def enroll(self, effect: EnrollSequence, contact: ObjectRef, sender_email: str) -> ObjectRef:
        """`sender_email` is unused: a GoHighLevel workflow sends as its own steps say."""
        workflow = self._lookups.workflow(effect.sequence)
        path = f"/contacts/{contact.object_id}/workflow/{workflow.id}"
        try:
            self._http.request("POST", path, json={})
        except Permanent as exc:
            if exc.status in (401, 403):
                raise Unsupported(
                    VENDOR, f"cannot add contacts to workflows: {exc.message}", status=exc.status
                ) from exc
            raise
        name = workflow.name or workflow.id
        return ObjectRef(
            VENDOR,
            workflow.id,
            None,
            detail=f"enrolled in workflow {name}",
            facts={"workflow": name},
        )

    # -- call logs --------------------------------------------------------------------------

    def log_call(
        self, effect: LogCall, contact: ObjectRef, deal: ObjectRef | None, *, recover: bool
    ) -> ObjectRef:
        """A contact note; notes cannot be attached to opportunities, so `deal` is unused."""
        path = f"/contacts/{contact.object_id}/notes"
        if recover:
            marker = mapping.marker(effect.key)
            for note in self._http.call(api.Notes, "GET", path).notes:
                if marker in note.body:
                    return ObjectRef(
                        VENDOR, note.id, contact.url, detail="found the note of an earlier attempt"
                    )
        body = {"body": mapping.note_body(effect)}
        note = self._http.call(api.NoteResponse, "POST", path, json=body).note
        return ObjectRef(VENDOR, note.id, contact.url, detail="logged as a contact note")

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def _public(self) -> bool:
        return self._http.base_url == PUBLIC_API

    def _contact_url(self, contact_id: str) -> str:
        if self._public:
            return f"{APP}/{self._location}/contacts/detail/{contact_id}"
        return f"{self._http.base_url}/contacts/{contact_id}"


def _target(pipeline: api.Pipeline, stages: list[api.Stage], wanted: str) -> str:
    """A stage id, or a closed status (`won`, `lost`, `abandoned`) named in the stage map."""
    if wanted.casefold() in CLOSED:
        return wanted.casefold()
    for stage in stages:
        if wanted == stage.id or wanted.casefold() == stage.name.casefold():
            return stage.id
    names = ", ".join(s.name for s in stages)
    raise Permanent(
        VENDOR,
        f"pipeline {pipeline.name!r} has no stage {wanted!r}; stages: {names}, "
        "or the statuses won, lost, abandoned",
    )


def _position(opportunity: api.Opportunity) -> str:
    """Where a deal is on the `decide_move` order: its status once closed, else its stage."""
    return opportunity.status if opportunity.status in CLOSED else opportunity.pipelineStageId
