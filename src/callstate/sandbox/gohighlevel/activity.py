"""A contact's notes and workflow enrolments.

Store layout: `notes:<contactId>` (note id → `GetNoteSchema`-shaped document) and
`enrolments:<contactId>` (one document per `POST /contacts/{id}/workflow/{workflowId}`, in
order). GoHighLevel has no API to read workflow membership (research/crm.md §2.8), so the
enrolments are only visible to tests through the store (`Activity.enrolments`); re-adding a
contact is recorded again, because whether a real workflow re-enters it depends on the
workflow's own setting (§7).
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from callstate.sandbox.gohighlevel.contacts import Contacts
from callstate.sandbox.gohighlevel.directory import Directory
from callstate.sandbox.gohighlevel.errors import bad_request, not_found, unprocessable
from callstate.sandbox.gohighlevel.gate import Grant
from callstate.sandbox.gohighlevel.seeds import ghl_id
from callstate.sandbox.gohighlevel.timestamps import iso
from callstate.sandbox.store import Doc, Store


class NoteBody(BaseModel):
    """`NotesDTO` (contacts.json)."""

    model_config = ConfigDict(extra="forbid")

    userId: str | None = None  # noqa: N815 - GoHighLevel's field name
    body: str
    title: str | None = None
    color: str | None = None
    pinned: bool | None = None


class WorkflowBody(BaseModel):
    """`CreateWorkflowDto` (contacts.json)."""

    model_config = ConfigDict(extra="forbid")

    eventStartTime: str | None = None  # noqa: N815


class Activity:
    def __init__(
        self, store: Store, contacts: Contacts, directory: Directory, clock: Callable[[], float]
    ) -> None:
        self._store = store
        self._contacts = contacts
        self._directory = directory
        self._clock = clock

    def add_note(self, grant: Grant, contact_id: str, body: NoteBody) -> Doc:
        with self._store.transaction() as tx:
            self._contacts.owned(tx, grant, contact_id, "contacts.write")
            if not body.body.strip():
                raise unprocessable("body should not be empty")
            note_id = ghl_id("note", tx.next_value("note_id"))
            note: Doc = {
                "id": note_id,
                "body": body.body,
                "dateAdded": iso(self._clock()),
                "contactId": contact_id,
            }
            extras = body.model_dump(exclude_none=True, exclude={"body"})
            tx.put(f"notes:{contact_id}", note_id, {**note, **extras})
            return {**note, **extras}

    def notes(self, grant: Grant, contact_id: str) -> list[Doc]:
        """Newest first, as the contact's notes panel lists them (order unverified)."""
        with self._store.transaction() as tx:
            self._contacts.owned(tx, grant, contact_id, "contacts.readonly")
            return [doc for _, doc in reversed(tx.scan(f"notes:{contact_id}"))]

    def note(self, grant: Grant, contact_id: str, note_id: str) -> Doc:
        with self._store.transaction() as tx:
            self._contacts.owned(tx, grant, contact_id, "contacts.readonly")
            found = tx.get(f"notes:{contact_id}", note_id)
        if found is None:
            raise not_found(f"Note with id {note_id} not found")
        return found

    def enrol(self, grant: Grant, contact_id: str, workflow_id: str, body: WorkflowBody) -> None:
        with self._store.transaction() as tx:
            contact = self._contacts.owned(tx, grant, contact_id, "contacts.write")
            if self._directory.workflow(contact["locationId"], workflow_id) is None:
                raise bad_request(f"Workflow with id {workflow_id} not found")
            seq = tx.next_value("enrolment_seq")
            tx.put(
                f"enrolments:{contact_id}",
                f"{seq:012d}",
                {
                    "workflowId": workflow_id,
                    "eventStartTime": body.eventStartTime,
                    "at": iso(self._clock()),
                },
            )

    def unenrol(self, grant: Grant, contact_id: str, workflow_id: str) -> None:
        with self._store.transaction() as tx:
            self._contacts.owned(tx, grant, contact_id, "contacts.write")
            for key, doc in tx.scan(f"enrolments:{contact_id}"):
                if doc["workflowId"] == workflow_id:
                    tx.delete(f"enrolments:{contact_id}", key)

    def enrolments(self, contact_id: str) -> list[Doc]:
        return [doc for _, doc in self._store.scan(f"enrolments:{contact_id}")]
