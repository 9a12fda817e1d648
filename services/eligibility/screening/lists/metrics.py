"""Eligibility's domain metrics, all about screening: hits by status and confidence, applicants by screening status."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.eligibility.models import Applicant, ScreeningHitRecord
from shared.observability import DomainGauges, DomainRefresh, Metrics
from shared.tenancy import ALL_TENANTS, scope_to_tenant


def eligibility_metrics(metrics: Metrics) -> DomainRefresh:
    """Define the gauges; the returned function reads them from the database (every partner's records)."""
    gauges = DomainGauges(metrics)
    hits = gauges.gauge("screening_hits", "Sanctions screening hits by status and confidence", ["status", "confident"])
    screened = gauges.gauge("applicants_by_screening", "Applicants by screening status", ["screening_status"])

    async def refresh(maker: async_sessionmaker[AsyncSession]) -> None:
        async with maker() as session:
            scope_to_tenant(session, ALL_TENANTS)
            by_hit = (
                await session.execute(
                    select(ScreeningHitRecord.status, ScreeningHitRecord.confident, func.count()).group_by(
                        ScreeningHitRecord.status, ScreeningHitRecord.confident
                    )
                )
            ).all()
            by_status = (
                await session.execute(
                    select(Applicant.screening_status, func.count()).group_by(Applicant.screening_status)
                )
            ).all()
        DomainGauges.set_all(
            hits, [(status, str(bool(confident)).lower(), count) for status, confident, count in by_hit]
        )
        DomainGauges.set_all(screened, by_status)

    return refresh
