"""GoHighLevel's error bodies, and the exception the emulator raises to produce them.

Shapes: `BadRequestDTO` `{statusCode, message}`, `UnauthorizedDTO` `{statusCode, message,
error}` and `UnprocessableDTO` `{statusCode, message: [..], error}` from
`vendor-specs/gohighlevel/common/common-schemas.json`; the API is NestJS-built, so 404/403 use
the same `{statusCode, message, error}` form (not in the documents: unverified) and a body
validation failure lists NestJS-style messages (`property x should not exist`). Every body,
error or not, carries a `traceId` (research/crm.md §2.1).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from callstate.sandbox.faults import route_path

_ERROR_NAMES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
# Observed in integrators' reports of PIT/OAuth failures, not in the documents (unverified).
NOT_FOR_LOCATION = "The token does not have access to this location."
NOT_FOR_SCOPE = "The token is not authorized for this scope."
INVALID_TOKEN = "Invalid token: access token is invalid"  # noqa: S105 - UnauthorizedDTO example


def trace_id() -> str:
    return str(uuid.uuid4())


def with_trace(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "traceId": trace_id()}


def error_body(status: int, message: str | list[str], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"statusCode": status, "message": message}
    if status in _ERROR_NAMES:
        body["error"] = _ERROR_NAMES[status]
    return with_trace({**body, **extra})


def rate_limit_body(daily: bool) -> dict[str, Any]:
    """The 429 body is undocumented (research/crm.md §2.2, §7): this NestJS-shaped one is our
    guess. Clients should rely on the status and the `X-RateLimit-*` headers, not on it."""
    window = "daily limit of requests" if daily else "limit of requests per 10 seconds"
    return error_body(429, f"Too many requests: the location's {window} is used up.")


def fault_body(status: int) -> dict[str, Any]:
    """Body for a programmed fault that did not bring its own."""
    if status == 429:
        return rate_limit_body(daily=False)
    return error_body(status, f"Sandbox fault: HTTP {status}")


class GhlError(Exception):
    """An API error answered with GoHighLevel's status code and error body."""

    def __init__(self, status: int, message: str | list[str], **extra: Any) -> None:
        super().__init__(str(message))
        self.status = status
        self.message = message
        self.extra = extra

    def response(self) -> JSONResponse:
        return JSONResponse(
            error_body(self.status, self.message, **self.extra), status_code=self.status
        )


def bad_request(message: str, **extra: Any) -> GhlError:
    return GhlError(400, message, **extra)


def not_found(message: str) -> GhlError:
    return GhlError(404, message)


def unprocessable(*messages: str) -> GhlError:
    return GhlError(422, list(messages))


def _nest_message(error: Any) -> str:
    """A pydantic error as NestJS's class-validator would word it."""
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    name = ".".join(loc) or "body"
    kind = str(error.get("type", ""))
    if kind == "extra_forbidden":
        return f"property {name} should not exist"
    if kind == "missing":
        return f"{name} should not be empty"
    wanted = {
        "string_type": "a string",
        "bool_type": "a boolean value",
        "bool_parsing": "a boolean value",
        "int_type": "a number",
        "float_type": "a number",
        "int_parsing": "a number",
        "float_parsing": "a number",
        "list_type": "an array",
        "dict_type": "an object",
        "model_type": "an object",
    }.get(kind)
    if wanted:
        return f"{name} must be {wanted}"
    if kind in ("literal_error", "enum"):
        expected = error.get("ctx", {}).get("expected", "")
        return f"{name} must be one of the following values: {expected}"
    return f"{name}: {error.get('msg', 'invalid')}"


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves the emulator in GoHighLevel's shape, never FastAPI's `detail`."""

    async def on_ghl(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, GhlError)
        return exc.response()

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return unprocessable(*[_nest_message(e) for e in exc.errors()]).response()

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405):
            # NestJS's answer for a route it does not have.
            message = f"Cannot {request.method} {route_path(request.scope)}"
            return GhlError(404, message).response()
        return GhlError(exc.status_code, str(exc.detail)).response()

    app.add_exception_handler(GhlError, on_ghl)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
