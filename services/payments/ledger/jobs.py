"""The ledger's periodic work, run by the payments worker: chain heads signed."""

from __future__ import annotations

import structlog
from fastapi import FastAPI

from services.payments.config import PaymentsSettings
from services.payments.ledger.checkpoints import sign_all_chain_heads
from shared.db import session_scope
from shared.jobs import Periodic
from shared.tenancy import ALL_TENANTS, scope_to_tenant

log = structlog.get_logger("carrots.payments")


async def sign_chain_heads(app: FastAPI) -> None:
    """Sign the head of every chain that moved since its last checkpoint."""
    async with session_scope(app.state.sessionmaker) as session:
        scope_to_tenant(session, ALL_TENANTS)
        signed = await sign_all_chain_heads(session, app.state.checkpoint_signer, app.state.publisher)
    if signed:
        log.info("checkpoints_signed", count=len(signed))


def _checkpoint_every(settings: PaymentsSettings) -> float:
    return settings.checkpoint_interval_seconds


SIGN_CHECKPOINTS = Periodic("payments.sign_checkpoints", _checkpoint_every, sign_chain_heads)
