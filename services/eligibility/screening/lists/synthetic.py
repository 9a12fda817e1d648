"""The synthetic sanctions list that ships with the project, so that a fresh embedded system can approve anyone.

Every entry in it is made up (see the file's header); production deployments load the published lists.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.eligibility.screening.lists import repository, rescreening, service
from services.eligibility.screening.lists.service import ScreeningState
from shared.auth import CallerKind, Principal
from shared.db import session_scope
from shared.outbox import EventPublisher
from shared.schemas.eligibility import SanctionsListRead
from shared.tenancy import ALL_TENANTS, scope_to_tenant

SYNTHETIC_LIST = Path(__file__).parent / "data" / "synthetic_sdn.xml"
SYNTHETIC_SOURCE = "ofac_sdn"
LOADER = Principal(org="platform", kind=CallerKind.operator, subject="carrots-up:synthetic-list")


async def load_synthetic_list_unless_any(
    maker: async_sessionmaker[AsyncSession], publisher: EventPublisher
) -> SanctionsListRead | None:
    """Load the synthetic list when no list was ever loaded (the worker re-screens everyone); else do nothing."""
    async with session_scope(maker) as session:
        scope_to_tenant(session, ALL_TENANTS)
        if await repository.latest_list_ids(session):
            return None
        content = SYNTHETIC_LIST.read_bytes()
        loaded = await service.load_sanctions_list(
            session, ScreeningState(), publisher, LOADER, SYNTHETIC_SOURCE, content
        )
        await rescreening.queue_rescreening(session, publisher, LOADER, loaded)
        return loaded
