"""Cal.com API v2's error envelope, and the exception the emulator raises to produce it.

Every error leaves the API through one NestJS filter (CAL-CODE
apps/api/v2/src/filters/http-exception.filter.ts, research/calendar_slack.md §1.1):
`{"status": "error", "timestamp", "path", "error": {"code": <exception class name>,
"message": <exception message>, "details": <exception.getResponse()>}}`. For a NestJS
exception built from a message, `getResponse()` is `{message, error, statusCode}`; the
throttler's exception is built from a string, so its `details` is that string (§1.2).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from callstate.sandbox.faults import route_path

_EXCEPTIONS = {
    400: ("BadRequestException", "Bad Request"),
    401: ("UnauthorizedException", "Unauthorized"),
    403: ("ForbiddenException", "Forbidden"),
    404: ("NotFoundException", "Not Found"),
    405: ("NotFoundException", "Not Found"),
    409: ("ConflictException", "Conflict"),
    422: ("UnprocessableEntityException", "Unprocessable Entity"),
    429: ("ThrottlerException", "Too Many Requests"),
    500: ("InternalServerErrorException", "Internal Server Error"),
    502: ("BadGatewayException", "Bad Gateway"),
    503: ("ServiceUnavailableException", "Service Unavailable"),
}
THROTTLED = "CustomThrottlerGuard - Too many requests. Please try again later."
INVALID_KEY = "CustomThrottlerGuard - Invalid API Key"  # the throttler's own check (§1.2)
# Booking refusals (CAL-CODE bookings/2024-08-13/services/errors.service.ts, handleNewBooking).
HOST_UNAVAILABLE = "User either already has booking at this time or is not available"
IN_THE_PAST = "Attempting to book a meeting in the past."
# The code is `booking_time_out_of_bounds_error`; the v2 wording here is our paraphrase.
OUT_OF_BOUNDS = (
    "The event type can't be booked at the \"start\" time provided. This could be because it's "
    "too late (violating the minimum booking notice) or too far in the future (outside the "
    "event type's booking window)."
)
BOOKING_CONFLICT = "booking_conflict_error"  # the race: unique idempotency key hit (§1.5)
ALREADY_CANCELLED = "This booking has already cancelled."  # sic, handleCancelBooking (unverified)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error_body(status: int, message: str, path: str, *, plain_details: bool = False) -> Any:
    code, name = _EXCEPTIONS.get(status, ("HttpException", "Error"))
    details: Any = (
        message if plain_details else {"message": message, "error": name, "statusCode": status}
    )
    return {
        "status": "error",
        "timestamp": now_iso(),
        "path": path,
        "error": {"code": code, "message": message, "details": details},
    }


def rate_limit_body(path: str) -> Any:
    return error_body(429, THROTTLED, path, plain_details=True)


def fault_body(status: int) -> Any:
    """Body for a programmed fault that did not bring its own."""
    if status == 429:
        return rate_limit_body("")
    return error_body(status, f"Sandbox fault: HTTP {status}", "")


class CalError(Exception):
    """An API error answered with Cal.com's status and envelope."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self, path: str) -> JSONResponse:
        return JSONResponse(error_body(self.status, self.message, path), status_code=self.status)


def _url(request: Request) -> str:
    """What Cal.com puts in `path`: express's `request.url`, path and query (vendor-relative)."""
    query = request.url.query
    return route_path(request.scope) + (f"?{query}" if query else "")


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves the emulator in Cal.com's envelope, never FastAPI's `detail`."""

    async def on_cal(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CalError)
        return exc.response(_url(request))

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        # class-validator's messages come as a list; the exception message is the generic one.
        messages = [
            f"{'.'.join(str(p) for p in e['loc'] if p not in ('body', 'query'))}: {e['msg']}"
            for e in exc.errors()
        ]
        body = error_body(400, "Bad Request Exception", _url(request))
        body["error"]["details"]["message"] = messages
        return JSONResponse(body, status_code=400)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405):
            message = f"Cannot {request.method} {route_path(request.scope)}"
            return CalError(404, message).response(_url(request))
        return CalError(exc.status_code, str(exc.detail)).response(_url(request))

    app.add_exception_handler(CalError, on_cal)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
