"""Opportunities (opportunities.json): create, get, update, status, search.

Store layout: `opportunities`, one document per id. Rules enforced (research/crm.md §2.5):
- the pipeline must be the location's and `pipelineStageId` one of that pipeline's stages
  (400 otherwise); a create without a stage starts at the pipeline's first stage;
- `status` is open | won | lost | abandoned — `all` appears in the documents' enum but is a
  search filter, so a write with it is a 422;
- one opportunity per contact per pipeline: a second create is refused with the 400 message
  integrators quote ("Can not create duplicate opportunity for the contact."), as a location
  with "Allow duplicate opportunities" off does. Whether that counts closed ones is unverified;
  the sandbox counts every status.
Search returns newest first (`order=added_asc` reverses); without `status` every status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from callstate.sandbox.gohighlevel.contacts import Contacts
from callstate.sandbox.gohighlevel.directory import Directory
from callstate.sandbox.gohighlevel.errors import bad_request, not_found, unprocessable, with_trace
from callstate.sandbox.gohighlevel.fields import CustomFieldInput, Fields
from callstate.sandbox.gohighlevel.gate import Grant, grant_of
from callstate.sandbox.gohighlevel.seeds import ghl_id
from callstate.sandbox.gohighlevel.timestamps import iso
from callstate.sandbox.store import Doc, Store, Tx

Status = Literal["open", "won", "lost", "abandoned", "all"]
_WRITABLE = ("open", "won", "lost", "abandoned")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UpdateBody(_Body):
    """`UpdateOpportunityDto`."""

    pipelineId: str | None = None  # noqa: N815 - GoHighLevel's field names
    name: str | None = None
    pipelineStageId: str | None = None  # noqa: N815
    status: Status | None = None
    monetaryValue: float | None = None  # noqa: N815
    assignedTo: str | None = None  # noqa: N815
    customFields: list[CustomFieldInput] | None = None  # noqa: N815


class CreateBody(UpdateBody):
    """`CreateDto`: pipelineId, locationId, name, status, contactId required."""

    pipelineId: str  # noqa: N815
    locationId: str  # noqa: N815
    name: str
    status: Status
    contactId: str  # noqa: N815


class StatusBody(_Body):
    """`UpdateStatusDto`."""

    status: Status
    lostReasonId: str | None = None  # noqa: N815


class Opportunities:
    def __init__(
        self,
        store: Store,
        directory: Directory,
        contacts: Contacts,
        fields: Fields,
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self._directory = directory
        self._contacts = contacts
        self._fields = fields
        self._clock = clock

    def create(self, grant: Grant, body: CreateBody) -> Doc:
        grant.require("opportunities.write", body.locationId)
        with self._store.transaction() as tx:
            contact = self._contacts.owned(tx, grant, body.contactId, "opportunities.write")
            same = [
                o
                for _, o in tx.scan("opportunities")
                if o["contactId"] == contact["id"] and o["pipelineId"] == body.pipelineId
            ]
            if same:
                raise bad_request("Can not create duplicate opportunity for the contact.")
            opportunity_id = ghl_id("opportunity", tx.next_value("opportunity_id"))
            stamp = iso(self._clock())
            doc: Doc = {
                "id": opportunity_id,
                "locationId": body.locationId,
                "contactId": contact["id"],
                "source": "api",
                "customFields": {},
                "createdAt": stamp,
                "lastStatusChangeAt": stamp,
                "lastStageChangeAt": stamp,
            }
            return self._write(tx, doc, body.model_dump(exclude_unset=True), body.customFields)

    def get(self, grant: Grant, opportunity_id: str, scope: str = "opportunities.readonly") -> Doc:
        with self._store.transaction() as tx:
            return self._owned(tx, grant, opportunity_id, scope)

    def update(self, grant: Grant, opportunity_id: str, body: UpdateBody) -> Doc:
        with self._store.transaction() as tx:
            doc = self._owned(tx, grant, opportunity_id, "opportunities.write")
            return self._write(tx, doc, body.model_dump(exclude_unset=True), body.customFields)

    def set_status(self, grant: Grant, opportunity_id: str, body: StatusBody) -> None:
        with self._store.transaction() as tx:
            doc = self._owned(tx, grant, opportunity_id, "opportunities.write")
            sent: Doc = {"status": body.status}
            if body.lostReasonId is not None:
                sent["lostReasonId"] = body.lostReasonId
            self._write(tx, doc, sent, None)

    def search(self, grant: Grant, location_id: str, filters: dict[str, str | None]) -> list[Doc]:
        grant.require("opportunities.readonly", location_id)
        found = [o for _, o in self._store.scan("opportunities") if o["locationId"] == location_id]
        for name, value in filters.items():
            if value is not None and not (name == "status" and value == "all"):
                found = [o for o in found if o.get(name) == value]
        return list(reversed(found))

    def contact_of(self, doc: Doc) -> Doc | None:
        return self._store.get("contacts", doc["contactId"])

    # -- internals --------------------------------------------------------------------------

    def _owned(self, tx: Tx, grant: Grant, opportunity_id: str, scope: str) -> Doc:
        grant.require(scope)
        doc = tx.get("opportunities", opportunity_id)
        if doc is None:
            raise not_found(f"Opportunity with id {opportunity_id} not found")
        grant.require(scope, doc["locationId"])
        return doc

    def _write(self, tx: Tx, doc: Doc, sent: Doc, inputs: list[CustomFieldInput] | None) -> Doc:
        now = iso(self._clock())
        if sent.get("status") == "all":
            raise unprocessable(f"status must be one of the following values: {_WRITABLE}")
        pipeline_id = sent.get("pipelineId") or doc.get("pipelineId")
        pipeline = self._directory.pipeline(doc["locationId"], str(pipeline_id))
        if pipeline is None:
            raise bad_request(f"Pipeline with id {pipeline_id} not found")
        stages = [s["id"] for s in pipeline["stages"]]
        stage = sent.get("pipelineStageId") or (
            doc["pipelineStageId"] if doc.get("pipelineId") == pipeline_id else stages[0]
        )
        if stage not in stages:
            raise bad_request(
                f"Pipeline stage {stage} does not belong to pipeline {pipeline['name']} "
                f"({pipeline_id})"
            )
        if stage != doc.get("pipelineStageId") and "pipelineStageId" in doc:
            doc["lastStageChangeAt"] = now
        if sent.get("status") and sent["status"] != doc.get("status") and "status" in doc:
            doc["lastStatusChangeAt"] = now
        doc.update(pipelineId=pipeline_id, pipelineStageId=stage)
        for name in ("name", "status", "monetaryValue", "lostReasonId"):
            if sent.get(name) is not None:
                doc[name] = sent[name]
        if "assignedTo" in sent:
            self._assign(doc, sent["assignedTo"])
        if inputs is not None:
            doc["customFields"] = self._fields.apply(
                tx, doc["locationId"], "opportunity", doc["customFields"], inputs
            )
        doc["updatedAt"] = now
        tx.put("opportunities", doc["id"], doc)
        return doc

    def _assign(self, doc: Doc, user_id: str | None) -> None:
        if user_id is None:
            doc.pop("assignedTo", None)
            return
        user = self._directory.user(user_id)
        if user is None or doc["locationId"] not in user["locationIds"]:
            raise bad_request(f"assignedTo: no user {user_id} in this location")
        doc["assignedTo"] = user_id


def opportunity_wire(doc: Doc, contact: Doc | None) -> Doc:
    """`SearchOpportunitiesResponseSchema` (unset fields left out)."""
    keys = (
        "id",
        "name",
        "monetaryValue",
        "pipelineId",
        "pipelineStageId",
        "assignedTo",
        "status",
        "source",
        "lastStatusChangeAt",
        "lastStageChangeAt",
        "createdAt",
        "updatedAt",
        "contactId",
        "locationId",
        "lostReasonId",
    )
    wire: Doc = {k: doc[k] for k in keys if doc.get(k) is not None}
    wire["customFields"] = [{"id": k, "fieldValue": v} for k, v in doc["customFields"].items()]
    if contact is not None:
        name = " ".join(p for p in (contact.get("firstName"), contact.get("lastName")) if p)
        embedded: Doc = {"id": contact["id"], "tags": list(contact["tags"])}
        for key, value in (("name", name), *((k, contact.get(k)) for k in ("email", "phone"))):
            if value:
                embedded[key] = value
        wire["contact"] = embedded
    return wire


def opportunities_router(opportunities: Opportunities) -> APIRouter:
    router = APIRouter(prefix="/opportunities")

    def wire(doc: Doc) -> Doc:
        return opportunity_wire(doc, opportunities.contact_of(doc))

    @router.get("/search")
    def search(
        request: Request,
        location_id: str,
        contact_id: str | None = None,
        pipeline_id: str | None = None,
        pipeline_stage_id: str | None = None,
        status: Status | None = None,
        assigned_to: str | None = None,
        id: str | None = None,
        order: str | None = None,
        page: Annotated[int, Query(ge=1)] = 1,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> JSONResponse:
        filters = {
            "contactId": contact_id,
            "pipelineId": pipeline_id,
            "pipelineStageId": pipeline_stage_id,
            "status": status,
            "assignedTo": assigned_to,
            "id": id,
        }
        found = opportunities.search(grant_of(request), location_id, filters)
        if order == "added_asc":
            found.reverse()
        chunk = found[(page - 1) * limit : page * limit]
        meta: dict[str, Any] = {"total": len(found), "currentPage": page}
        if page * limit < len(found):
            meta["nextPage"] = page + 1
        if page > 1:
            meta["prevPage"] = page - 1
        body = {"opportunities": [wire(o) for o in chunk], "meta": meta, "aggregations": {}}
        return JSONResponse(with_trace(body))

    @router.post("/", status_code=201)
    def create(body: CreateBody, request: Request) -> JSONResponse:
        doc = opportunities.create(grant_of(request), body)
        return JSONResponse(with_trace({"opportunity": wire(doc)}), status_code=201)

    @router.get("/{opportunity_id}")
    def get(opportunity_id: str, request: Request) -> JSONResponse:
        doc = opportunities.get(grant_of(request), opportunity_id)
        return JSONResponse(with_trace({"opportunity": wire(doc)}))

    @router.put("/{opportunity_id}")
    def update(opportunity_id: str, body: UpdateBody, request: Request) -> JSONResponse:
        doc = opportunities.update(grant_of(request), opportunity_id, body)
        return JSONResponse(with_trace({"opportunity": wire(doc)}))

    @router.put("/{opportunity_id}/status")
    def set_status(opportunity_id: str, body: StatusBody, request: Request) -> JSONResponse:
        opportunities.set_status(grant_of(request), opportunity_id, body)
        return JSONResponse(with_trace({"succeded": True}))

    return router
