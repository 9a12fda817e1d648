"""Structured JSON logs with a request id, Prometheus metrics, a trace span per request, and health endpoints."""

from __future__ import annotations

import hmac
import logging
import re
import sys
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from contextvars import ContextVar
from typing import Any

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from opentelemetry import context as otel_context
from opentelemetry import trace
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.config import Environment, ServiceSettings
from shared.errors import Unauthorized
from shared.schemas.common import Health
from shared.tracing import Tracing, context_from_headers

REQUEST_ID_HEADER = "X-Request-ID"
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# The service a line is about: set per request and per worker task, so that one process running several
# services (tests, `carrots worker all`) still names the right one; else the process's own service.
_service: ContextVar[str | None] = ContextVar("service", default=None)
_process_service: list[str] = []
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


def bind_service(name: str) -> None:
    """Name the service in every log line of the current task and the tasks it starts."""
    _service.set(name)


def _add_service(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    event.setdefault("service", _service.get() or (_process_service[0] if _process_service else "carrots"))
    return event


def _drop_personal_data(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key.lower() in PERSONAL_KEYS:
            event[key] = "[redacted]"
    return event


def describe_exception(exc: BaseException) -> dict[str, Any]:
    """What a log may say about an exception: its type, where it was raised, never its message.

    Messages carry values: a database error quotes the row it refused (PostgreSQL's `DETAIL: Key (...)=(...)`),
    a parse error the text it could not parse. The frames and types locate the fault; the request id links it to
    the request, so nothing else is needed to start looking.
    """
    chain: list[dict[str, Any]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(chain) < 5:
        seen.add(id(current))
        entry: dict[str, Any] = {"type": f"{type(current).__module__}.{type(current).__qualname__}"}
        sqlstate = getattr(current, "sqlstate", None) or getattr(getattr(current, "orig", None), "sqlstate", None)
        if isinstance(sqlstate, str):
            entry["sqlstate"] = sqlstate
        entry["frames"] = [
            f"{frame.filename.rsplit('/site-packages/', 1)[-1]}:{frame.lineno} {frame.name}"
            for frame in traceback.extract_tb(current.__traceback__)[-_MAX_FRAMES:]
        ]
        chain.append(entry)
        current = current.__cause__ or current.__context__
    return {"exception_chain": chain}


_MAX_FRAMES = 15


def _exception_without_values(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    exc_info = event.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        event.update(describe_exception(exc_info))
    elif isinstance(exc_info, tuple) and len(exc_info) == 3 and isinstance(exc_info[1], BaseException):
        event.update(describe_exception(exc_info[1]))
    event.pop("exception", None)
    event.pop("stack", None)
    return event


def _log_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service,
        _drop_personal_data,
        _exception_without_values,
    ]


def configure_logging(level: int = logging.INFO, *, service: str | None = None) -> None:
    """JSON logs on stdout, with the service, the request id and personal-data keys redacted, for every logger.

    `service` names the process's service in lines outside any request or worker task; the first one given
    stays (a process that runs several services names itself first).

    Libraries log through the standard `logging` module (uvicorn prints an unhandled error there with its
    traceback); their records go through the same processors, so no traceback or message escapes redaction.
    """
    if service is not None and not _process_service:
        _process_service.append(service)
    structlog.configure(
        processors=[*_log_processors(), structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _exception_without_values,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *_log_processors()],
            keep_exc_info=False,
        )
    )
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != _HANDLER_NAME]
    root.addHandler(handler)
    root.setLevel(level)
    # Client libraries log each outgoing request at INFO; the dispatcher logs failures itself.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # uvicorn installs its own plain-text handlers; its records go through the JSON handler on the root instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy", "alembic"):
        library = logging.getLogger(name)
        library.handlers = []
        library.propagate = True


_HANDLER_NAME = "carrots-json"


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
        self.dead_deliveries = Gauge(
            "event_deliveries_dead",
            "Event deliveries that gave up after their last retry and are kept for a redelivery, by receiver "
            "(`service`: a peer service, `webhook`: a partner); read from the database at each scrape",
            ["service", "receiver"],
            registry=self.registry,
        )
        self.deliveries_died = Counter(
            "event_deliveries_died_total",
            "Event deliveries this process marked dead after their last retry, by receiver",
            ["service", "receiver"],
            registry=self.registry,
        )
        self.service = service


# Refreshes a service's domain gauges from its database, at each scrape of /metrics.
DomainRefresh = Callable[[async_sessionmaker[AsyncSession]], Awaitable[None]]


class DomainGauges:
    """Gauges of a service's records (payouts, cases, hits...), read from its database at each scrape.

    Read rather than counted in process: every replica reports the same figures, and a restart loses none.
    Labels are bounded vocabularies (a status, a currency), never an identifier.
    """

    def __init__(self, metrics: Metrics) -> None:
        self._registry = metrics.registry

    def gauge(self, name: str, documentation: str, labels: Sequence[str]) -> Gauge:
        """A gauge of this service, `carrots_` prefixed."""
        return Gauge(f"carrots_{name}", documentation, list(labels), registry=self._registry)

    @staticmethod
    def set_all(gauge: Gauge, rows: Iterable[Sequence[Any]]) -> None:
        """Replace a gauge's values with rows of (label values..., value); label sets no longer present go away."""
        gauge.clear()
        for *labels, value in rows:
            gauge.labels(*(str(label) for label in labels)).set(float(value or 0))


class RequestContextMiddleware:
    """Assigns or propagates the request id, logs one line per request, records metrics and a server span."""

    def __init__(self, app: ASGIApp, metrics: Metrics, tracing: Tracing | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.tracing = tracing or Tracing(metrics.service)
        self.log = structlog.get_logger("carrots.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        service_token = _service.set(self.metrics.service)
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

        method = scope["method"]
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k == b"traceparent"}
        # Named by the method until routing knows the template; no attribute carries the path or its query.
        span = self.tracing.tracer.start_span(
            method,
            context=context_from_headers(headers),
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method},
        )
        span_token = otel_context.attach(trace.set_span_in_context(span))
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            if span.is_recording():
                span.update_name(f"{method} {template}")
                span.set_attribute("http.route", template)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(trace.StatusCode.ERROR)
            span.end()
            otel_context.detach(span_token)
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
            _service.reset(service_token)


def _check_metrics_token(request: Request) -> None:
    settings: ServiceSettings = request.app.state.settings
    expected = settings.metrics_token
    if expected is None:
        # Without a token, production serves metrics only on the internal port (`shared.edge.InternalOnly`).
        if settings.environment is Environment.production and settings.internal_port is None:
            raise Unauthorized("Set <PREFIX>_METRICS_TOKEN and scrape /metrics with it as a bearer token.")
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.get_secret_value().encode()
    ):
        raise Unauthorized("Scrape /metrics with `Authorization: Bearer <metrics token>`.")


def health_router(service: str) -> APIRouter:
    """`/healthz` and `/readyz` open to infrastructure, `/metrics` to a scraper holding the metrics token."""
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

    @router.get(
        "/metrics",
        summary="Prometheus metrics",
        response_class=Response,
        responses={401: {"description": "No or wrong metrics token (`<PREFIX>_METRICS_TOKEN`)."}},
        openapi_extra={
            "x-tenant-rule": "Infrastructure only: a bearer token equal to `<PREFIX>_METRICS_TOKEN`; open without "
            "one only in development and test."
        },
    )
    async def metrics(request: Request) -> Response:
        """Prometheus text exposition of this service's metrics, for a scraper holding the metrics token."""
        _check_metrics_token(request)
        for refresh in getattr(request.app.state, "metric_refreshers", []):
            try:
                await refresh()
            except Exception:
                structlog.get_logger("carrots.metrics").exception("metric_refresh_failed")
        registry: CollectorRegistry = request.app.state.metrics.registry
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router
