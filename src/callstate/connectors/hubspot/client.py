"""`HubSpotHttp`: one account's HTTP session: requests, error classification, response parsing."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from callstate.connectors.http import (
    Gate,
    account_key,
    build_client,
    classify,
    parse_response,
    transport_errors,
)
from callstate.connectors.hubspot import api
from callstate.domain.budget import Budget

_W = TypeVar("_W", bound=BaseModel)
VENDOR = "hubspot"
PUBLIC_API = "https://api.hubapi.com"
FREE_TIER = Budget(100, 10.0)  # per app per rolling 10 s (research/crm.md §1.2)
SEARCH = Budget(5, 1.0)  # CRM search, per account


class HubSpotHttp:
    """`gate` spends the account's shared request budget before each request: HubSpot counts
    per app per 10 s, and CRM search separately at 5/s (research/crm.md §1.2)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        transport: httpx.BaseTransport | None = None,
        *,
        gate: Gate | None = None,
        budget: Budget = FREE_TIER,
        search_budget: Budget = SEARCH,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = build_client(
            self.base_url, headers={"authorization": f"Bearer {token}"}, transport=transport
        )
        self._gate = gate
        account = account_key(VENDOR, token)
        self._buckets = {
            "api": (f"{account}:api", budget),
            "search": (f"{account}:search", search_budget),
        }

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        missing_ok: bool = False,
    ) -> httpx.Response | None:
        """The response on 2xx; None on 404 when `missing_ok`; else the classified error."""
        if self._gate is not None:
            self._gate(*self._buckets["search" if path.endswith("/search") else "api"])
        with transport_errors(VENDOR):
            response = self._client.request(method, path, json=json, params=params)
        if response.is_success:
            return response
        if missing_ok and response.status_code == 404:
            return None
        raise classify(VENDOR, response, error_message(response))

    def call(
        self,
        model: type[_W],
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> _W:
        response = self.request(method, path, json=json, params=params)
        assert response is not None
        return parse(model, response)

    def find(self, model: type[_W], path: str, params: dict[str, str] | None = None) -> _W | None:
        """GET that treats 404 as "not there"."""
        response = self.request("GET", path, params=params, missing_ok=True)
        return None if response is None else parse(model, response)


def parse(model: type[_W], response: httpx.Response) -> _W:
    return parse_response(VENDOR, model, response)


def error_message(response: httpx.Response) -> str:
    try:
        error = api.ErrorBody.model_validate_json(response.content)
    except ValidationError:
        return f"HTTP {response.status_code}"
    reference = f" (correlationId {error.correlationId})" if error.correlationId else ""
    return f"HTTP {response.status_code} {error.category or ''}: {error.message}{reference}"
