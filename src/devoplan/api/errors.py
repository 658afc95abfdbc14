"""Every user error becomes a 4xx JSON body ``{"error": {"status", "field", "message"}}``.

Library errors (:mod:`devoplan.errors`) name their field (``InputError.field``, ``SpecError.key``, or a
backquoted parameter in the message); request validation errors name the JSON key path. A handler
of last resort answers 500 without details for real bugs, which the tests never expect to see.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from devoplan.errors import DevoplanError, InfeasibleError, InputError, SpecError

log = logging.getLogger("devoplan.api")
_BACKQUOTED = re.compile(r"`([a-z][a-z0-9_]*)`")
_FLAG = re.compile(r"(?<![\w-])--([a-z][a-z0-9-]*)")
FIELD_OF_FLAG: dict[str, str] = {"lock": "locks"}  # messages that still name a command-line flag


class ApiError(Exception):
    """An error answered as ``status`` with the request field it concerns."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def not_found(what: str, key: object, field: str | None = None) -> ApiError:
    return ApiError(404, f"no {what} {key}", field)


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)


def field_of(exc: DevoplanError) -> str | None:
    """The field a library error concerns: its attribute, else the parameter (or flag) it names."""
    if isinstance(exc, InputError) and exc.field:
        return exc.field
    if isinstance(exc, SpecError) and exc.key:
        return exc.key
    text = str(exc)
    match = _BACKQUOTED.search(text) or _FLAG.search(text)
    if match is None:
        return None
    name = match.group(1).replace("-", "_")
    return FIELD_OF_FLAG.get(name, name)


def body(status: int, message: str, field: str | None) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "field": field, "message": message}}, status_code=status)


def _location(loc: tuple[object, ...]) -> str:
    """``("body", "moves", 0, "district")`` -> ``moves[0].district``."""
    out = ""
    for part in loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or str(loc[0] if loc else "")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return body(exc.status, exc.message, exc.field)

    @app.exception_handler(DevoplanError)
    async def _domain(_: Request, exc: DevoplanError) -> JSONResponse:
        status = 409 if isinstance(exc, InfeasibleError) else 422
        return body(status, " ".join(str(exc).split()), field_of(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = _location(tuple(first.get("loc", ())))
        return body(422, f"{field}: {first.get('msg', 'invalid')}" if field else str(first.get("msg")), field or None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = body(exc.status_code, str(exc.detail), None)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error", exc_info=exc)
        return body(500, "internal error (a bug in devoplan: please report it)", None)
