"""OpenTelemetry traces: a server span per request, a client span per event delivery, the context in the envelope.

Spans go somewhere only when an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
`<PREFIX>_OTLP_ENDPOINT`). Without one the tracer is OpenTelemetry's no-op tracer: no span is recorded and
nothing leaves the process, but an incoming `traceparent` still passes through to the events a request publishes
and the calls it makes, so a service that does export sees one trace across services that do not.

Span attributes are a fixed, small vocabulary: the method, the route template (never the concrete path, never the
query string), the status, the event type and the kind of receiver. No body, header value or identifier.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING

import httpx
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from shared.schemas.common import TRACEPARENT_PATTERN

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

TRACEPARENT = "traceparent"
OTLP_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
_TRACEPARENT = re.compile(TRACEPARENT_PATTERN)
# Trace context only: baggage could carry anything a caller put in it, so it is neither read nor passed on.
_PROPAGATOR = TraceContextTextMapPropagator()


def otlp_endpoint(configured: str | None) -> str | None:
    """The OTLP/HTTP endpoint spans go to: the service's own setting, else the standard variable, else none."""
    return configured or os.environ.get(OTLP_ENDPOINT_ENV) or None


def span_exporter(endpoint: str | None) -> SpanExporter | None:
    """An OTLP/HTTP exporter to `endpoint` (its `/v1/traces`), or None when no endpoint is configured."""
    if not endpoint:
        return None
    # Imported only where traces are sent: the OTLP client and protobuf cost start-up time nobody else pays.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")


class Tracing:
    """One service's tracer: no-op until an exporter is given, then an SDK provider named after the service.

    Per app rather than OpenTelemetry's process-wide provider, so that several services in one process (tests,
    `carrots worker all`) each name their own spans.
    """

    def __init__(self, service: str, exporter: SpanExporter | None = None) -> None:
        self.service = service
        self.provider: TracerProvider | None = None
        self.tracer: trace.Tracer = trace.NoOpTracer()
        if exporter is not None:
            self.export_to(exporter)

    @property
    def exporting(self) -> bool:
        """Whether spans are recorded and exported."""
        return self.provider is not None

    def export_to(self, exporter: SpanExporter, *, batch: bool = True) -> None:
        """Record spans and send them to `exporter` (batched in a background thread unless `batch` is False)."""
        # The SDK is imported only where spans are recorded: a process without an exporter never loads it.
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

        if self.provider is None:
            self.provider = TracerProvider(resource=Resource.create({SERVICE_NAME: self.service}))
            self.tracer = self.provider.get_tracer("carrots")
        self.provider.add_span_processor(BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter))

    def flush(self) -> None:
        """Send the spans still waiting in a batch (an app that stops may start again: the exporters stay)."""
        if self.provider is not None:
            self.provider.force_flush()


def context_from_headers(headers: Mapping[str, str]) -> Context:
    """The trace context an incoming request carries in its `traceparent` header (empty when none or malformed)."""
    return _PROPAGATOR.extract(headers)


def context_from_traceparent(traceparent: str | None) -> Context | None:
    """The trace context an event envelope recorded, or None."""
    if not traceparent or not _TRACEPARENT.match(traceparent):
        return None
    return _PROPAGATOR.extract({TRACEPARENT: traceparent})


def current_traceparent() -> str | None:
    """The `traceparent` of the current span, to record in an event; None outside any trace."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT)


def inject_context(headers: MutableMapping[str, str], context: Context | None = None) -> None:
    """Add the `traceparent` of `context` (else the current span) to outgoing headers."""
    _PROPAGATOR.inject(headers, context=context)


async def propagate_trace(request: httpx.Request) -> None:
    """httpx request hook: the call continues the current trace at the service it reaches."""
    traceparent = current_traceparent()
    if traceparent is not None and TRACEPARENT not in request.headers:
        request.headers[TRACEPARENT] = traceparent
