"""RFC 9457 problem details: one small error hierarchy, rendered by one set of handlers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.keys.errors import CiphertextInvalid, KeyDestroyed

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://carrots.example/problems/"
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_STATUSES_ATTRIBUTE = "__problem_statuses__"
DATABASE_RETRY_AFTER_SECONDS = 1

CallableT = TypeVar("CallableT", bound=Callable[..., Any])


class InvalidParam(BaseModel):
    """One field that failed validation."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "body.currency", "reason": "String should have at most 3 characters"}]}
    )

    name: str = Field(description="Dotted location of the field, e.g. `body.documents.0.number`.")
    reason: str = Field(description="What is wrong with it and what is expected instead.")


class Problem(BaseModel):
    """An RFC 9457 problem details document."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "https://carrots.example/problems/validation",
                    "title": "Invalid request",
                    "status": 422,
                    "detail": "The request is invalid. body.currency: String should have at most 3 characters",
                    "instance": "/v1/payouts",
                    "request_id": "4f9c2a7d1e6b4b0c9a8e2f1d3c5b7a90",
                    "invalid_params": [{"name": "body.currency", "reason": "String should have at most 3 characters"}],
                }
            ]
        }
    )

    type: str = Field(description="URI naming the kind of problem.")
    title: str = Field(description="Short summary of the kind of problem.")
    status: int = Field(description="HTTP status code.")
    detail: str = Field(description="What went wrong in this request and how to fix it.")
    instance: str | None = Field(default=None, description="The request path.")
    request_id: str | None = Field(default=None, description="Quote this id when asking for support.")
    invalid_params: list[InvalidParam] | None = Field(default=None, description="Fields that failed validation.")
    allowed: list[str] | None = Field(default=None, description="Allowed alternatives, where relevant.")


class ProblemError(Exception):
    """Base of every error that becomes a problem details response."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class NotFound(ProblemError):
    status, slug, title = 404, "not-found", "Not found"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Authentication required"


class Forbidden(ProblemError):
    status, slug, title = 403, "forbidden", "Not allowed"


class Conflict(ProblemError):
    status, slug, title = 409, "conflict", "Conflict with the current state"


class Unprocessable(ProblemError):
    status, slug, title = 422, "unprocessable", "Request cannot be processed"


class Gone(ProblemError):
    status, slug, title = 410, "gone", "No longer available"


class TooManyRequests(ProblemError):
    status, slug, title = 429, "too-many-requests", "Too many requests"


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Render a problem details response for this request."""
    body = Problem(
        type=PROBLEM_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        **extra,
    )
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, headers=exc.headers, **exc.extra)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    params = [InvalidParam(name=_location(tuple(e["loc"])), reason=e["msg"]) for e in exc.errors()]
    summary = "; ".join(f"{p.name}: {p.reason}" for p in params[:5])
    return problem_response(
        request,
        422,
        "validation",
        "Invalid request",
        f"The request is invalid. {summary}",
        invalid_params=params,
    )


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this request's path (one path may have several routes)."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "The request could not be handled."
    headers = dict(exc.headers or {})
    extra: dict[str, Any] = {}
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No route matches {request.method} {request.url.path}; see /docs for the API."
    if exc.status_code == 405:
        # The router names only the first route that matched the path; RFC 9110 wants every method.
        allowed = allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        extra["allowed"] = allowed
        detail = f"{request.method} is not allowed on {request.url.path}; use {' or '.join(allowed)}."
    return problem_response(
        request, exc.status_code, f"http-{exc.status_code}", "HTTP error", detail, headers=headers, **extra
    )


async def _on_erased(request: Request, exc: Exception) -> JSONResponse:
    # Wherever a read meets a destroyed partner key, the record's personal data no longer exists.
    return problem_response(
        request,
        410,
        "erased",
        "Personal data erased",
        "The personal data of this record was erased: its partner's keys were destroyed.",
    )


async def _on_tampered(request: Request, exc: Exception) -> JSONResponse:
    # A ciphertext moved to another row, column or partner, or altered: never served, never guessed at.
    structlog.get_logger().error("ciphertext_refused", path_template=_route_template(request))
    return problem_response(
        request,
        500,
        "integrity",
        "Stored data failed its integrity check",
        "A stored value of this record does not belong to it and was not served; quote the request id.",
    )


def _route_template(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", "unknown"))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(
        request,
        500,
        "internal",
        "Internal error",
        "An unexpected error occurred; quote the request id.",
    )


async def _on_database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    # The database refused or dropped the connection, or the pool is exhausted: nothing was committed.
    structlog.get_logger().warning("database_unavailable", path_template=_route_template(request), exc_info=exc)
    return problem_response(
        request,
        503,
        "database-unavailable",
        "Database unavailable",
        "The service could not reach its database and changed nothing; retry shortly.",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error, validation included, as `application/problem+json`."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(KeyDestroyed, _on_erased)
    app.add_exception_handler(CiphertextInvalid, _on_tampered)
    for unavailable in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(unavailable, _on_database_unavailable)
    app.add_exception_handler(Exception, _on_unexpected)


PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed request, or a required `Idempotency-Key` header is missing.",
    401: "Missing, expired or invalid bearer token (or event signature).",
    403: "The token lacks a required scope or caller kind, or the caller may not act on its own work.",
    404: "No such record for this caller (records of other tenants are reported the same way).",
    409: "Conflicts with the record's current state, or a request with this Idempotency-Key is in flight.",
    410: "The record was withdrawn, or its personal data erased (type `.../erased`).",
    413: "The request body is larger than this operation accepts.",
    422: "Invalid body or parameters (`invalid_params` lists each field), or an Idempotency-Key reused with "
    "another request.",
    429: "Too many attempts; retry later (see `Retry-After` where sent).",
    500: "Unexpected error, or stored data that failed its integrity check; quote the `request_id`.",
    503: "The database or the identity provider is unreachable; nothing was changed, retry shortly.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting problem details for these statuses."""
    return {s: {"description": PROBLEM_DESCRIPTIONS.get(s, "Error.")} for s in statuses}


def may_answer(*statuses: int) -> Callable[[CallableT], CallableT]:
    """Declare the problem statuses a dependency can answer: every operation that uses it documents them.

    A dependency that hands out the field cipher declares 410: whatever decrypts may meet an erased partner.
    """

    def mark(dependency: CallableT) -> CallableT:
        setattr(dependency, _STATUSES_ATTRIBUTE, declared_statuses(dependency) | frozenset(statuses))
        return dependency

    return mark


def declared_statuses(dependency: object) -> frozenset[int]:
    """The problem statuses a dependency declared with `may_answer`."""
    statuses: frozenset[int] = getattr(dependency, _STATUSES_ATTRIBUTE, frozenset())
    return statuses
