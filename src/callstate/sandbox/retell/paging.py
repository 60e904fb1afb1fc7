"""Retell's list pagination: `limit`, `sort_order`, and an exclusive `pagination_key`.

The documents describe the key as the id of the last item of the previous page, excluded from
the next one (openapi.yaml `/v2/list-calls` `pagination_key`); the 6.x list endpoints call it
an opaque cursor and answer `{items, has_more, pagination_key}`. The emulator hands out the last
id either way, so both readings hold. Default limit 50, maximum 1000 (voice.md §4.6).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from callstate.sandbox.retell.rest_errors import bad_request

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    has_more: bool
    pagination_key: str | None

    def body(self, *, total: int | None = None) -> dict[str, Any]:
        """The 6.x `{items, has_more, pagination_key?, total?}` envelope."""
        out: dict[str, Any] = {"items": self.items, "has_more": self.has_more}
        if self.pagination_key is not None:
            out["pagination_key"] = self.pagination_key
        if total is not None:
            out["total"] = total
        return out


def parse_limit(value: Any, *, default: int = DEFAULT_LIMIT) -> int:
    if value is None:
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise bad_request(f"limit must be an integer, got {value!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    return limit


def parse_sort(value: Any, *, default: str = "descending") -> bool:
    """True for descending."""
    order = default if value is None else value
    if order not in ("ascending", "descending"):
        raise bad_request(f"sort_order must be ascending or descending, got {order!r}")
    return order == "descending"


def paginate(
    ordered: Sequence[dict[str, Any]],
    key_of: Callable[[dict[str, Any]], str],
    *,
    limit: int,
    pagination_key: str | None,
    skip: int = 0,
) -> Page:
    """One page of `ordered` (already sorted) after the item named by `pagination_key`."""
    start = 0
    if pagination_key:
        ids = [key_of(item) for item in ordered]
        if pagination_key not in ids:
            raise bad_request(f"unknown pagination_key {pagination_key!r}")
        start = ids.index(pagination_key) + 1
    start += max(0, skip)
    chunk = list(ordered[start : start + limit])
    has_more = start + limit < len(ordered)
    return Page(chunk, has_more, key_of(chunk[-1]) if has_more and chunk else None)
