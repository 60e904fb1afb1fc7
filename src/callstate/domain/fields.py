"""The sales-motion fields callstate writes on a CRM contact: names, types, allowed values.

Connectors map each field onto the vendor's custom property/field of the configured name; `crm
plan` derives the schema a workspace needs from this catalogue plus its audiences' own fields.
Values are plain Python (str, int, float, bool, aware datetime, tuple of str for multi-select);
connectors render them in the vendor's wire format.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from callstate.domain.outcome import Outcome

FieldValue = str | int | float | bool | datetime | tuple[str, ...]


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    BOOL = "bool"
    DATETIME = "datetime"
    ENUM = "enum"  # one of `options`
    MULTI = "multi"  # any subset of `options`


class FieldSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    label: str
    type: FieldType
    options: tuple[str, ...] = ()
    description: str = ""


class SalesField(StrEnum):
    """Fields from the analysis and our own classification, one contact property each."""

    INTENT = "intent"
    ICP_SCORE = "icp_score"
    ICP_REASONS = "icp_reasons"
    BUDGET = "budget"
    AUTHORITY = "authority"
    NEED = "need"
    TIMELINE = "timeline"
    COMPANY_SIZE = "company_size"
    LAST_CALL_OUTCOME = "last_call_outcome"
    LAST_CALL_AT = "last_call_at"
    NEXT_STEP = "next_step"
    CALLBACK_AT = "callback_at"
    CONSENT = "consent"
    DO_NOT_CALL = "do_not_call"


CONSENT_VALUES = ("granted", "declined", "unknown")

_SPECS = (
    FieldSpec(name="intent", label="Call intent", type=FieldType.TEXT),
    FieldSpec(
        name="icp_score",
        label="ICP fit score",
        type=FieldType.NUMBER,
        description="0-100, from the audience's ICP rules",
    ),
    FieldSpec(name="icp_reasons", label="ICP fit reasons", type=FieldType.LONG_TEXT),
    FieldSpec(name="budget", label="Budget", type=FieldType.TEXT),
    FieldSpec(name="authority", label="Authority", type=FieldType.TEXT),
    FieldSpec(name="need", label="Need", type=FieldType.LONG_TEXT),
    FieldSpec(name="timeline", label="Timeline", type=FieldType.TEXT),
    FieldSpec(name="company_size", label="Company size", type=FieldType.TEXT),
    FieldSpec(
        name="last_call_outcome",
        label="Last call outcome",
        type=FieldType.ENUM,
        options=tuple(o.value for o in Outcome),
    ),
    FieldSpec(name="last_call_at", label="Last call at", type=FieldType.DATETIME),
    FieldSpec(name="next_step", label="Next step", type=FieldType.LONG_TEXT),
    FieldSpec(name="callback_at", label="Callback requested for", type=FieldType.DATETIME),
    FieldSpec(name="consent", label="Call consent", type=FieldType.ENUM, options=CONSENT_VALUES),
    FieldSpec(name="do_not_call", label="Do not call", type=FieldType.BOOL),
)
CATALOGUE: dict[str, FieldSpec] = {spec.name: spec for spec in _SPECS}
