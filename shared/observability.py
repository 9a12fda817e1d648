"""Structured JSON logs with a request id, Prometheus metrics, and health endpoints."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.schemas.common import Health

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# Keys that may carry personal data; their values never reach a log line.
PERSONAL_KEYS = frozenset(
    {
        "name",
        "names",
        "full_name",
        "given_name",
        "family_name",
        "patronymic",
        "birth_date",
        "date_of_birth",
        "document_number",
        "documents",
        "contact",
        "contacts",
        "email",
        "phone",
        "address",
        "secret",
        "duress_secret",
        "token",
        "authorization",
        "iban",
        "text",
        "body",
    }
)


def current_request_id() -> str | None:
    """The id of the request being handled, if any."""
    return _request_id.get()


def _drop_personal_data(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key.lower() in PERSONAL_KEYS:
            event[key] = "[redacted]"
    return event


def configure_logging(level: int = logging.INFO) -> None:
    """JSON logs on stdout, with the request id and personal-data keys redacted."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _drop_personal_data,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )


class Metrics:
    """Per-app Prometheus registry, so several apps can live in one process."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Request latency",
            ["service", "method", "route"],
            registry=self.registry,
        )
        self.service = service


class RequestContextMiddleware:
    """Assigns or propagates the request id, logs one line per request and records metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = structlog.get_logger("carrots.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope["method"]
            self.metrics.requests.labels(self.metrics.service, method, template, str(status)).inc()
            self.metrics.latency.labels(self.metrics.service, method, template).observe(elapsed)
            # The route template, never the concrete path: paths can carry references.
            self.log.info(
                "request",
                method=method,
                route=template,
                status=status,
                ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")
            _request_id.reset(token)


def health_router(service: str) -> APIRouter:
    """`/healthz`, `/readyz` and `/metrics`, open to infrastructure without a token."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", response_model=Health, summary="Liveness")
    async def healthz() -> Health:
        """Answers while the process is alive."""
        return Health(status="ok", service=service)

    @router.get(
        "/readyz",
        response_model=Health,
        summary="Readiness",
        responses={503: {"model": Health}},
    )
    async def readyz(request: Request) -> Response:
        """Answers 200 when the database is reachable, 503 otherwise."""
        try:
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            body = Health(
                status="unavailable",
                service=service,
                checks={"database": "unreachable"},
            )
            return JSONResponse(body.model_dump(), status_code=503)
        return JSONResponse(Health(status="ok", service=service, checks={"database": "ok"}).model_dump())

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        """Prometheus text exposition of this service's metrics."""
        registry: CollectorRegistry = request.app.state.metrics.registry
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
