"""Every failure answers ``{"errors": [{"field": ..., "message": ...}]}`` with the status of spec/api.md:
422 bad input (the CLI's messages), 401/403 auth, 404 unknown id, 409 duplicate, 412 stale, 428 no If-Match;
413 too large a body and 503 storage full or read-only (``ioguide.api.security``).

The 422 echo policy: each error names the field's JSON path and the rule; the rejected value is repeated only cut
to ``ECHO_MAX_CHARS`` characters, and never for a secret field (password, token: ``ioguide.validation``)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException

from ioguide.errors import InputError, Problem, json_path
from ioguide.services.errors import ServiceError, outcome, problems_of
from ioguide.validation import _message as pydantic_message

#: Documented on every route (the success status is each route's own).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {
        "description": text,
        "content": {"application/json": {"example": {"errors": [{"field": "", "message": ""}]}}},
    }
    for code, text in (
        (400, "the body is not valid JSON"),
        (401, "no valid token"),
        (403, "the role may not do this"),
        (404, "unknown id"),
        (413, "the request body is larger than the limit"),
        (422, "bad input: each error names the field's JSON path and the rule"),
        (503, "the server cannot store data (disk full or database read-only): nothing was saved"),
    )
}


def body(problems: list[Problem]) -> dict[str, Any]:
    return {"errors": [p.as_dict() for p in problems]}


def _request_problems(exc: RequestValidationError) -> list[Problem]:
    out = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            detail = (err.get("ctx") or {}).get("error", "")
            out.append(Problem("$", f"not valid JSON ({detail})"))
            continue
        loc = list(err.get("loc", ()))
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith("function-"))]
        out.append(Problem(json_path(loc) or "$", pydantic_message(err)))
    return out


def typed_response(exc: InputError | ServiceError) -> JSONResponse:
    """A typed failure as the API answers it: its problems, with the status of the one table."""
    return JSONResponse(body(list(problems_of(exc))), status_code=outcome(exc).status)


def install(app: FastAPI) -> None:
    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return typed_response(exc)

    @app.exception_handler(ServiceError)
    async def _service(_: Request, exc: ServiceError) -> JSONResponse:
        return typed_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(body(_request_problems(exc)), status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSONResponse:
        return JSONResponse(body([Problem("", "conflicts with a stored record")]), status_code=409)

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSONResponse:
        # the database refused a value that passed validation (a NUL character in text on PostgreSQL, say):
        # the input's fault, and the transaction was rolled back
        message = "a value cannot be stored by the database (a NUL character, or a number out of range)"
        return JSONResponse(body([Problem("$", message)]), status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(body([Problem("", str(exc.detail))]), status_code=exc.status_code, headers=exc.headers)
