"""Sequences (`/automation/v4/sequences`, `/automation/sequences/2026-09`): list, read, enrol.

Shapes from automation-sequences-v4.json and its 2026-09 twin. Behaviour from HubSpot's
sequences guide (developers.hubspot.com/docs/api/automation/sequences) and knowledge base
("contact can't be enrolled in this sequence"):
- the API needs a Sales Hub / Service Hub Professional or Enterprise seat. With
  `sequences_enabled=False` (a Starter portal) every endpoint answers 403; the real status and
  body for a tier without sequences are not documented, so the body is the MISSING_SCOPES shape
  HubSpot uses for refused scopes, with a message that names the tier;
- `userId` must be a user of the portal (an active owner's `userId`), and `senderEmail` that
  user's address (the connected inbox); else 400;
- a contact is enrolled in one sequence at a time (KB: ALREADY_ENROLLED); enrolling it again
  is a 400 here — the exact status and body are unverified (research/crm.md §7);
- sequences email the contact, so a contact without `email` cannot be enrolled (400);
- `GET .../enrollments/contact/{id}` answers the current enrolment, or 404 when there is none
  (the document only models the 200).
Sequences and enrolments live in the store (`sequences`, `enrollments` keyed by contact id).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from callstate.sandbox.hubspot import owners
from callstate.sandbox.hubspot.errors import HubSpotError, not_found, validation
from callstate.sandbox.hubspot.records import Records
from callstate.sandbox.hubspot.schema import CONTACTS
from callstate.sandbox.hubspot.timestamps import now_iso
from callstate.sandbox.store import Doc, Store, Tx

SEQUENCES_PREFIXES = ("/automation/v4/sequences", "/automation/sequences/2026-09")
FIRST_ENROLLMENT_ID = 5_000_001
_DAY_MS = 86_400_000
UserId = Annotated[str, Query(alias="userId")]

# Two sequences of the portal's first users, so enrolment works out of the box.
_DEFAULT_SEQUENCES = (("610001", "Missed call follow-up"), ("610002", "Demo no-show"))


class SequenceSeed(BaseModel):
    model_config = ConfigDict(
        extra="forbid", alias_generator=to_camel, populate_by_name=True, coerce_numbers_to_str=True
    )
    id: str
    name: str
    user_id: str
    folder_id: str | None = None


class EnrollmentRequest(BaseModel):
    """`PublicSequenceEnrollmentRequest`."""

    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)
    contact_id: str
    sequence_id: str
    sender_email: str
    sender_alias_address: str | None = None


def default_sequences(owner_seeds: Sequence[owners.OwnerSeed]) -> list[dict[str, str]]:
    users = [str(o.user_id) for o in owner_seeds if o.user_id is not None and not o.archived]
    if not users:
        return []
    return [
        {"id": sequence_id, "name": name, "userId": users[i % len(users)]}
        for i, (sequence_id, name) in enumerate(_DEFAULT_SEQUENCES)
    ]


def parse_seeds(seeds: Sequence[Mapping[str, Any]]) -> list[SequenceSeed]:
    return [SequenceSeed.model_validate(s) for s in seeds]


def seed(tx: Tx, sequences: Sequence[SequenceSeed], now: float) -> None:
    """Install the seeded sequences: an email, then a call task a day later."""
    stamp = now_iso(now)
    for s in sequences:
        common = {"createdAt": stamp, "updatedAt": stamp}
        doc: Doc = {
            "id": s.id,
            "name": s.name,
            "userId": s.user_id,
            **common,
            "steps": [
                {
                    "id": f"{s.id}1",
                    "stepOrder": 0,
                    "actionType": "EMAIL",
                    "delayMillis": 0,
                    "emailPattern": {"id": f"{s.id}11", "templateId": f"{s.id}111", **common},
                    **common,
                },
                {
                    "id": f"{s.id}2",
                    "stepOrder": 1,
                    "actionType": "TASK",
                    "delayMillis": _DAY_MS,
                    "taskPattern": {
                        "id": f"{s.id}21",
                        "taskPriority": "MEDIUM",
                        "taskType": "CALL",
                        "subject": f"Call back: {s.name}",
                        **common,
                    },
                    **common,
                },
            ],
            "dependencies": [],
            "settings": {
                "id": f"{s.id}9",
                "eligibleFollowUpDays": "BUSINESS_DAYS",
                "individualTaskRemindersEnabled": False,
                "sellingStrategy": "LEAD_BASED",
                "sendWindowStartMinute": 480,
                "sendWindowEndMinute": 1080,
                "taskReminderMinute": 480,
                **common,
            },
        }
        if s.folder_id is not None:
            doc["folderId"] = s.folder_id
        tx.put("sequences", s.id, doc)


def _lite(doc: Doc) -> Doc:
    keys = ("id", "name", "userId", "folderId", "createdAt", "updatedAt")
    return {k: doc[k] for k in keys if k in doc}


def _tier_refusal() -> HubSpotError:
    return HubSpotError(
        403,
        "MISSING_SCOPES",
        "This portal's subscription tier does not include sequences: enrolling contacts "
        "needs a Sales Hub or Service Hub Professional or Enterprise seat.",
        errors=[
            {
                "message": "Sequences are not available on this portal's tier.",
                "context": {
                    "requiredScopes": [
                        "automation.sequences.read",
                        "automation.sequences.enrollments.write",
                    ]
                },
            }
        ],
    )


def sequences_router(
    store: Store, records: Records, *, enabled: bool, clock: Callable[[], float]
) -> APIRouter:
    router = APIRouter()

    def user(tx: Tx, user_id: str) -> Doc:
        if not enabled:
            raise _tier_refusal()
        owner = owners.by_user_id(tx, user_id)
        if owner is None:
            raise validation(f"userId {user_id} is not an active user of this portal")
        return owner

    @router.get("")
    def list_sequences(
        user_id: UserId, after: str | None = None, limit: int = 100, name: str | None = None
    ) -> JSONResponse:
        with store.transaction() as tx:
            user(tx, user_id)
            rows = [_lite(doc) for _, doc in tx.scan("sequences")]
        if name:
            rows = [r for r in rows if name.casefold() in r["name"].casefold()]
        start = int(after) if after and after.isdigit() else 0
        payload: Doc = {"total": len(rows), "results": rows[start : start + limit]}
        if start + limit < len(rows):
            payload["paging"] = {"next": {"after": str(start + limit)}}
        return JSONResponse(payload)

    @router.post("/enrollments")
    def enroll(user_id: UserId, body: EnrollmentRequest) -> JSONResponse:
        with store.transaction() as tx:
            sender = user(tx, user_id)
            if body.sender_email.casefold() != str(sender.get("email", "")).casefold():
                raise validation(
                    f"senderEmail {body.sender_email} is not the connected inbox of user {user_id}"
                )
            sequence = tx.get("sequences", body.sequence_id)
            if sequence is None:
                raise validation(f"Sequence {body.sequence_id} does not exist")
            try:
                contact = records.get(CONTACTS, body.contact_id)
            except HubSpotError as exc:
                raise validation(f"Contact {body.contact_id} does not exist") from exc
            to_email = contact["properties"].get("email")
            if not to_email:
                raise validation(f"Contact {body.contact_id} has no email address to send to")
            current = tx.get("enrollments", body.contact_id)
            if current is not None:
                raise validation(
                    f"Contact {body.contact_id} is already enrolled in sequence "
                    f"{current['sequenceId']}; contacts can only be enrolled in one sequence "
                    "at a time",
                    errors=[
                        {
                            "message": "The contact is already enrolled in a sequence.",
                            "code": "ALREADY_ENROLLED",
                        }
                    ],
                )
            stamp = now_iso(clock())
            enrollment: Doc = {
                "id": str(tx.next_value("enrollment_id", start=FIRST_ENROLLMENT_ID)),
                "sequenceId": sequence["id"],
                "sequenceName": sequence["name"],
                "toEmail": to_email,
                "enrolledBy": user_id,
                "enrolledByEmail": sender["email"],
                "enrolledAt": stamp,
                "updatedAt": stamp,
            }
            tx.put("enrollments", body.contact_id, enrollment)
        keys = ("id", "toEmail", "enrolledAt", "updatedAt")
        return JSONResponse({k: enrollment[k] for k in keys})

    @router.get("/enrollments/contact/{contact_id}")
    def enrollment_of(contact_id: str) -> JSONResponse:
        if not enabled:
            raise _tier_refusal()
        with store.transaction() as tx:
            current = tx.get("enrollments", contact_id)
        if current is None:
            raise not_found(f"Contact {contact_id} is not enrolled in a sequence")
        return JSONResponse(current)

    @router.get("/{sequence_id}")
    def get_sequence(sequence_id: str, user_id: UserId) -> JSONResponse:
        with store.transaction() as tx:
            user(tx, user_id)
            sequence = tx.get("sequences", sequence_id)
        if sequence is None:
            raise not_found(f"Sequence {sequence_id} does not exist")
        return JSONResponse(sequence)

    return router
