"""Validation of the property values written to objects, the way HubSpot validates them.

A write is refused as a whole with 400 `Property values were not valid: [...]` (research/crm.md
§1.3, §3) listing every bad value with its code: PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE,
INVALID_OPTION (an enumeration value that is not an option's internal `value`, e.g. its label),
INVALID_OWNER_ID (an owner id the portal does not have, for properties that reference OWNER),
INVALID_INTEGER, INVALID_DATE, INVALID_BOOLEAN, INVALID_EMAIL.

Values are strings on the wire; dates come back as ISO 8601 whatever form was sent.
Multiple-checkbox values are `;`-joined and every part must be an option (HubSpot properties
guide: "for multiple checkboxes, separate values with a semicolon"); single-select values are
taken whole, so `a;b` is not a valid `select` value even when `a` and `b` are.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from callstate.sandbox.hubspot.errors import invalid_properties
from callstate.sandbox.hubspot.timestamps import now_iso, parse_timestamp
from callstate.sandbox.store import Doc

Problem = tuple[str, str]  # (error code, message)


def normalize_values(
    defs: Mapping[str, Doc], values: Mapping[str, object], *, owners: Collection[str]
) -> dict[str, str | None]:
    """Validate written values; `None` in the result clears the property ("" clears too).

    `owners` are the owner ids a property with `referencedObjectType: OWNER` accepts.
    """
    problems: list[tuple[str, str, str]] = []
    out: dict[str, str | None] = {}
    for name, raw in values.items():
        definition = defs.get(name)
        if definition is None:
            problems.append((name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
            continue
        if definition["modificationMetadata"].get("readOnlyValue"):
            problems.append(
                (
                    name,
                    "READ_ONLY_VALUE",
                    f'"{name}" is a read only property; its value cannot be set.',
                )
            )
            continue
        if raw is None or raw == "":
            out[name] = None
            continue
        text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
        value, problem = _check(definition, text, owners)
        if problem is not None:
            problems.append((name, *problem))
        else:
            out[name] = value
    if problems:
        raise invalid_properties(problems)
    return out


def _check(definition: Doc, text: str, owners: Collection[str]) -> tuple[str, Problem | None]:
    kind = definition["type"]
    if definition["name"] == "email":
        if "@" not in text:
            return text, ("INVALID_EMAIL", f"Email address {text} is invalid")
        return text.strip().lower(), None
    if kind == "number":
        try:
            float(text)
        except ValueError:
            return text, ("INVALID_INTEGER", f"{text} was not a valid number.")
        return text, None
    if kind in ("datetime", "date"):
        moment = parse_timestamp(text)
        if moment is None:
            return text, ("INVALID_DATE", f"{text} was not a valid date or epoch milliseconds.")
        if kind == "date":
            return moment.strftime("%Y-%m-%d"), None
        return now_iso(moment.timestamp()), None
    if kind == "bool" and text not in ("true", "false"):
        return text, ("INVALID_BOOLEAN", f"{text} was not a valid boolean (true or false).")
    if definition.get("referencedObjectType") == "OWNER":
        # `hubspot_owner_id` takes the owner `id` from the owners API (not the user id); an
        # unknown one is refused (community reports of `invalid_owner_id`, crm.md §1.7).
        if text not in owners:
            return text, ("INVALID_OWNER_ID", f"{text} is not a valid owner id")
        return text, None
    if kind == "enumeration" and definition["options"] and not definition.get("externalOptions"):
        return text, _check_options(definition, text)
    return text, None


def _check_options(definition: Doc, text: str) -> Problem | None:
    allowed = [o["value"] for o in definition["options"]]
    if definition.get("fieldType") == "checkbox":
        parts = [part for part in text.split(";") if part]
    else:
        parts = [text]
    for part in parts:
        if part not in allowed:
            return ("INVALID_OPTION", f"{part} was not one of the allowed options: {allowed}")
    return None
