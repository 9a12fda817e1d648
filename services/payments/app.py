"""Payments service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.payments.background import PERIODIC
from services.payments.config import PaymentsSettings
from services.payments.ledger.chain import load_checkpoint_signer
from services.payments.metrics import payments_metrics
from services.payments.models import Base, tables
from services.payments.router import routers
from shared.app import ExtraLifespan, ServiceSpec, build_app
from shared.schemas.catalogue import EVENT_TYPES


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
            routers=routers,
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
