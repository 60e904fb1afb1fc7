"""Contact endpoints (contacts.json): upsert, get, update, duplicate search, tags, notes,
workflow enrolment. Status codes as documented: upsert 200, tag add 201, tag removal 200, note
create 201, workflow add/remove 200 `{succeded: true}` (sic)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from callstate.sandbox.gohighlevel.activity import Activity, NoteBody, WorkflowBody
from callstate.sandbox.gohighlevel.contacts import Contacts, ContactWrite, UpsertBody, contact_wire
from callstate.sandbox.gohighlevel.errors import with_trace
from callstate.sandbox.gohighlevel.gate import grant_of


class TagsBody(BaseModel):
    """`TagsDTO`."""

    model_config = ConfigDict(extra="forbid")
    tags: list[str]


def contacts_router(contacts: Contacts, activity: Activity) -> APIRouter:
    router = APIRouter(prefix="/contacts")

    @router.post("/upsert")
    def upsert(body: UpsertBody, request: Request) -> JSONResponse:
        doc, new = contacts.upsert(grant_of(request), body)
        return JSONResponse(with_trace({"new": new, "contact": contact_wire(doc)}))

    @router.get("/search/duplicate")
    def duplicate(
        request: Request,
        location_id: Annotated[str, Query(alias="locationId")],
        number: str | None = None,
        email: str | None = None,
    ) -> JSONResponse:
        found = contacts.duplicate(grant_of(request), location_id, number, email)
        # The document gives this 200 no schema; `{contact: <contact> | null}` is what the
        # operation's description implies (unverified).
        return JSONResponse(with_trace({"contact": None if found is None else contact_wire(found)}))

    @router.get("/{contact_id}")
    def get_contact(contact_id: str, request: Request) -> JSONResponse:
        doc = contacts.get(grant_of(request), contact_id)
        return JSONResponse(with_trace({"contact": contact_wire(doc)}))

    @router.put("/{contact_id}")
    def update_contact(contact_id: str, body: ContactWrite, request: Request) -> JSONResponse:
        doc = contacts.update(grant_of(request), contact_id, body)
        return JSONResponse(with_trace({"succeded": True, "contact": contact_wire(doc)}))

    @router.post("/{contact_id}/tags", status_code=201)
    def add_tags(contact_id: str, body: TagsBody, request: Request) -> JSONResponse:
        doc = contacts.change_tags(grant_of(request), contact_id, body.tags, add=True)
        return JSONResponse(with_trace({"tags": doc["tags"]}), status_code=201)

    @router.delete("/{contact_id}/tags")
    def remove_tags(contact_id: str, body: TagsBody, request: Request) -> JSONResponse:
        doc = contacts.change_tags(grant_of(request), contact_id, body.tags, add=False)
        return JSONResponse(with_trace({"tags": doc["tags"]}))

    @router.post("/{contact_id}/notes", status_code=201)
    def add_note(contact_id: str, body: NoteBody, request: Request) -> JSONResponse:
        note = activity.add_note(grant_of(request), contact_id, body)
        return JSONResponse(with_trace({"note": note}), status_code=201)

    @router.get("/{contact_id}/notes")
    def list_notes(contact_id: str, request: Request) -> JSONResponse:
        return JSONResponse(with_trace({"notes": activity.notes(grant_of(request), contact_id)}))

    @router.get("/{contact_id}/notes/{note_id}")
    def get_note(contact_id: str, note_id: str, request: Request) -> JSONResponse:
        note = activity.note(grant_of(request), contact_id, note_id)
        return JSONResponse(with_trace({"note": note}))

    @router.post("/{contact_id}/workflow/{workflow_id}")
    def enrol(
        contact_id: str, workflow_id: str, body: WorkflowBody, request: Request
    ) -> JSONResponse:
        activity.enrol(grant_of(request), contact_id, workflow_id, body)
        return JSONResponse(with_trace({"succeded": True}))

    @router.delete("/{contact_id}/workflow/{workflow_id}")
    def unenrol(contact_id: str, workflow_id: str, request: Request) -> JSONResponse:
        activity.unenrol(grant_of(request), contact_id, workflow_id)
        return JSONResponse(with_trace({"succeded": True}))

    return router
