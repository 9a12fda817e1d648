"""Payments service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.payments.audit.router import router as audit_router
from services.payments.banking.router import router as banking_router
from services.payments.config import PaymentsSettings
from services.payments.ledger.chain import load_checkpoint_signer
from services.payments.ledger.jobs import SIGN_CHECKPOINTS
from services.payments.ledger.router import router as ledger_router
from services.payments.models import Base, tables
from services.payments.obligations.jobs import RELEASE_DUE
from services.payments.obligations.router import router as obligations_router
from services.payments.payouts.metrics import payments_metrics
from services.payments.payouts.router import router as payouts_router
from services.payments.releases.router import router as releases_router
from shared.app import ExtraLifespan, ServiceSpec, build_app
from shared.schemas.catalogue import EVENT_TYPES

# Each domain brings its HTTP routes (`router.py`) and its periodic work for the worker (`jobs.py`).
ROUTERS = (ledger_router, obligations_router, releases_router, payouts_router, banking_router, audit_router)
PERIODIC = (RELEASE_DUE, SIGN_CHECKPOINTS)


def create_app(settings: PaymentsSettings | None = None) -> FastAPI:
    """Build the payments app from its settings (read from the environment when omitted)."""
    settings = settings or PaymentsSettings()
    return build_app(
        settings,
        ServiceSpec(
            name="payments",
            domain_metrics=payments_metrics,
            event_types=EVENT_TYPES["payments"],
            title="carrots payments",
            description=(
                "A double-entry ledger of partner funding and beneficiary payouts, in integer minor units, with "
                "approvals, idempotency, bank files and a hash-chained, signed, auditor-verifiable history."
            ),
            metadata=Base.metadata,
            tables=tables,
            routers=ROUTERS,
            extra_lifespan=_checkpoint_lifespan(settings),
            periodic=PERIODIC,
        ),
    )


def _checkpoint_lifespan(settings: PaymentsSettings) -> ExtraLifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.checkpoint_signer = load_checkpoint_signer(app.state.settings)
        yield

    return lifespan
