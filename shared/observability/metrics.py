"""Prometheus metrics per app: request counters and latency, delivery gauges, and a service's domain gauges."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


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
