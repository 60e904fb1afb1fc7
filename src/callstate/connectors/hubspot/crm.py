"""`HubSpotCrm`: the `Crm` port over HubSpot's REST API.

Contacts: `batch/upsert` with `idProperty` = a unique-value property holding the E.164 phone, so
duplicates and concurrent calls from one new number converge on one contact (HubSpot enforces
the uniqueness; search-then-create would race, research/crm.md §0.5-0.6).
Calls: HubSpot has no idempotency key for creates, so a call carries our effect key in a custom
property and a recovering attempt searches for it before creating.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from callstate.config.model import HubSpotConfig
from callstate.connectors.errors import Permanent
from callstate.connectors.http import build_client, classify, transport_errors
from callstate.connectors.hubspot import api, mapping
from callstate.connectors.ports import ObjectRef
from callstate.domain.effects import LogCall, UpsertContact

_W = TypeVar("_W", bound=BaseModel)
VENDOR = "hubspot"
PUBLIC_API = "https://api.hubapi.com"


class HubSpotCrm:
    vendor = VENDOR

    def __init__(
        self,
        config: HubSpotConfig,
        *,
        base_url: str | None = None,
        transport: httpx.BaseTransport | None = None,
        search_attempts: int = 3,
        search_pause: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self._base_url = (base_url or config.base_url).rstrip("/")
        self._client = build_client(
            self._base_url,
            headers={"authorization": f"Bearer {config.token.get_secret_value()}"},
            transport=transport,
        )
        self._search_attempts = search_attempts
        self._search_pause = search_pause
        self._sleep = sleep

    def close(self) -> None:
        self._client.close()

    def upsert_contact(self, effect: UpsertContact) -> ObjectRef:
        properties = mapping.contact_properties(effect, self._config.contact_key_property)
        try:
            response = self._upsert_contact(effect.phone, properties)
        except Permanent as exc:
            if exc.status != 409 or "email" not in properties:
                raise
            # The email already belongs to another contact (email is HubSpot's built-in unique
            # key). Keep the phone-keyed contact and leave the email off rather than fail the call.
            del properties["email"]
            response = self._upsert_contact(effect.phone, properties)
        result = self._parse(api.BatchUpsertResponse, response).results[0]
        return ObjectRef(VENDOR, result.id, self._record_url("0-1", "contacts", result.id))

    def _upsert_contact(self, phone: str, properties: dict[str, str]) -> httpx.Response:
        item = {
            "id": phone,
            "idProperty": self._config.contact_key_property,
            "properties": properties,
        }
        return self._post(f"{api.OBJECTS}/contacts/batch/upsert", {"inputs": [item]})

    def log_call(self, effect: LogCall, contact: ObjectRef, *, recover: bool) -> ObjectRef:
        if recover and (found := self._find_call(effect.key)) is not None:
            return found
        body = {
            "properties": mapping.call_properties(effect, self._config.call_key_property),
            "associations": [
                {
                    "to": {"id": contact.object_id},
                    "types": [
                        {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": api.CALL_TO_CONTACT,
                        }
                    ],
                }
            ],
        }
        created = self._parse(api.SimpleObject, self._post(f"{api.OBJECTS}/calls", body))
        return ObjectRef(VENDOR, created.id, self._record_url("0-48", "calls", created.id))

    def _find_call(self, key: str) -> ObjectRef | None:
        """Search by our key. Search lags writes by seconds, so a miss is retried before we trust
        it (research/crm.md §0.6): creating after a false miss would log the call twice."""
        body = {
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": self._config.call_key_property,
                            "operator": "EQ",
                            "value": key,
                        }
                    ]
                }
            ],
            "properties": [self._config.call_key_property],
            "limit": 1,
        }
        for attempt in range(self._search_attempts):
            found = self._parse(api.SearchResponse, self._post(f"{api.OBJECTS}/calls/search", body))
            if found.results:
                call_id = found.results[0].id
                return ObjectRef(VENDOR, call_id, self._record_url("0-48", "calls", call_id))
            if attempt + 1 < self._search_attempts:
                self._sleep(self._search_pause)
        return None

    def _record_url(self, type_id: str, type_name: str, object_id: str) -> str:
        if self._base_url == PUBLIC_API and self._config.portal_id:
            return (
                f"https://app.hubspot.com/contacts/{self._config.portal_id}"
                f"/record/{type_id}/{object_id}"
            )
        return f"{self._base_url}/crm/v3/objects/{type_name}/{object_id}"

    def _post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        with transport_errors(VENDOR):
            response = self._client.post(path, json=body)
        if response.is_success:
            return response
        raise classify(VENDOR, response, self._error_message(response))

    @staticmethod
    def _error_message(response: httpx.Response) -> str:
        try:
            error = api.ErrorBody.model_validate_json(response.content)
        except ValidationError:
            return f"HTTP {response.status_code}"
        reference = f" (correlationId {error.correlationId})" if error.correlationId else ""
        return f"HTTP {response.status_code} {error.category or ''}: {error.message}{reference}"

    @staticmethod
    def _parse(model: type[_W], response: httpx.Response) -> _W:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise Permanent(VENDOR, f"unexpected response shape: {exc}") from exc
