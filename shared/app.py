"""The app factory every service builds on: settings in, a wired FastAPI app out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import MetaData
from starlette.types import ASGIApp

from shared.asyncapi import asyncapi_router
from shared.auth import TokenVerifier
from shared.config import Environment, ServiceSettings
from shared.contract import complete_errors, complete_examples, complete_security, operation_id
from shared.crypto import FieldCipher
from shared.db import make_engine, make_sessionmaker
from shared.deliveries import repository as delivery_repository
from shared.deliveries.router import router as operator_deliveries_router
from shared.devkeys import with_dev_defaults
from shared.edge import InternalOnly, MountedUnder
from shared.errors import install_problem_handlers
from shared.idempotency import PURGE_EXPIRED_KEYS, InFlightKeys
from shared.jobs import JobKind, Periodic, prune_finished_jobs
from shared.keys import master_keys_from_settings, vault_from_settings
from shared.limits import DEFAULT_BODY_LIMIT, RequestGuardMiddleware, TooLargeAsProblem, document_parameter_bounds
from shared.observability import (
    DomainRefresh,
    Metrics,
    RequestContextMiddleware,
    configure_logging,
    health_router,
)
from shared.outbox import EventPublisher, OutboxDispatcher
from shared.plumbing import PlumbingTables
from shared.registry import HttpSnapshotSource, OrganisationDirectory
from shared.retries import key_creating_routes
from shared.schemas.catalogue import PROGRAMME_EVENT_TYPES
from shared.servicekeys import PeerKeys, ServiceIdentity, load_signing_keys
from shared.subscriptions.addresses import check_public_host
from shared.subscriptions.router import document_partner_deliveries
from shared.subscriptions.router import router as webhooks_router
from shared.subscriptions.service import WebhookTools
from shared.tracing import Tracing, otlp_endpoint, propagate_trace, span_exporter

ExtraLifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass
class ServiceSpec:
    """What a service contributes to the common app: its name, docs, routers and tables."""

    name: str
    title: str
    description: str
    metadata: MetaData
    tables: PlumbingTables
    routers: Sequence[APIRouter]
    openapi_tags: list[dict[str, Any]] = field(default_factory=list)
    extra_lifespan: ExtraLifespan | None = None
    # Whether the app checks organisations against the registry (every service except the registry itself).
    consults_registry: bool = True
    # The event types the service announces (`shared.schemas.catalogue`); it refuses to publish others.
    event_types: frozenset[str] | None = None
    # Background work, run by `carrots worker <service>` and never by an API process.
    jobs: Sequence[JobKind] = ()
    periodic: Sequence[Periodic] = ()
    # The service's domain gauges: given the app's metrics, defines them and returns what refreshes them from the
    # database at each scrape (`shared.observability.DomainGauges`).
    domain_metrics: Callable[[Metrics], DomainRefresh] | None = None


WEBHOOK_TAGS = [
    {
        "name": "webhooks",
        "description": "Partners' webhook subscriptions to this service's events about their own records, "
        "signed per Standard Webhooks, and their deliveries (dead ones listed and redelivered).",
    },
    {
        "name": "event deliveries",
        "description": "For platform operators: every delivery of this service's events, to peer services and "
        "to partners' webhooks; dead ones listed and redelivered.",
    },
]


async def _prune_finished_jobs(app: FastAPI) -> None:
    retention = timedelta(days=app.state.settings.job_retention_days)
    await prune_finished_jobs(app.state.sessionmaker, app.state.tables, retention)


# Every service's worker keeps its job table short: finished jobs go after `<P>_JOB_RETENTION_DAYS`.
PRUNE_FINISHED_JOBS = Periodic("jobs.prune_finished", lambda settings: 3600.0, _prune_finished_jobs)


def _verifier(
    settings: ServiceSettings, identity: ServiceIdentity, directory: OrganisationDirectory | None
) -> TokenVerifier:
    return TokenVerifier(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        public_key_path=None if settings.jwks_url else settings.jwt_dev_public_key_path,
        jwks_url=settings.jwks_url,
        service_name=identity.name,
        peers=identity.peers,
        directory=directory,
    )


def service_identity(name: str, settings: ServiceSettings) -> ServiceIdentity:
    """This service's signing keys and the public keys of its peers, as configured."""
    return ServiceIdentity(name, load_signing_keys(settings.signing_keys), PeerKeys.from_config(settings.peer_keys))


def build_app(settings: ServiceSettings, spec: ServiceSpec) -> FastAPI:
    """Create a service app: database, auth, encryption, outbox, errors, logs, metrics and health."""
    settings = with_dev_defaults(settings)
    identity = service_identity(spec.name, settings)
    configure_logging(service=spec.name)
    metrics = Metrics(spec.name)
    tracing = Tracing(spec.name, span_exporter(otlp_endpoint(settings.otlp_endpoint)))
    refresh_domain = spec.domain_metrics(metrics) if spec.domain_metrics is not None else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        maker = make_sessionmaker(engine)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = maker
        app.state.tables = spec.tables
        app.state.identity = identity
        masters = master_keys_from_settings(settings)
        app.state.key_vault = vault_from_settings(settings, masters)
        app.state.cipher = FieldCipher(spec.tables, masters, app.state.key_vault)
        app.state.blind_index_key = (
            settings.blind_index_key.get_secret_value().encode() if settings.blind_index_key else b""
        )
        app.state.publisher = EventPublisher(spec.tables, settings.subscribers, spec.name, catalogue=spec.event_types)
        app.state.webhook_tools = WebhookTools(
            service=spec.name,
            tables=spec.tables,
            publisher=app.state.publisher,
            cipher=app.state.cipher,
            environment=settings.environment,
            event_types=(spec.event_types or frozenset()) - PROGRAMME_EVENT_TYPES,
        )
        app.state.inflight_keys = InFlightKeys()

        async def count_dead() -> None:
            async with maker() as session:
                for receiver, count in (await delivery_repository.count_dead(session, spec.tables)).items():
                    metrics.dead_deliveries.labels(spec.name, receiver).set(count)

        app.state.metric_refreshers = [count_dead]
        if refresh_domain is not None:
            app.state.metric_refreshers.append(partial(refresh_domain, maker))
        async with AsyncExitStack() as stack:
            client = await stack.enter_async_context(
                httpx.AsyncClient(timeout=10.0, event_hooks={"request": [propagate_trace]})
            )
            app.state.http = client
            # A directory set on the app before start-up (tests, tools) stands in for the registry service.
            directory: OrganisationDirectory | None = (
                getattr(app.state, "registry_preset", None) if spec.consults_registry else None
            )
            if directory is None and spec.consults_registry:
                directory = OrganisationDirectory(
                    HttpSnapshotSource(settings.registry_url, client, identity),
                    refresh_seconds=settings.registry_refresh_seconds,
                    max_staleness_seconds=settings.registry_max_staleness_seconds,
                )
            app.state.registry = directory
            app.state.verifier = _verifier(settings, identity, directory)
            app.state.dispatcher = OutboxDispatcher(
                maker,
                spec.tables,
                identity,
                client,
                cipher=app.state.cipher,
                on_dead=lambda receiver: metrics.deliveries_died.labels(spec.name, receiver).inc(),
                address_check=check_public_host if settings.environment is Environment.production else None,
                tracing=tracing,
            )
            if spec.extra_lifespan is not None:
                await stack.enter_async_context(spec.extra_lifespan(app))
            # No background loop here: events, jobs and schedules run in the service's worker process.
            yield
        await engine.dispose()
        tracing.flush()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_tags=[*spec.openapi_tags, *WEBHOOK_TAGS],
        generate_unique_id_function=operation_id,
        # Routes that take uploads declare their own `max_body_size`.
        max_body_size=DEFAULT_BODY_LIMIT,
    )
    app.state.metrics = metrics
    app.state.tracing = tracing
    app.state.settings = settings
    app.state.identity = identity
    app.state.job_kinds = list(spec.jobs)
    app.state.periodic = [*spec.periodic, PRUNE_FINISHED_JOBS, PURGE_EXPIRED_KEYS]
    install_problem_handlers(app)
    app.add_middleware(RequestGuardMiddleware)
    if settings.internal_port is not None:
        app.add_middleware(InternalOnly, port=settings.internal_port)
    app.add_middleware(RequestContextMiddleware, metrics=metrics, tracing=tracing)
    if settings.root_path:
        app.add_middleware(MountedUnder, prefix=settings.root_path)
    build_stack = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        # Outside FastAPI's own layers, where the body limiter answers a 413 in plain text.
        return TooLargeAsProblem(build_stack())

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]
    app.include_router(health_router(spec.name))
    app.include_router(asyncapi_router(spec.name, spec.title))
    # Partners' webhooks everywhere but in the registry, which holds no partner's records and no partner calls.
    partner_webhooks = [webhooks_router] if spec.consults_registry else []
    for router in [*spec.routers, *partner_webhooks, operator_deliveries_router]:
        key_creating_routes(router.routes)
        app.include_router(router)
    if spec.consults_registry:
        document_partner_deliveries(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                webhooks=app.webhooks.routes,
                tags=app.openapi_tags,
            )
            complete_security(schema)
            complete_errors(schema, app.routes)
            complete_examples(schema)
            document_parameter_bounds(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
