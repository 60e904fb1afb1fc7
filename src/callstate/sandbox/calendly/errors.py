"""Calendly's error bodies, and the exception the emulator raises to produce them.

Shape `ErrorResponse` `{title, message, details?: [{parameter?, message}]}` and the standard
titles/messages of the document's `components.responses` (INVALID_ARGUMENT, UNAUTHENTICATED,
PERMISSION_DENIED, NOT_FOUND, UNKNOWN). Messages the document does not list — the Scheduling
API's plan refusal, a taken slot, the 429 body — are our wording, marked unverified where used
(research/calendar_slack.md §2.2, §2.5).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

INVALID_ARGUMENT = ("Invalid Argument", "The supplied parameters are invalid.")
UNAUTHENTICATED = ("Unauthenticated", "The access token is invalid")
PERMISSION_DENIED = ("Permission Denied", "You do not have permission to access this resource.")
NOT_FOUND = ("Resource Not Found", "The server could not find the requested resource.")
UNKNOWN = (
    "Internal Server Error",
    "The server encountered an unexpected condition that prevented it from fulfilling the request.",
)
# The Scheduling API refused on a plan without it (research §2.2: "Free → 403"); the wording is
# the plan message Calendly documents for webhooks (§2.4), unverified for /invitees.
UPGRADE = ("Permission Denied", "Please upgrade to a paid Calendly account.")
# Unverified: the real 429 body is undocumented (§2.5); clients should rely on the headers.
RATE_LIMITED = ("Too Many Requests", "You have exceeded the rate limit. Please try again later.")


def error_body(title: str, message: str, details: list[dict[str, str]] | None = None) -> Any:
    body: dict[str, Any] = {"title": title, "message": message}
    if details:
        body["details"] = details
    return body


class CalendlyError(Exception):
    """An API error answered with Calendly's status code and `ErrorResponse` body."""

    def __init__(
        self, status: int, title: str, message: str, details: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(f"{status} {title}: {message}")
        self.status = status
        self.body = error_body(title, message, details)

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status)


def invalid(parameter: str, message: str, *, code: str | None = None) -> CalendlyError:
    """400 Invalid Argument naming the parameter (the form of the document's examples)."""
    detail = {"parameter": parameter, "message": message}
    if code is not None:
        detail["code"] = code
    return CalendlyError(400, *INVALID_ARGUMENT, [detail])


def not_found() -> CalendlyError:
    return CalendlyError(404, *NOT_FOUND)


def denied(message: str = PERMISSION_DENIED[1]) -> CalendlyError:
    return CalendlyError(403, "Permission Denied", message)


def fault_body(status: int) -> Any:
    """Body for a programmed fault that did not bring its own."""
    if status == 429:
        return error_body(*RATE_LIMITED)
    if status >= 500:
        return error_body(*UNKNOWN)
    return error_body("Sandbox Fault", f"Sandbox fault: HTTP {status}")


def _details(exc: RequestValidationError) -> list[dict[str, str]]:
    found = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        found.append({"parameter": ".".join(loc) or "body", "message": str(error.get("msg"))})
    return found


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves the emulator in Calendly's shape, never FastAPI's `detail`."""

    async def on_calendly(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, CalendlyError)
        return exc.response()

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return CalendlyError(400, *INVALID_ARGUMENT, _details(exc)).response()

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405):
            return not_found().response()
        return CalendlyError(exc.status_code, "Error", str(exc.detail)).response()

    app.add_exception_handler(CalendlyError, on_calendly)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
