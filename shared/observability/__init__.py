"""Structured JSON logs with a request id, Prometheus metrics, a trace span per request, and health endpoints.

`logs` configures logging and redaction, `metrics` the per-app registry and domain gauges, `middleware` the
per-request context, `health` the operations endpoints; the names below are what the services use.
"""

from shared.observability.health import health_router
from shared.observability.logs import (
    PERSONAL_KEYS,
    REQUEST_ID_HEADER,
    bind_service,
    configure_logging,
    current_request_id,
    describe_exception,
)
from shared.observability.metrics import DomainGauges, DomainRefresh, Metrics
from shared.observability.middleware import RequestContextMiddleware

__all__ = [
    "PERSONAL_KEYS",
    "REQUEST_ID_HEADER",
    "DomainGauges",
    "DomainRefresh",
    "Metrics",
    "RequestContextMiddleware",
    "bind_service",
    "configure_logging",
    "current_request_id",
    "describe_exception",
    "health_router",
]
