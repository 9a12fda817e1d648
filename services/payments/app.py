"""Payments service."""

from __future__ import annotations

from fastapi import FastAPI

from services.payments.config import PaymentsSettings
from services.payments.models import Base, tables
from services.payments.router import router
from shared.app import ServiceSpec, build_app


def create_app(settings: PaymentsSettings | None = None) -> FastAPI:
    """Build the payments app from its settings (read from the environment when omitted)."""
    return build_app(
        settings or PaymentsSettings(),
        ServiceSpec(
            name="payments",
            title="carrots payments",
            description=(
                "A double-entry ledger of partner funding and beneficiary payouts, in integer minor units, "
                "with approvals, idempotency and tamper evidence."
            ),
            metadata=Base.metadata,
            tables=tables,
            routers=[router],
        ),
    )
