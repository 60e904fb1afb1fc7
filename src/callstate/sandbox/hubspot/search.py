"""`POST .../objects/{type}/search`: filters, free-text query, sorts and offset paging.

Semantics follow HubSpot's search guide: filters inside a group are ANDed, groups are ORed
(at most 5 groups, 6 filters each, 18 in all); `limit` at most 200; paging stops at 10,000
results. Values compare by the property's type (numbers numerically, dates by instant, text
case-insensitively). Search sees the lagging index view from `Records.searchable`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from callstate.sandbox.hubspot.errors import validation
from callstate.sandbox.hubspot.timestamps import parse_timestamp
from callstate.sandbox.store import Doc

_WIRE = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)
# fmt: off
Operator = Literal[
    "BETWEEN", "CONTAINS_TOKEN", "EQ", "GT", "GTE", "HAS_PROPERTY", "IN", "LT", "LTE", "NEQ",
    "NOT_CONTAINS_TOKEN", "NOT_HAS_PROPERTY", "NOT_IN",
]
# fmt: on
MAX_TOTAL = 10_000


def _text(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


class Filter(BaseModel):
    model_config = _WIRE
    property_name: str
    operator: Operator
    value: str | None = None
    high_value: str | None = None
    values: list[str] | None = None

    @field_validator("value", "high_value", mode="before")
    @classmethod
    def _stringify(cls, v: object) -> object:
        return v if v is None else _text(v)

    @field_validator("values", mode="before")
    @classmethod
    def _stringify_all(cls, v: object) -> object:
        return [_text(x) for x in v] if isinstance(v, list) else v


class FilterGroup(BaseModel):
    model_config = _WIRE
    filters: list[Filter] = Field(default_factory=list)


class Sort(BaseModel):
    model_config = _WIRE
    property_name: str
    direction: Literal["ASCENDING", "DESCENDING"] = "ASCENDING"


class SearchRequest(BaseModel):
    model_config = _WIRE
    filter_groups: list[FilterGroup] = Field(default_factory=list)
    properties: list[str] | None = None
    limit: int = Field(default=10, ge=1, le=200)
    after: str | None = None
    sorts: list[str | Sort] = Field(default_factory=list)
    query: str | None = None

    @field_validator("after", mode="before")
    @classmethod
    def _after_text(cls, v: object) -> object:
        return v if v is None else _text(v)


def search(
    request: SearchRequest,
    candidates: Sequence[tuple[Doc, dict[str, str]]],
    types: Mapping[str, str],
    query_properties: Sequence[str],
) -> tuple[list[tuple[Doc, dict[str, str]]], int, str | None]:
    """Filter, sort and page (record, indexed properties) pairs; returns page, total, next."""
    groups = request.filter_groups
    if (
        len(groups) > 5
        or any(len(g.filters) > 6 for g in groups)
        or sum(len(g.filters) for g in groups) > 18
    ):
        raise validation("Too many filters: at most 5 filterGroups of 6 filters, 18 filters in all")
    hits = [
        (record, props)
        for record, props in candidates
        if (not groups or any(all(_matches(props, f, types) for f in g.filters) for g in groups))
        and _matches_query(props, request.query, query_properties)
    ]
    for sort in reversed(request.sorts):
        name, descending = _sort_key(sort)
        present = [h for h in hits if name in h[1]]
        absent = [h for h in hits if name not in h[1]]
        present.sort(key=lambda h: _ordering(h[1][name], types.get(name)), reverse=descending)
        hits = present + absent
    offset = int(request.after) if request.after and request.after.isdigit() else 0
    if offset + request.limit > MAX_TOTAL:
        raise validation(f"Paging past {MAX_TOTAL} results is not supported")
    page = hits[offset : offset + request.limit]
    more = offset + request.limit < len(hits)
    return page, len(hits), str(offset + request.limit) if more else None


def _sort_key(sort: str | Sort) -> tuple[str, bool]:
    if isinstance(sort, Sort):
        return sort.property_name, sort.direction == "DESCENDING"
    return sort.lstrip("-"), sort.startswith("-")


def _ordering(value: str, kind: str | None) -> Any:
    if kind == "number":
        try:
            return (0, float(value), "")
        except ValueError:
            return (1, 0.0, value.casefold())
    if kind in ("datetime", "date"):
        moment = parse_timestamp(value)
        if moment is not None:
            return (0, moment.timestamp(), "")
    return (1, 0.0, value.casefold())


def _matches(props: Mapping[str, str], f: Filter, types: Mapping[str, str]) -> bool:
    actual = props.get(f.property_name)
    op = f.operator
    if op == "HAS_PROPERTY":
        return actual is not None
    if op == "NOT_HAS_PROPERTY":
        return actual is None
    if actual is None:
        return op in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN")
    kind = types.get(f.property_name)
    here = _ordering(actual, kind)
    if op in ("IN", "NOT_IN"):
        found = any(_ordering(v, kind) == here for v in f.values or [])
        return found if op == "IN" else not found
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        found = _contains_token(actual, f.value or "")
        return found if op == "CONTAINS_TOKEN" else not found
    if f.value is None:
        raise validation(f"Filter on {f.property_name} with {op} needs a value")
    there = _ordering(f.value, kind)
    if op == "BETWEEN":
        high = _ordering(f.high_value or f.value, kind)
        return bool(there <= here <= high)
    comparisons = {
        "EQ": here == there,
        "NEQ": here != there,
        "LT": here < there,
        "LTE": here <= there,
        "GT": here > there,
        "GTE": here >= there,
    }
    return bool(comparisons[op])


def _contains_token(actual: str, wanted: str) -> bool:
    wanted = wanted.casefold()
    tokens = [actual.casefold(), *re.split(r"[\s,;.@_\-]+", actual.casefold())]
    if "*" in wanted:
        return any(fnmatch.fnmatchcase(token, wanted) for token in tokens)
    return wanted in tokens


def _matches_query(props: Mapping[str, str], query: str | None, names: Sequence[str]) -> bool:
    if not query:
        return True
    needle = query.casefold()
    return any(needle in props.get(name, "").casefold() for name in names)
