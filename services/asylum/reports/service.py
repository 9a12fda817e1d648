"""Statistics without personal data, and duress alerts for protection officers; flush, never commit."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.cases.reporting import (
    TransitionRecord,
    collect_stay_days,
    compute_median_days,
    count_cases_by_state,
    count_decisions_per_month,
    is_small_cell,
)
from services.asylum.cases.service import format_case_reference_text, load_case
from services.asylum.cases.states import CaseState
from services.asylum.models import tables
from services.asylum.reports import repository
from shared.audit import record_audit
from shared.auth import Principal
from shared.pagination import PageParams, split_page
from shared.schemas.asylum import CaseStatistics, ProtectionAlertRead, SuppressibleCount, SuppressibleDays
from shared.schemas.common import Page


def describe_count(cases: int, min_cell: int) -> SuppressibleCount:
    """A count as shown to partners: withheld when it could single out people."""
    if is_small_cell(cases, min_cell):
        return SuppressibleCount(value=None, suppressed=True)
    return SuppressibleCount(value=cases, suppressed=False)


def describe_median_days(days: list[float], min_cell: int) -> SuppressibleDays:
    """A median stay as shown to partners: withheld when taken over too few cases."""
    if is_small_cell(len(days), min_cell):
        return SuppressibleDays(value=None, suppressed=True)
    return SuppressibleDays(value=compute_median_days(days), suppressed=False)


async def compute_statistics(session: AsyncSession, partner_id: str, min_cell: int) -> CaseStatistics:
    """Cases by state, median days per state and decisions per month, from history alone, small cells withheld."""
    records = [
        TransitionRecord(uuid.UUID(case_id), CaseState(state), at)
        for case_id, state, at in await repository.list_partner_history(session, partner_id)
    ]
    return CaseStatistics(
        min_cell=min_cell,
        cases_by_state={s.value: describe_count(n, min_cell) for s, n in count_cases_by_state(records).items()},
        median_days_per_state={
            s.value: describe_median_days(days, min_cell) for s, days in collect_stay_days(records).items()
        },
        decisions_per_month={
            month: {s.value: describe_count(n, min_cell) for s, n in counts.items()}
            for month, counts in count_decisions_per_month(records).items()
        },
    )


async def list_protection_alerts(
    session: AsyncSession, actor: Principal, page: PageParams
) -> Page[ProtectionAlertRead]:
    """Cases whose duress secret was used, for the partner's protection officers."""
    rows = await repository.list_flagged_cases(session, page)
    items, cursor = split_page(rows, page, lambda c: c.id)
    await record_audit(
        session, tables, actor, "case.alerts_listed", "case", "*", partner_id=actor.org, detail={"count": len(items)}
    )
    return Page[ProtectionAlertRead](
        items=[
            ProtectionAlertRead(
                case_id=c.id,
                reference=format_case_reference_text(c.reference),
                flagged_at=c.protection_flagged_at or c.created_at,
                flag_count=c.protection_flag_count,
            )
            for c in items
        ],
        next_cursor=cursor,
    )


async def acknowledge_protection_alert(session: AsyncSession, actor: Principal, case_id: str) -> None:
    """Clear a case's duress flag once a protection officer has acted on it."""
    case = await load_case(session, case_id, for_update=True)
    case.protection_flagged_at = None
    case.protection_flag_count = 0
    # Audit only: announcing it would tell subscribers that the case's duress secret had been used.
    await record_audit(session, tables, actor, "case.alert_acknowledged", "case", case.id, partner_id=case.partner_id)
