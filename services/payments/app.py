"""Payments service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import structlog
from fastapi import FastAPI

from services.payments.config import PaymentsSettings
from services.payments.ledger import service as ledger
from services.payments.ledger.chain import CheckpointSigner, load_checkpoint_signer
from services.payments.models import Base, tables
from services.payments.router import routers
from shared.app import ExtraLifespan, ServiceSpec, build_app
from shared.db import session_scope
from shared.schemas.catalogue import EVENT_TYPES
from shared.tenancy import ALL_TENANTS, scope_to_tenant

log = structlog.get_logger("carrots.payments")


def create_app(settings: PaymentsSettings | None = None) -> FastAPI:
    """Build the payments app from its settings (read from the environment when omitted)."""
    settings = settings or PaymentsSettings()
    return build_app(
        settings,
        ServiceSpec(
            name="payments",
            event_types=EVENT_TYPES["payments"],
            title="carrots payments",
            description=(
                "A double-entry ledger of partner funding and beneficiary payouts, in integer minor units, with "
                "approvals, idempotency, bank files and a hash-chained, signed, auditor-verifiable history."
            ),
            metadata=Base.metadata,
            tables=tables,
            routers=routers,
            extra_lifespan=_checkpoint_lifespan(settings),
        ),
    )


def _checkpoint_lifespan(settings: PaymentsSettings) -> ExtraLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        signer = load_checkpoint_signer(app.state.settings)
        app.state.checkpoint_signer = signer
        async with anyio.create_task_group() as tg:
            if settings.checkpoint_interval_seconds > 0:
                tg.start_soon(_sign_periodically, app, signer, settings.checkpoint_interval_seconds)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()

    return lifespan


async def _sign_periodically(app: FastAPI, signer: CheckpointSigner, interval: float) -> None:
    while True:
        await anyio.sleep(interval)
        # Shutdown cancels only the sleep: a signing transaction is never cut off half way.
        with anyio.CancelScope(shield=True):
            await _sign_once(app, signer)


async def _sign_once(app: FastAPI, signer: CheckpointSigner) -> None:
    try:
        async with session_scope(app.state.sessionmaker) as session:
            scope_to_tenant(session, ALL_TENANTS)
            signed = await ledger.sign_all_chain_heads(session, signer, app.state.publisher)
        if signed:
            log.info("checkpoints_signed", count=len(signed))
    except Exception:
        log.exception("checkpoint_signing_failed")
