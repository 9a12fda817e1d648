"""Asylum's domain metrics: cases per state."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.asylum.cases.models import Case
from shared.observability import DomainGauges, DomainRefresh, Metrics
from shared.tenancy import ALL_TENANTS, scope_to_tenant


def asylum_metrics(metrics: Metrics) -> DomainRefresh:
    """Define the gauge; the returned function reads it from the database (every partner's cases)."""
    cases = DomainGauges(metrics).gauge("cases", "Asylum cases by state", ["state"])

    async def refresh(maker: async_sessionmaker[AsyncSession]) -> None:
        async with maker() as session:
            scope_to_tenant(session, ALL_TENANTS)
            rows = (await session.execute(select(Case.state, func.count()).group_by(Case.state))).all()
        DomainGauges.set_all(cases, rows)

    return refresh
