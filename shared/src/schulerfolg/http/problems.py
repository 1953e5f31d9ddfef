"""RFC 9457 problem details for every error a service answers.

Domain code raises ``Problem`` subclasses (they carry their status); the handlers installed by
``install_problem_handlers`` turn them, validation errors, unknown routes and unexpected
exceptions into ``application/problem+json``. Nothing a client sends may end in a bare 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = structlog.get_logger("schulerfolg.http")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://schulerfolg.de/problems/"


class FieldError(BaseModel):
    """One invalid field: where it is, and what a person should change."""

    field: str
    location: str
    message: str
    type: str


class ProblemDetails(BaseModel):
    """The body of every error response."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    rule: str | None = None


class Problem(StarletteHTTPException):
    """An error with its HTTP status; raise a subclass from domain or HTTP code.

    It is an ``HTTPException`` so that FastAPI passes it on unchanged where it wraps other errors
    (a problem raised while the body is read, see ``schulerfolg.http.body``); its own handler
    answers it.
    """

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        rule: str | None = None,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(self.status, detail or self.title, headers)
        self.detail = detail  # type: ignore[assignment]  # None: no detail in the body (str in HTTPException)
        self.rule = rule
        self.errors = errors
        self.headers = headers or {}
        if title:
            self.title = title

    def to_details(self, instance: str | None = None) -> ProblemDetails:
        """The problem as a response body."""
        return ProblemDetails(
            type=TYPE_BASE + (self.rule or self.slug),
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
            errors=self.errors,
            rule=self.rule,
        )


class BadRequest(Problem):
    status, title, slug = 400, "Bad request", "bad-request"


class Unauthorized(Problem):
    status, title, slug = 401, "Authentication required", "unauthorized"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        super().__init__(detail, **kwargs)


class Forbidden(Problem):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(Problem):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(Problem):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(Problem):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PreconditionRequired(Problem):
    status, title, slug = 428, "Precondition required", "precondition-required"


class ContentTooLarge(Problem):
    status, title, slug = 413, "Content too large", "content-too-large"


class Unprocessable(Problem):
    status, title, slug = 422, "Unprocessable content", "validation"


# What a route's OpenAPI entry says about each problem status it may answer.
PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "The request is malformed (e.g. an unreadable cursor, or a body that is not UTF-8).",
    401: "No valid bearer token was sent.",
    403: "The caller may not do this.",
    404: "No such resource (or not visible to the caller).",
    409: "The change conflicts with the current data.",
    410: "The resource is gone for good.",
    412: "The If-Match ETag is stale; reload and apply the change again.",
    413: "The request body is too large.",
    415: "The request body has an unsupported media type.",
    422: "A field of the request is invalid; `errors` says which and why.",
    428: "The request must carry If-Match.",
}


def problem_responses(
    *statuses: int, model: type[BaseModel] = ProblemDetails
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route for the problem statuses it may answer.

    ``model`` documents a richer body (a ``ProblemDetails`` subclass, e.g. one with a report);
    combine calls with ``**`` when statuses need different models.
    """
    return {
        status: {
            "model": model,
            "content": {PROBLEM_JSON: {}},
            "description": PROBLEM_DESCRIPTIONS.get(status) or HTTPStatus(status).phrase,
        }
        for status in statuses
    }


def problem_response(
    problem: ProblemDetails, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A JSON response with the problem+json media type."""
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _sqlstate(exc: DBAPIError) -> str | None:
    code = getattr(exc.orig, "sqlstate", None) or getattr(
        getattr(exc.orig, "__cause__", None), "sqlstate", None
    )
    return str(code) if code is not None else None


def is_conflict(exc: IntegrityError) -> bool:
    """Whether an integrity error is a unique or foreign-key violation (a race, not a bug)."""
    code = _sqlstate(exc)
    if code is not None:
        return code in ("23505", "23503")  # unique_violation, foreign_key_violation
    message = str(exc.orig)
    return "UNIQUE constraint failed" in message or "FOREIGN KEY constraint failed" in message


# serialization_failure, deadlock_detected: PostgreSQL aborted the transaction so that a
# concurrent one could go on; the same request sent again succeeds.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


def is_transient(exc: DBAPIError) -> bool:
    """Whether the database refused the transaction only because of a concurrent one (a
    deadlock or serialization failure on PostgreSQL, a lock held too long on SQLite)."""
    code = _sqlstate(exc)
    if code is not None:
        return code in TRANSIENT_SQLSTATES
    return "database is locked" in str(exc.orig)


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        location = loc[0] if loc else "body"
        field = ".".join(loc[1:]) or location
        errors.append(
            FieldError(
                field=field,
                location=location,
                message=str(err.get("msg", "invalid value")),
                type=str(err.get("type", "value_error")),
            )
        )
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of ``app`` as problem+json."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.to_details(request.url.path), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        names = ", ".join(sorted({e.field for e in errors}))
        problem = Unprocessable(f"The request has invalid fields: {names}.", errors=errors)
        return problem_response(problem.to_details(request.url.path))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.__cause__, UnicodeError):  # FastAPI's "error parsing the body"
            problem = BadRequest(
                "The request body is not valid UTF-8; send JSON encoded as UTF-8.",
                rule="body-not-utf-8",
            )
            return problem_response(problem.to_details(request.url.path))
        titles = {
            400: "Bad request",
            401: "Authentication required",
            404: "Not found",
            405: "Method not allowed",
            413: "Content too large",
        }
        details = ProblemDetails(
            type=TYPE_BASE + f"http-{exc.status_code}",
            title=titles.get(exc.status_code, "HTTP error"),
            status=exc.status_code,
            detail=str(exc.detail) if exc.detail else None,
            instance=request.url.path,
        )
        return problem_response(details, getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # A concurrent write won a race the domain checked for (a unique value taken, a
        # referenced row deleted meanwhile): a conflict, not a crash. Other violations are bugs.
        if not is_conflict(exc):
            return await _unexpected(request, exc)
        log.warning("http.integrity_conflict", path=request.url.path, error=type(exc.orig).__name__)
        problem = Conflict("The change conflicts with data written at the same time; retry.")
        return problem_response(problem.to_details(request.url.path))

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # The transaction was rolled back as a whole: nothing of the request was kept, and the
        # same request sent again goes through (Retry-After), so this is no crash either.
        if not is_transient(exc):
            return await _unexpected(request, exc)
        log.warning("http.database_busy", path=request.url.path, sqlstate=_sqlstate(exc))
        details = ProblemDetails(
            type=TYPE_BASE + "busy",
            title="Service busy",
            status=503,
            detail="A concurrent change held the same data; nothing was saved. Send the request "
            "again.",
            instance=request.url.path,
        )
        return problem_response(details, {"Retry-After": "1"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("http.unhandled_error", path=request.url.path)
        details = ProblemDetails(
            type=TYPE_BASE + "internal",
            title="Internal error",
            status=500,
            detail="An unexpected error occurred; it has been logged.",
            instance=request.url.path,
        )
        return problem_response(details)
