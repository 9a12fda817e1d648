"""An approval event turned into obligations: planned, checked, superseding what an earlier approval promised."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.domain.errors import PaymentsDomainError
from services.payments.domain.money import Money
from services.payments.domain.schedule import (
    FixedTranche,
    ObligationPlan,
    StipendEntitlement,
    plan_fixed_bounty,
    plan_stipend,
)
from services.payments.domain.triggers import TriggerKind, parse_trigger
from services.payments.ledger import service as ledger
from services.payments.models import tables
from services.payments.obligations import repository
from services.payments.obligations.errors import InvalidEntitlements
from services.payments.obligations.models import ApplicantApproval as AppliedApproval
from services.payments.obligations.models import Obligation
from services.payments.obligations.replacement import KeptObligation, fit_plans
from services.payments.obligations.service import (
    EVENT_TRIGGER_NAMES,
    event_actor,
    release_for_trigger,
    release_obligation,
    to_read,
)
from shared.audit import record_audit
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.schemas.events import ApplicantApproved
from shared.schemas.payments import ObligationRead, ObligationStatus, ReleaseBasis


def plan_approval(data: ApplicantApproved) -> list[ObligationPlan]:
    """The obligations an approval promises; refuses entitlements that do not add up."""
    plans: list[ObligationPlan] = []
    try:
        bounty = data.entitlements.bounty
        if bounty is not None and bounty.total_minor > 0:
            tranches = [
                FixedTranche(Money(t.amount_minor, bounty.currency), parse_trigger(t.trigger)) for t in bounty.tranches
            ]
            plans += plan_fixed_bounty(Money(bounty.total_minor, bounty.currency), tranches, data.approved_on)
        stipend = data.entitlements.stipend
        if stipend is not None and stipend.monthly_minor > 0:
            # The first stipend month is due on the approval date.
            entitlement = StipendEntitlement(
                Money(stipend.monthly_minor, stipend.currency), stipend.months, data.approved_on
            )
            plans += plan_stipend(entitlement)
    except PaymentsDomainError as exc:
        raise InvalidEntitlements(f"The approval's entitlements cannot be paid: {exc}") from exc
    return plans


def is_newer(data: ApplicantApproved, current: AppliedApproval) -> bool:
    """Whether an approval comes after the applied one: by approval date, then by assessment id."""
    return (data.approved_on, data.assessment_id) > (current.approved_on, current.assessment_id)


async def take_applicant_turn(session: AsyncSession, data: ApplicantApproved) -> bool:
    """Lock the applicant's applied approval and make this one it; False when this one is not newer.

    The row lock makes a second approval of the same applicant wait until the first is committed.
    """
    now = datetime.now(UTC)
    for _ in range(2):
        current = await repository.lock_applied_approval(session, data.partner_id, data.applicant_id)
        if current is None:
            first = AppliedApproval(
                id=new_id(),
                partner_id=data.partner_id,
                applicant_id=data.applicant_id,
                assessment_id=data.assessment_id,
                approved_on=data.approved_on,
                applied_at=now,
            )
            if await repository.add_applied_approval(session, first):
                return True
            continue
        if not is_newer(data, current):
            return False
        current.assessment_id, current.approved_on, current.applied_at = data.assessment_id, data.approved_on, now
        await session.flush()
        return True
    raise RuntimeError("could not lock the applicant's applied approval")


async def supersede_earlier(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, data: ApplicantApproved
) -> tuple[list[Obligation], list[Obligation]]:
    """Supersede the applicant's earlier obligations that are unpaid with no payout in flight.

    Returns (kept, superseded): kept ones were paid or have a payout in flight and count toward the new
    promise. A superseded obligation that had been released has its release reversed in the ledger.
    """
    earlier = await repository.list_earlier_obligations(session, data.partner_id, data.applicant_id, data.assessment_id)
    in_flight = await repository.list_obligations_with_active_payout(session, [r.id for r in earlier])
    kept: list[Obligation] = []
    superseded: list[Obligation] = []
    note = f"superseded by assessment {data.assessment_id}"
    for row in earlier:
        if row.status == ObligationStatus.paid.value or row.id in in_flight:
            kept.append(row)
            continue
        if not await repository.supersede(session, row.id, row.status, note):
            raise RuntimeError(f"obligation {row.id} changed while locked")
        await record_change(
            session, publisher, Change(actor, "obligation", row.id, "superseded", partner_id=row.partner_id)
        )
        if row.release_transfer_id is not None:
            release = await ledger.require_transfer(session, row.release_transfer_id)
            await ledger.reverse_transfer(session, publisher, actor, release, f"obligation {row.id} {note}")
        superseded.append(row)
    return kept, superseded


async def create_obligations(
    session: AsyncSession, publisher: EventPublisher, data: ApplicantApproved, event_type: str
) -> list[ObligationRead]:
    """Apply an approval: it replaces the applicant's earlier approval and never adds a second promise.

    A repeat of an applied approval, or one older than it, changes nothing.
    """
    plans = plan_approval(data)
    actor = event_actor(event_type)
    await repository.lock_applicant(session, data.applicant_id)
    if data.arrival_verified:
        # Verified before the approval: the approval carries it, so it counts even if no other event says so.
        await repository.add_occurrence(
            session,
            data.partner_id,
            data.applicant_id,
            TriggerKind.VERIFIED_ARRIVAL.value,
            event_type,
            datetime.now(UTC),
        )
    # A repeat or an older approval changes nothing: audited (so the decision is traceable), not announced.
    if await repository.count_for_assessment(session, data.assessment_id) or not await take_applicant_turn(
        session, data
    ):
        await record_audit(
            session,
            tables,
            actor,
            "approval.ignored",
            "assessment",
            data.assessment_id,
            partner_id=data.partner_id,
            detail={"reason": "not newer than the approval applied"},
        )
        if data.arrival_verified:
            await release_for_trigger(
                session, publisher, actor, data.applicant_id, TriggerKind.VERIFIED_ARRIVAL, ReleaseBasis.event
            )
        return []
    kept, superseded = await supersede_earlier(session, publisher, actor, data)
    happened = await repository.list_happened_triggers(session, data.partner_id, data.applicant_id)
    fitted = fit_plans(
        plans, [KeptObligation(r.kind, Money(r.amount_minor, r.currency)) for r in kept], data.approved_on
    )
    now = datetime.now(UTC)
    # Ids made in one millisecond sort at random: sorted, they follow the plan, so one approval's undated
    # tranches list in their order (tranche 0 before tranche 1).
    ids = sorted(new_id() for _ in fitted)
    rows = [
        Obligation(
            id=obligation_id,
            partner_id=data.partner_id,
            applicant_id=data.applicant_id,
            assessment_id=data.assessment_id,
            key=item.plan.key,
            kind=item.plan.kind,
            currency=item.plan.amount.currency,
            amount_minor=item.plan.amount.minor,
            trigger=str(item.plan.trigger),
            due_on=item.plan.due_on,
            status=ObligationStatus.waiting.value,
            note=item.note,
            created_at=now,
        )
        for obligation_id, item in zip(ids, fitted, strict=True)
    ]
    await repository.add_all(session, rows)
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "assessment",
            data.assessment_id,
            "obligations_created",
            partner_id=data.partner_id,
            detail={"count": len(rows), "kept": len(kept), "superseded": len(superseded)},
        ),
    )
    for row in rows:
        # A condition that already happened for the applicant (arrival verified, asylum granted) stays
        # happened: the new tranche waiting for it is released at once.
        if row.trigger == TriggerKind.APPROVAL.value:
            await release_obligation(session, publisher, actor, row, ReleaseBasis.approval)
        elif row.trigger in EVENT_TRIGGER_NAMES and row.trigger in happened:
            await release_obligation(session, publisher, actor, row, ReleaseBasis.event)
    return [to_read(r) for r in rows]
