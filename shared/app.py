"""The app factory every service builds on: settings in, a wired FastAPI app out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import MetaData

from shared.auth import TokenVerifier
from shared.config import ServiceSettings
from shared.contract import operation_id
from shared.crypto import FieldCipher
from shared.db import make_engine, make_sessionmaker
from shared.devkeys import with_dev_defaults
from shared.errors import install_problem_handlers
from shared.idempotency import InFlightKeys
from shared.keys import master_keys_from_settings, vault_from_settings
from shared.observability import (
    Metrics,
    RequestContextMiddleware,
    configure_logging,
    health_router,
)
from shared.outbox import EventPublisher, OutboxDispatcher
from shared.plumbing import PlumbingTables
from shared.servicekeys import PeerKeys, ServiceIdentity, load_signing_keys

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


def _verifier(settings: ServiceSettings, identity: ServiceIdentity) -> TokenVerifier:
    return TokenVerifier(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        public_key_path=None if settings.jwks_url else settings.jwt_dev_public_key_path,
        jwks_url=settings.jwks_url,
        service_name=identity.name,
        peers=identity.peers,
    )


def service_identity(name: str, settings: ServiceSettings) -> ServiceIdentity:
    """This service's signing keys and the public keys of its peers, as configured."""
    return ServiceIdentity(name, load_signing_keys(settings.signing_keys), PeerKeys.from_config(settings.peer_keys))


def build_app(settings: ServiceSettings, spec: ServiceSpec) -> FastAPI:
    """Create a service app: database, auth, encryption, outbox, errors, logs, metrics and health."""
    settings = with_dev_defaults(settings)
    identity = service_identity(spec.name, settings)
    configure_logging()
    metrics = Metrics(spec.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        maker = make_sessionmaker(engine)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessionmaker = maker
        app.state.tables = spec.tables
        app.state.identity = identity
        app.state.verifier = _verifier(settings, identity)
        masters = master_keys_from_settings(settings)
        app.state.key_vault = vault_from_settings(settings, masters)
        app.state.cipher = FieldCipher(spec.tables, masters, app.state.key_vault)
        app.state.blind_index_key = (
            settings.blind_index_key.get_secret_value().encode() if settings.blind_index_key else b""
        )
        app.state.publisher = EventPublisher(spec.tables, settings.subscribers, spec.name)
        app.state.inflight_keys = InFlightKeys()
        async with AsyncExitStack() as stack:
            client = await stack.enter_async_context(httpx.AsyncClient(timeout=10.0))
            app.state.http = client
            app.state.dispatcher = OutboxDispatcher(maker, spec.tables, identity, client)
            if spec.extra_lifespan is not None:
                await stack.enter_async_context(spec.extra_lifespan(app))
            async with anyio.create_task_group() as tg:
                if settings.outbox_enabled and settings.subscribers:
                    tg.start_soon(app.state.dispatcher.run_forever, settings.outbox_poll_seconds)
                try:
                    yield
                finally:
                    tg.cancel_scope.cancel()
        await engine.dispose()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_tags=spec.openapi_tags,
        generate_unique_id_function=operation_id,
    )
    app.state.metrics = metrics
    app.state.settings = settings
    app.state.identity = identity
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    app.include_router(health_router(spec.name))
    for router in spec.routers:
        app.include_router(router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
            )
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "A JWT from the partner's identity provider with `org`, `kind` and `scope` claims.",
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
