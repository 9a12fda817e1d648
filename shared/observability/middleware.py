"""The request middleware: request id, one log line, metrics and a server span per request."""

from __future__ import annotations

import time
import uuid

import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.observability.logs import REQUEST_ID_HEADER, SAFE_REQUEST_ID, request_id_var, service_var
from shared.observability.metrics import Metrics
from shared.tracing import Tracing, context_from_headers


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
        request_id = incoming if SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
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
            request_id_var.reset(token)
            service_var.reset(service_token)
