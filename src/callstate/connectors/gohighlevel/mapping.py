"""Domain ⇄ GoHighLevel wire values. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from callstate.connectors.gohighlevel import api
from callstate.connectors.ports import ContactSnapshot, ObjectRef
from callstate.domain.effects import LogCall, UpsertContact
from callstate.domain.fields import FieldValue, SalesField
from callstate.domain.values import mask_phone

FIELD_PREFIX = "callstate_"
OUTCOME_FIELD = SalesField.LAST_CALL_OUTCOME.value
# GoHighLevel documents no note length limit (research/crm.md §7). A note is read in the
# contact's side panel, so we keep it short enough to read and far below any plausible limit;
# only the transcript is cut (the recording holds the whole call), never the marker at the top.
MAX_NOTE = 30_000
_TEXT = {"TEXT", "LARGE_TEXT", "PHONE", "EMAIL"}
_NUMBER = {"NUMERICAL", "MONETORY"}
_ONE_OF = {"SINGLE_OPTIONS", "RADIO"}
_MANY_OF = {"MULTIPLE_OPTIONS", "CHECKBOX"}
_YES, _NO = ("yes", "true", "1"), ("no", "false", "0")
_NOTICE_ROOM = 200  # the truncation notice


class FieldValueError(ValueError):
    """A value the field's GoHighLevel data type cannot hold."""


def contact_body(effect: UpsertContact, location_id: str) -> dict[str, Any]:
    """`UpsertContactDto`. Never `createNewIfDuplicateAllowed`: on a location that allows
    duplicates it creates a contact without looking (research/crm.md §2.3). No `tags`: they
    would replace the contact's tags."""
    body: dict[str, Any] = {"locationId": location_id, "phone": effect.phone}
    if effect.email:
        body["email"] = effect.email
    if effect.name and effect.name.strip():
        first, _, last = effect.name.strip().partition(" ")
        body["firstName"] = first
        if last.strip():
            body["lastName"] = last.strip()
    return body


def dropped_identifiers(effect: UpsertContact, contact: api.Contact) -> list[str]:
    """What GoHighLevel's "first field wins" left off without an error (crm.md §2.3)."""
    notes = []
    if effect.email and (contact.email or "").casefold() != effect.email.casefold():
        notes.append(f"email {effect.email} belongs to another contact and was not written")
    if contact.phone != effect.phone:  # absent or another number: the phone was not written
        notes.append(
            f"matched by email; phone {mask_phone(effect.phone)} belongs to another contact"
        )
    return notes


def our_field_name(field: api.CustomField) -> str | None:
    """`intent` for a field keyed `contact.callstate_intent` (or named `callstate_intent`)."""
    key = field.fieldKey.split(".", 1)[-1]
    for candidate in (key, field.name.strip()):
        if candidate.startswith(FIELD_PREFIX):
            return candidate[len(FIELD_PREFIX) :]
    return None


def field_value(field: api.CustomField, value: FieldValue) -> Any:
    """The `field_value` for the field's data type (vocabulary: custom-fields.json)."""
    kind = field.dataType
    if kind in _TEXT:
        return _text(value)
    if kind in _NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise FieldValueError(f"{_text(value)!r} is not a number ({kind} field)")
        try:
            return float(value) if isinstance(value, str) else value
        except ValueError:
            raise FieldValueError(f"{value!r} is not a number ({kind} field)") from None
    if kind in _ONE_OF:
        if isinstance(value, tuple):
            if len(value) != 1:
                raise FieldValueError(f"{kind} field takes one value, got {list(value)}")
            value = value[0]
        return _option(field, value)
    if kind in _MANY_OF:
        if isinstance(value, bool) and kind == "CHECKBOX":
            # A one-box checkbox used as yes/no: ticked or empty.
            return [_option(field, True)] if value else []
        items = value if isinstance(value, tuple) else (value,)
        return [_option(field, v) for v in items]
    if kind == "DATE":
        if isinstance(value, datetime):
            return _iso(value)
        if isinstance(value, str):
            return value
        raise FieldValueError(f"{value!r} is not a date (DATE field)")
    raise FieldValueError(f"callstate does not write {kind} fields")


def _text(value: FieldValue) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


def _iso(value: datetime) -> str:
    # Which date forms a DATE field accepts is unverified (crm.md §7); ISO 8601 UTC keeps time.
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _option(field: api.CustomField, value: FieldValue) -> str:
    """The option label GoHighLevel holds, matched case-insensitively (yes/true for True)."""
    options = field.picklistOptions
    if isinstance(value, bool):
        wanted = _YES if value else _NO
        match = [o for o in options if o.casefold() in wanted]
        if len(options) == 1 and value:
            return options[0]
    else:
        match = [o for o in options if o.casefold() == _text(value).casefold()]
    if match:
        return match[0]
    if not options and not isinstance(value, bool):
        return _text(value)
    raise FieldValueError(f"{_text(value)!r} is not one of the options {options}")


def marker(key: str) -> str:
    """The effect key in a note body: what a recovering attempt looks for (crm.md §5.1)."""
    return f"[callstate:{key}]"


def note_body(effect: LogCall) -> str:
    """Plain text (notes are plain text in the contact panel): title, marker, the facts, the
    summary, then the transcript, cut from its end to keep the note under `MAX_NOTE`."""
    facts = [
        effect.outcome.label if effect.outcome else None,
        effect.disposition.value.replace("_", " "),
        effect.direction.value,
        _duration(effect.duration_ms),
    ]
    lines = [effect.title, marker(effect.key), " · ".join(f for f in facts if f)]
    if effect.from_number or effect.to_number:
        lines.append(f"From {effect.from_number or 'unknown'} to {effect.to_number or 'unknown'}")
    if effect.recording_url:
        lines.append(f"Recording: {effect.recording_url}")
    if effect.tags:
        lines.append(f"Tags: {', '.join(effect.tags)}")
    if effect.summary:
        lines += ["", "Summary", effect.summary]
    head = "\n".join(lines)
    if not effect.transcript:
        return head[:MAX_NOTE]
    heading = "\n\nTranscript\n"
    transcript = effect.transcript
    if len(head) + len(heading) + len(transcript) <= MAX_NOTE:
        return head + heading + transcript
    room = MAX_NOTE - len(head) - len(heading) - _NOTICE_ROOM
    if room <= 0:
        return head[:MAX_NOTE]
    notice = (
        f"\n… [transcript cut at {room:,} of {len(transcript):,} characters to keep the note "
        f"under {MAX_NOTE:,}; the recording has the whole call]"
    )
    return head + heading + transcript[:room] + notice


def _duration(ms: int | None) -> str | None:
    if ms is None:
        return None
    seconds = round(ms / 1000)
    return f"{seconds // 60}m {seconds % 60:02d}s"


def snapshot(
    contact: api.Contact,
    ref: ObjectRef,
    *,
    outcome_field_id: str | None,
    owner_email: str | None,
    deal: ObjectRef | None,
    deal_stage: str | None,
) -> ContactSnapshot:
    """The caller as GoHighLevel holds them; custom field values are read by field id."""
    parts = (p.strip() for p in (contact.firstName, contact.lastName) if p and p.strip())
    name = (contact.name or "").strip() or " ".join(parts)
    outcome = next((f.value for f in contact.customFields if f.id == outcome_field_id), None)
    return ContactSnapshot(
        contact=ref,
        name=name or None,
        email=contact.email or None,
        owner_email=owner_email,
        last_outcome=field_text(outcome),
        tags=tuple(contact.tags),
        deal=deal,
        deal_stage=deal_stage if deal is not None else None,
    )


def field_text(value: Any) -> str | None:
    """A custom field value read back as text: options come back as a list (one entry for a
    single option), empty values as missing."""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v not in (None, ""))
    if value is None or value == "":
        return None
    return str(value)
