"""Operations endpoints: liveness, readiness and the Prometheus scrape behind the metrics token."""

from __future__ import annotations

import hmac

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy import text

from shared.config import Environment, ServiceSettings
from shared.errors import Unauthorized
from shared.schemas.common import Health


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
