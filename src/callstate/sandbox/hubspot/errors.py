"""HubSpot's error bodies, and the exception the emulator raises to produce them.

Shape: the `Error` schema of every HubSpot OpenAPI document (`category`, `correlationId`,
`message`, optional `errors[]`, `context`, `subCategory`) plus the `"status": "error"` field
every real response carries (research/crm.md §1.3). Rate-limit bodies differ: they carry
`errorType` and `policyName` instead of `category` (§1.2).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

_CATEGORY_BY_STATUS = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    405: "VALIDATION_ERROR",
    409: "CONFLICT",
}


def error_body(category: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
        **extra,
    }


def rate_limit_body(policy: str = "TEN_SECONDLY_ROLLING") -> dict[str, Any]:
    return {
        "status": "error",
        "message": f"You have reached your {policy.lower()} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": policy,
        "groupName": "publicapi:sandbox",
    }


def fault_body(status: int) -> dict[str, Any]:
    """Body for a programmed fault that did not bring its own."""
    if status == 429:
        return rate_limit_body()
    category = _CATEGORY_BY_STATUS.get(status, "INTERNAL_ERROR")
    return error_body(category, f"Sandbox fault: HTTP {status}")


class HubSpotError(Exception):
    """An API error answered with HubSpot's status code and error body."""

    def __init__(self, status: int, category: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.message = message
        self.extra = extra

    def response(self) -> JSONResponse:
        return JSONResponse(
            error_body(self.category, self.message, **self.extra), status_code=self.status
        )


def not_found(message: str = "resource not found") -> HubSpotError:
    return HubSpotError(404, "OBJECT_NOT_FOUND", message)


def validation(message: str, **extra: Any) -> HubSpotError:
    return HubSpotError(400, "VALIDATION_ERROR", message, **extra)


def invalid_properties(problems: list[tuple[str, str, str]]) -> HubSpotError:
    """400 `Property values were not valid: [...]` from (name, error code, message) triples.

    HubSpot embeds a JSON list in the message text; integrators parse `error` out of it
    (e.g. INVALID_OPTION for an enumeration label sent instead of its value).
    """
    listed = [
        {"isValid": False, "message": msg, "error": code, "name": name}
        for name, code, msg in problems
    ]
    return validation(
        f"Property values were not valid: {json.dumps(listed, separators=(',', ':'))}",
        errors=[
            {"message": msg, "code": code, "context": {"propertyName": [name]}}
            for name, code, msg in problems
        ],
    )


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves the emulator in HubSpot's shape, never FastAPI's `detail`."""

    async def on_hubspot(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HubSpotError)
        return exc.response()

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = [
            {
                "message": str(e.get("msg", "invalid")),
                "in": ".".join(str(p) for p in e.get("loc", ())),
            }
            for e in exc.errors()
        ]
        return validation("Invalid input JSON on line 1", errors=details).response()

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        category = _CATEGORY_BY_STATUS.get(exc.status_code, "INTERNAL_ERROR")
        return HubSpotError(exc.status_code, category, str(exc.detail)).response()

    app.add_exception_handler(HubSpotError, on_hubspot)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
