"""Retell's REST error bodies, and the exception the emulator raises to produce them.

Every Retell error is `{"status": "error", "message": ...}` (components.responses in
vendor-specs/retell/openapi.yaml; research/voice.md §4.1). The documents answer an id that does
not exist in the account with **422** "Cannot find requested asset under given api key."
(`UnprocessableContent`), not 404; the emulator follows them (`not_found`). 404 is kept for
routes the API does not have.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

# The documents' own example messages (openapi.yaml components.responses).
BAD_REQUEST = "Invalid request format, please check API reference."
UNAUTHORIZED = "API key is missing or invalid."
NOT_FOUND_ASSET = "Cannot find requested asset under given api key."
RATE_LIMITED = "Account rate limited, please throttle your requests."
SERVER_ERROR = "An unexpected server error occurred."


def error_body(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}


class RetellApiError(Exception):
    """An API error answered with Retell's status code and `{status, message}` body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def response(self) -> JSONResponse:
        return JSONResponse(error_body(self.message), status_code=self.status)


def bad_request(detail: str) -> RetellApiError:
    """400 naming what is wrong (Retell's wording for specific cases is not documented)."""
    return RetellApiError(400, f"{BAD_REQUEST} {detail}")


def not_found(kind: str, ident: str) -> RetellApiError:
    """Unknown id: 422 as documented; the sandbox appends which asset it looked for."""
    return RetellApiError(422, f"{NOT_FOUND_ASSET} ({kind} {ident})")


def fault_body(status: int) -> dict[str, Any]:
    """Body for a programmed fault that did not bring its own."""
    if status == 429:
        return error_body(RATE_LIMITED)
    if status == 401:
        return error_body(UNAUTHORIZED)
    if status >= 500:
        return error_body(SERVER_ERROR)
    return error_body(f"Sandbox fault: HTTP {status}")


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves the emulator in Retell's shape, never FastAPI's `detail`."""

    async def on_retell(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RetellApiError)
        return exc.response()

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
        return bad_request(f"{where}: {first.get('msg', 'invalid')}").response()

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code in (404, 405):
            return RetellApiError(404, f"Cannot {request.method} {request.url.path}").response()
        return RetellApiError(exc.status_code, str(exc.detail)).response()

    app.add_exception_handler(RetellApiError, on_retell)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
