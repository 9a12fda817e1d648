"""The request middleware: request id, one log line, metrics and a server span per request."""

from __future__ import annotations

import os
import time
from typing import Any

import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability.logs import REQUEST_ID_HEADER, SAFE_REQUEST_ID, request_id_var, service_var
from shared.observability.metrics import Metrics
from shared.tracing import Tracing, context_from_headers

_REQUEST_ID_NAME = REQUEST_ID_HEADER.lower().encode()
# Route templates are few; a bound keeps a flood of unmatched methods from growing the map of metric children.
_MAX_LABEL_SETS = 4096


def _new_request_id() -> str:
    """A random UUID version 4 as 32 hex digits, as `uuid.uuid4().hex` writes it, without building a UUID object."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    return raw.hex()


class RequestContextMiddleware:
    """Assigns or propagates the request id, logs one line per request, records metrics and a server span."""

    def __init__(self, app: ASGIApp, metrics: Metrics, tracing: Tracing | None = None) -> None:
        self.app = app
        self.metrics = metrics
        self.tracing = tracing or Tracing(metrics.service)
        self.log = structlog.get_logger("carrots.http")
        # The counter and histogram children of each (method, route, status), looked up once rather than per request.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def _metrics_of(self, method: str, template: str, status: int) -> tuple[Any, Any]:
        key = (method, template, status)
        children = self._children.get(key)
        if children is None:
            service = self.metrics.service
            children = (
                self.metrics.requests.labels(service, method, template, str(status)),
                self.metrics.latency.labels(service, method, template),
            )
            if len(self._children) < _MAX_LABEL_SETS:
                self._children[key] = children
        return children

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        traceparent: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name == _REQUEST_ID_NAME:
                incoming = value.decode("latin-1")
            elif name == b"traceparent":
                traceparent["traceparent"] = value.decode("latin-1")
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else _new_request_id()
        token = request_id_var.set(request_id)
        service_token = service_var.set(self.metrics.service)
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
        # Named by the method until routing knows the template; no attribute carries the path or its query.
        span = self.tracing.tracer.start_span(
            method,
            context=context_from_headers(traceparent),
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
            count, latency = self._metrics_of(method, template, status)
            count.inc()
            latency.observe(elapsed)
            # The route template, never the concrete path: paths can carry references.
            self.log.info(
                "request",
                method=method,
                route=template,
                status=status,
                ms=round(elapsed * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")
            request_id_var.reset(token)
            service_var.reset(service_token)
