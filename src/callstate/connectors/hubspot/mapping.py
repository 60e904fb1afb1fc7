"""Domain ⇄ HubSpot properties. Pure."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from callstate.connectors.ports import ContactSnapshot, ObjectRef
from callstate.domain.call import Direction, Disposition
from callstate.domain.effects import LogCall, UpsertContact
from callstate.domain.fields import FieldValue, SalesField

# Default call outcomes every portal has (hs_call_disposition takes the outcome's GUID; portals
# may add their own). research/crm.md §1.8.
DISPOSITION_GUID = {
    Disposition.CONNECTED: "f240bbac-87c9-4f6e-bf70-924b57d47db7",
    Disposition.VOICEMAIL: "b2cf5968-551e-4856-9783-52b3da59a7d0",
    Disposition.NO_ANSWER: "73a0d17f-1163-4015-bdd5-ec830791da20",
    Disposition.BUSY: "9d9162e7-6cf3-4944-bf63-4dff82258764",
}
CALL_STATUS = {
    Disposition.CONNECTED: "COMPLETED",
    Disposition.VOICEMAIL: "COMPLETED",
    Disposition.NO_ANSWER: "NO_ANSWER",
    Disposition.BUSY: "BUSY",
    Disposition.FAILED: "FAILED",
}
# The default deal pipeline's closed stages (research/crm.md §1.6); other pipelines mark theirs
# with `metadata.isClosed`.
CLOSED_STAGES = frozenset({"closedwon", "closedlost"})
OUTCOME_FIELD = SalesField.LAST_CALL_OUTCOME.value
MAX_BODY = 65_000  # HubSpot does not document hs_call_body's limit; stay well inside a text field


def contact_properties(effect: UpsertContact, key_property: str) -> dict[str, str]:
    properties = {key_property: effect.phone, "phone": effect.phone}
    if effect.name:
        first, _, last = effect.name.strip().partition(" ")
        properties["firstname"] = first
        if last:
            properties["lastname"] = last
    if effect.email:
        properties["email"] = effect.email
    return properties


def wire_value(value: FieldValue) -> str:
    """HubSpot property values are strings: booleans `true`/`false`, datetimes ISO 8601 in UTC,
    multiple checkboxes `;`-joined (HubSpot properties guide)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, tuple):
        return ";".join(value)
    return str(value)


def field_properties(values: dict[str, FieldValue], prefix: str) -> dict[str, str]:
    return {prefix + name: wire_value(value) for name, value in sorted(values.items())}


def call_body(effect: LogCall) -> str:
    """Outcome and summary first, then the transcript, as HTML HubSpot renders on the timeline."""
    parts = []
    if effect.outcome:
        tags = f" · tags: {', '.join(effect.tags)}" if effect.tags else ""
        parts.append(
            f"<p><b>Outcome:</b> {html.escape(effect.outcome.label)}{html.escape(tags)}</p>"
        )
    if effect.summary:
        parts.append(f"<p>{html.escape(effect.summary)}</p>")
    if effect.transcript:
        parts.append(f"<h4>Transcript</h4><pre>{html.escape(effect.transcript)}</pre>")
    body = "".join(parts) or "<p>No summary.</p>"
    return body if len(body) <= MAX_BODY else body[: MAX_BODY - 20] + "…</pre>"


def call_properties(effect: LogCall, key_property: str) -> dict[str, str]:
    properties = {
        key_property: effect.key,
        "hs_timestamp": effect.occurred_at.isoformat().replace("+00:00", "Z"),
        "hs_call_title": effect.title,
        "hs_call_body": call_body(effect),
        "hs_call_direction": "INBOUND" if effect.direction is Direction.INBOUND else "OUTBOUND",
        "hs_call_status": CALL_STATUS[effect.disposition],
    }
    if effect.disposition in DISPOSITION_GUID:
        properties["hs_call_disposition"] = DISPOSITION_GUID[effect.disposition]
    if effect.duration_ms is not None:
        properties["hs_call_duration"] = str(effect.duration_ms)
    # HubSpot plays back only HTTPS recordings (research/crm.md §1.8).
    if effect.recording_url and effect.recording_url.startswith("https://"):
        properties["hs_call_recording_url"] = effect.recording_url
    if effect.from_number:
        properties["hs_call_from_number"] = effect.from_number
    if effect.to_number:
        properties["hs_call_to_number"] = effect.to_number
    return properties


def snapshot_properties(prefix: str, tags_property: str) -> list[str]:
    """The contact properties `find_contact` reads."""
    return [
        "firstname",
        "lastname",
        "email",
        "hubspot_owner_id",
        prefix + OUTCOME_FIELD,
        tags_property,
    ]


def snapshot(
    contact: ObjectRef,
    properties: dict[str, str | None],
    *,
    prefix: str,
    tags_property: str,
    owner_email: str | None,
    deal: ObjectRef | None,
    deal_stage: str | None,
) -> ContactSnapshot:
    """The caller as read from the contact's properties; empty values are missing ones."""
    name = " ".join(
        p.strip() for p in (properties.get(n) for n in ("firstname", "lastname")) if p and p.strip()
    )
    tags = tuple(t for t in (properties.get(tags_property) or "").split(";") if t)
    return ContactSnapshot(
        contact=contact,
        name=name or None,
        email=properties.get("email") or None,
        owner_email=owner_email,
        last_outcome=properties.get(prefix + OUTCOME_FIELD) or None,
        tags=tags,
        deal=deal,
        deal_stage=deal_stage if deal is not None else None,
    )
