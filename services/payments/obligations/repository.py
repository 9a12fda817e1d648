"""Every SQL statement about obligations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.obligations.models import ApplicantApproval, Obligation, TriggerOccurrence
from services.payments.payouts.models import ACTIVE_PAYOUT_STATES, Payout
from shared.db import lock_for_transaction
from shared.ids import new_id
from shared.pagination import PageParams, keyset_by

MANUAL_EVIDENCE = "manual_evidence"


async def lock_applicant(session: AsyncSession, applicant_id: str) -> None:
    """Hold the applicant's lock until the transaction ends: approvals and release conditions apply one at a time.

    Without it an approval and a condition heard at the same moment could each miss the other.
    """
    await lock_for_transaction(session, f"payments:applicant:{applicant_id}")


async def add_all(session: AsyncSession, rows: Sequence[Obligation]) -> None:
    """Add obligations and flush them."""
    session.add_all(rows)
    await session.flush()


async def count_for_assessment(session: AsyncSession, assessment_id: str) -> int:
    """How many obligations an assessment already has."""
    stmt = select(Obligation.id).where(Obligation.assessment_id == assessment_id)
    return len((await session.execute(stmt)).scalars().all())


async def get(session: AsyncSession, obligation_id: str, *, for_update: bool = False) -> Obligation | None:
    """One obligation of the scoped partner, or None; `for_update` row-locks it until the transaction ends."""
    stmt = select(Obligation).where(Obligation.id == obligation_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_waiting_for_trigger(
    session: AsyncSession, applicant_id: str, trigger: str, partner_ids: Sequence[str] | None = None
) -> Sequence[Obligation]:
    """An applicant's obligations still waiting for one trigger, in every partner the session may see.

    With `partner_ids`, only theirs. Ordered by partner first, so releases spanning partners take their chain
    locks in one order.
    """
    stmt = (
        select(Obligation)
        .where(Obligation.applicant_id == applicant_id, Obligation.trigger == trigger, Obligation.status == "waiting")
        .order_by(Obligation.partner_id, Obligation.id)
    )
    if partner_ids is not None:
        stmt = stmt.where(Obligation.partner_id.in_(partner_ids))
    return (await session.execute(stmt)).scalars().all()


async def list_waiting_due_by(session: AsyncSession, as_of: date) -> Sequence[Obligation]:
    """Waiting obligations whose due date is on or before `as_of`."""
    stmt = (
        select(Obligation)
        .where(Obligation.status == "waiting", Obligation.due_on.is_not(None), Obligation.due_on <= as_of)
        .order_by(Obligation.id)
    )
    return (await session.execute(stmt)).scalars().all()


# Obligations waiting for an event have no due date; they list after every dated one.
UNDATED = date.max
_DUE = func.coalesce(Obligation.due_on, UNDATED)


def _parse_cursor(values: Any) -> tuple[date, str]:
    due, obligation_id = values
    return date.fromisoformat(due), str(obligation_id)


def page_key(row: Obligation) -> list[str]:
    """The cursor values of an obligation in list order: due date (undated last), then id."""
    return [(row.due_on or UNDATED).isoformat(), row.id]


async def list_page(
    session: AsyncSession, page: PageParams, applicant_id: str | None, status: str | None
) -> Sequence[Obligation]:
    """One page of obligations by due date (undated last), then id; optionally for one applicant or status."""
    stmt = select(Obligation)
    if applicant_id is not None:
        stmt = stmt.where(Obligation.applicant_id == applicant_id)
    if status is not None:
        stmt = stmt.where(Obligation.status == status)
    return (await session.execute(keyset_by(stmt, [_DUE, Obligation.id], page, _parse_cursor))).scalars().all()


async def move_status(session: AsyncSession, obligation_id: str, from_status: str, to_status: str) -> bool:
    """Change the status only if it still is `from_status`; False when another request got there first."""
    result = await session.execute(
        update(Obligation)
        .where(Obligation.id == obligation_id, Obligation.status == from_status)
        .values(status=to_status)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_released(
    session: AsyncSession,
    obligation_id: str,
    transfer_id: str,
    at: datetime,
    basis: str,
    manual_release_id: str | None,
) -> None:
    """Record which transfer released an obligation, when, and on what basis."""
    await session.execute(
        update(Obligation)
        .where(Obligation.id == obligation_id)
        .values(
            release_transfer_id=transfer_id, released_at=at, release_basis=basis, manual_release_id=manual_release_id
        )
        .execution_options(synchronize_session=False)
    )


async def lock_applied_approval(session: AsyncSession, partner_id: str, applicant_id: str) -> ApplicantApproval | None:
    """The approval that stands for an applicant, row-locked until the transaction ends (None if none yet)."""
    stmt = (
        select(ApplicantApproval)
        .where(ApplicantApproval.partner_id == partner_id, ApplicantApproval.applicant_id == applicant_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def add_applied_approval(session: AsyncSession, row: ApplicantApproval) -> bool:
    """Insert an applicant's first approval in a savepoint; False when a concurrent approval inserted it first."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


async def list_earlier_obligations(
    session: AsyncSession, partner_id: str, applicant_id: str, assessment_id: str
) -> Sequence[Obligation]:
    """An applicant's obligations from other assessments that are not superseded, row-locked."""
    stmt = (
        select(Obligation)
        .where(
            Obligation.partner_id == partner_id,
            Obligation.applicant_id == applicant_id,
            Obligation.assessment_id != assessment_id,
            Obligation.status != "superseded",
        )
        .order_by(Obligation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalars().all()


async def list_happened_triggers(session: AsyncSession, partner_id: str, applicant_id: str) -> set[str]:
    """Every condition known to have happened for the applicant under a partner.

    Heard from an event, or having released an obligation of any assessment other than by hand: a release on
    evidence is no proof that the condition happened.
    """
    heard = select(TriggerOccurrence.trigger).where(
        TriggerOccurrence.partner_id == partner_id, TriggerOccurrence.applicant_id == applicant_id
    )
    released = select(Obligation.trigger).where(
        Obligation.partner_id == partner_id,
        Obligation.applicant_id == applicant_id,
        Obligation.released_at.is_not(None),
        or_(Obligation.release_basis.is_(None), Obligation.release_basis != MANUAL_EVIDENCE),
    )
    return set((await session.execute(heard)).scalars().all()) | set((await session.execute(released)).scalars().all())


async def add_occurrence(
    session: AsyncSession, partner_id: str, applicant_id: str, trigger: str, source_event: str, at: datetime
) -> None:
    """Remember that a condition happened for an applicant; a repeat changes nothing."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(TriggerOccurrence)
        .values(
            id=new_id(),
            partner_id=partner_id,
            applicant_id=applicant_id,
            trigger=trigger,
            source_event=source_event,
            recorded_at=at,
        )
        .on_conflict_do_nothing(index_elements=["partner_id", "applicant_id", "trigger"])
    )


async def list_released_by(session: AsyncSession, manual_release_ids: Sequence[str]) -> dict[str, list[str]]:
    """The obligations each manual release made due, by manual release id."""
    found: dict[str, list[str]] = {i: [] for i in manual_release_ids}
    if not manual_release_ids:
        return found
    stmt = (
        select(Obligation.manual_release_id, Obligation.id)
        .where(Obligation.manual_release_id.in_(manual_release_ids))
        .order_by(Obligation.id)
    )
    for release_id, obligation_id in (await session.execute(stmt)).all():
        if release_id is not None:
            found[release_id].append(obligation_id)
    return found


async def list_obligations_with_active_payout(session: AsyncSession, obligation_ids: Sequence[str]) -> set[str]:
    """Which of these obligations have a payout awaiting approval, approved, executed or settled."""
    if not obligation_ids:
        return set()
    stmt = select(Payout.obligation_id).where(
        Payout.obligation_id.in_(obligation_ids), Payout.status.in_(ACTIVE_PAYOUT_STATES)
    )
    return set((await session.execute(stmt)).scalars().all())


async def supersede(session: AsyncSession, obligation_id: str, from_status: str, note: str) -> bool:
    """Mark an obligation superseded only if it still is `from_status`; False when it moved meanwhile."""
    result = await session.execute(
        update(Obligation)
        .where(Obligation.id == obligation_id, Obligation.status == from_status)
        .values(status="superseded", note=note)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
