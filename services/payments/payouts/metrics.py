"""Payments' domain metrics: payouts and their amounts per currency and status, and obligations per status.

Here because payouts are what the gauges are mostly about; the obligation count rides along in the same refresh.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.payments.obligations.models import Obligation
from services.payments.payouts.models import Payout
from shared.observability import DomainGauges, DomainRefresh, Metrics
from shared.tenancy import ALL_TENANTS, scope_to_tenant


def payments_metrics(metrics: Metrics) -> DomainRefresh:
    """Define the gauges; the returned function reads them from the database (every partner's records)."""
    gauges = DomainGauges(metrics)
    payouts = gauges.gauge("payouts", "Payouts by currency and status", ["currency", "status"])
    amounts = gauges.gauge(
        "payout_amount_minor", "Sum of payout amounts in the currency's minor units, by status", ["currency", "status"]
    )
    obligations = gauges.gauge("obligations", "Obligations (tranches, stipend months) by status", ["status"])

    async def refresh(maker: async_sessionmaker[AsyncSession]) -> None:
        async with maker() as session:
            scope_to_tenant(session, ALL_TENANTS)
            by_payout = (
                await session.execute(
                    select(Payout.currency, Payout.status, func.count(), func.sum(Payout.amount_minor)).group_by(
                        Payout.currency, Payout.status
                    )
                )
            ).all()
            by_obligation = (
                await session.execute(select(Obligation.status, func.count()).group_by(Obligation.status))
            ).all()
        DomainGauges.set_all(payouts, [(currency, status, count) for currency, status, count, _ in by_payout])
        DomainGauges.set_all(amounts, [(currency, status, total) for currency, status, _, total in by_payout])
        DomainGauges.set_all(obligations, by_obligation)

    return refresh
