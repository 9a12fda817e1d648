"""Testimony's domain metrics: publications live and taken down (by reason), consent changes by kind."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.testimony.models import ConsentEventRow, Publication
from shared.observability import DomainGauges, DomainRefresh, Metrics
from shared.tenancy import ALL_TENANTS, scope_to_tenant


def testimony_metrics(metrics: Metrics) -> DomainRefresh:
    """Define the gauges; the returned function reads them from the database (every partner's records)."""
    gauges = DomainGauges(metrics)
    publications = gauges.gauge(
        "publications", "Publications: `live`, or `taken_down` with the takedown's reason", ["state", "reason"]
    )
    consent_changes = gauges.gauge(
        "consent_changes", "Consent changes by kind (given, narrowed, renewed, withdrawn)", ["kind"]
    )

    async def refresh(maker: async_sessionmaker[AsyncSession]) -> None:
        async with maker() as session:
            scope_to_tenant(session, ALL_TENANTS)
            taken_down = Publication.taken_down_at.is_not(None)
            by_publication = (
                await session.execute(
                    select(taken_down, Publication.takedown_reason, func.count()).group_by(
                        taken_down, Publication.takedown_reason
                    )
                )
            ).all()
            by_kind = (
                await session.execute(select(ConsentEventRow.kind, func.count()).group_by(ConsentEventRow.kind))
            ).all()
        DomainGauges.set_all(
            publications,
            [("taken_down" if down else "live", reason or "", count) for down, reason, count in by_publication],
        )
        DomainGauges.set_all(consent_changes, by_kind)

    return refresh
