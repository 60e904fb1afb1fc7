"""The contact field values a call fills: analysis extractions plus our own classification."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from callstate.config.model import Audience, SalesMotion
from callstate.domain.fields import CATALOGUE, FieldSpec, FieldType, FieldValue, SalesField
from callstate.domain.outcome import Outcome
from callstate.policy.icp import IcpFit
from callstate.policy.outcome import flag

_CONSENT = {"granted": "granted", "yes": "granted", "true": "granted", "declined": "declined",
            "no": "declined", "false": "declined"}  # fmt: skip


def parse_time(value: Any, zone: ZoneInfo) -> datetime | None:
    """ISO 8601 from the agent; a time without an offset is the workspace's local time."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def coerce(
    kind: FieldType, options: tuple[str, ...], value: Any, zone: ZoneInfo
) -> FieldValue | None:
    """An extracted value in the field's type, or None when it does not fit (never a guess)."""
    if value is None or value == "":
        return None
    match kind:
        case FieldType.TEXT | FieldType.LONG_TEXT:
            return value if isinstance(value, str) else str(value)
        case FieldType.NUMBER:
            if isinstance(value, bool):
                return None
            if isinstance(value, int | float):
                return value
            try:
                return float(str(value).replace(",", ""))
            except ValueError:
                return None
        case FieldType.BOOL:
            return flag(value)
        case FieldType.DATETIME:
            return parse_time(value, zone)
        case FieldType.ENUM:
            text = str(value).strip()
            return next((o for o in options if o.casefold() == text.casefold()), None)
        case FieldType.MULTI:
            items = value if isinstance(value, list | tuple) else str(value).split(";")
            chosen = {str(i).strip().casefold() for i in items}
            picked = tuple(o for o in options if o.casefold() in chosen)
            return picked or None


def field_values(
    motion: SalesMotion,
    custom: Mapping[str, Any],
    outcome: Outcome,
    fit: IcpFit,
    call_at: datetime,
    zone: ZoneInfo,
) -> dict[str, FieldValue]:
    wanted = set(motion.fields if motion.fields is not None else CATALOGUE)
    ours: dict[str, FieldValue | None] = {
        SalesField.ICP_SCORE: fit.score,
        SalesField.ICP_REASONS: "\n".join(fit.reasons) or None,
        SalesField.LAST_CALL_OUTCOME: outcome.value,
        SalesField.LAST_CALL_AT: call_at,
    }
    values: dict[str, FieldValue] = {}
    for name in sorted(wanted):
        spec = CATALOGUE[name]
        if name in ours:
            value = ours[name]
        elif name == SalesField.CONSENT:
            raw = custom.get(motion.sources.get(name, name))
            value = (
                _CONSENT.get(str(raw).strip().casefold(), "unknown") if raw is not None else None
            )
        elif name == SalesField.DO_NOT_CALL:
            stated = flag(custom.get(motion.sources.get(name, name)))
            value = True if outcome is Outcome.DO_NOT_CALL else stated
        else:
            value = coerce(
                spec.type, spec.options, custom.get(motion.sources.get(name, name)), zone
            )
        if value is not None:
            values[name] = value
    for field in motion.custom_fields:
        value = coerce(field.type, field.options, custom.get(field.source or field.name), zone)
        if value is not None:
            values[field.name] = value
    return values


def written_fields(audiences: Iterable[Audience]) -> dict[str, FieldSpec]:
    """Every contact field the audiences write, by name (catalogue, then their own fields):
    what `crm plan` asks the CRM for."""
    fields: dict[str, FieldSpec] = {}
    for audience in audiences:
        motion = audience.crm
        for name in motion.fields if motion.fields is not None else CATALOGUE:
            fields[name] = CATALOGUE[name]
        for custom in motion.custom_fields:
            fields[custom.name] = FieldSpec(
                name=custom.name, label=custom.label, type=custom.type, options=custom.options
            )
    return dict(sorted(fields.items()))
