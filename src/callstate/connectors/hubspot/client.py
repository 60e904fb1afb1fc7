"""`HubSpotHttp`: one account's HTTP session: requests, error classification, response parsing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from callstate.connectors.errors import ConnectorError
from callstate.connectors.http import Gate, VendorHttp, account_key, classify, parse_response
from callstate.connectors.hubspot import api
from callstate.domain.budget import Budget

_W = TypeVar("_W", bound=BaseModel)
VENDOR = "hubspot"
PUBLIC_API = "https://api.hubapi.com"
FREE_TIER = Budget(100, 10.0)  # per app per rolling 10 s (research/crm.md §1.2)
SEARCH = Budget(5, 1.0)  # CRM search, per account


class HubSpotHttp(VendorHttp):
    """`gate` spends the account's shared request budget before each request: HubSpot counts
    per app per 10 s, and CRM search separately at 5/s (research/crm.md §1.2)."""

    vendor = VENDOR

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
        super().__init__(
            base_url,
            headers={"authorization": f"Bearer {token}"},
            transport=transport,
            gate=gate,
        )
        account = account_key(VENDOR, token)
        self._api = (f"{account}:api", budget)
        self._search = (f"{account}:search", search_budget)

    def buckets(self, method: str, path: str) -> Sequence[tuple[str, Budget]]:
        return (self._search if path.endswith("/search") else self._api,)

    def error_for(self, response: httpx.Response) -> ConnectorError:
        return classify(VENDOR, response, error_message(response))


def parse(model: type[_W], response: httpx.Response) -> _W:
    return parse_response(VENDOR, model, response)


def error_message(response: httpx.Response) -> str:
    try:
        error = api.ErrorBody.model_validate_json(response.content)
    except ValidationError:
        return f"HTTP {response.status_code}"
    reference = f" (correlationId {error.correlationId})" if error.correlationId else ""
    return f"HTTP {response.status_code} {error.category or ''}: {error.message}{reference}"
