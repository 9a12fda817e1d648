"""The obligations' periodic work, run by the payments worker: due tranches and stipend months released."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from services.payments.config import PaymentsSettings
from services.payments.obligations.service import release_due
from shared.auth import CallerKind, Principal
from shared.db import session_scope
from shared.jobs import Periodic
from shared.tenancy import ALL_TENANTS, scope_to_tenant

log = structlog.get_logger("carrots.payments")
WORKER = Principal(org="payments", kind=CallerKind.service, subject="worker:release-due")


async def release_due_obligations(app: FastAPI) -> None:
    """Release every partner's stipend months and delayed tranches due by today."""
    async with session_scope(app.state.sessionmaker) as session:
        scope_to_tenant(session, ALL_TENANTS)
        released = await release_due(session, WORKER, datetime.now(UTC).date(), app.state.publisher)
    if released:
        log.info("obligations_released_when_due", count=len(released))


def _release_every(settings: PaymentsSettings) -> float:
    return settings.release_due_interval_seconds


RELEASE_DUE = Periodic("payments.release_due", _release_every, release_due_obligations)
