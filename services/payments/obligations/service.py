"""Obligations: turn an approval's entitlements into obligations and release them when due."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

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
from services.payments.domain.triggers import EVENT_TRIGGERS, TriggerKind, parse_trigger
from services.payments.errors import InvalidEntitlements, ObligationNotFound
from services.payments.ledger import service as ledger
from services.payments.ledger.service import SERVICE, Leg
from services.payments.models import ApplicantApproval as AppliedApproval
from services.payments.models import ManualRelease, Obligation, tables
from services.payments.obligations import repository
from services.payments.obligations.replacement import KeptObligation, fit_plans
from shared.audit import record_audit
from shared.auth import CallerKind, Principal
from shared.changes import record_change
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.events import ApplicantApproved, ArrivalVerified, CaseStatusChanged
from shared.schemas.payments import AccountKind, ObligationRead, ObligationStatus, ReleaseBasis

# Case states in which protection was granted: a tranche waiting for `asylum_granted` is released by
# any of them, so a missed `granted` event is made good by the next one.
PROTECTED_CASE_STATES = frozenset(
    {"granted", "appeal_granted", "residence_permit", "permanent_residence", "citizenship_applied", "naturalised"}
)

EVENT_TRIGGER_NAMES = frozenset(kind.value for kind in EVENT_TRIGGERS)


def event_actor(event_type: str) -> Principal:
    """The principal recorded in the audit log for work done on an incoming event."""
    return Principal(org="payments", kind=CallerKind.service, subject=f"event:{event_type}")


def to_read(row: Obligation) -> ObligationRead:
    """The wire form of an obligation."""
    return ObligationRead(
        id=row.id,
        partner_id=row.partner_id,
        applicant_id=row.applicant_id,
        assessment_id=row.assessment_id,
        key=row.key,
        kind=row.kind,
        currency=row.currency,
        amount_minor=row.amount_minor,
        trigger=row.trigger,
        due_on=row.due_on,
        status=ObligationStatus(row.status),
        released_at=row.released_at,
        note=row.note,
        release_basis=ReleaseBasis(row.release_basis) if row.release_basis else None,
        manual_release_id=row.manual_release_id,
    )


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
            session, tables, publisher, actor, SERVICE, "obligation", row.id, "superseded", partner_id=row.partner_id
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
        tables,
        publisher,
        actor,
        SERVICE,
        "assessment",
        data.assessment_id,
        "obligations_created",
        partner_id=data.partner_id,
        detail={"count": len(rows), "kept": len(kept), "superseded": len(superseded)},
    )
    for row in rows:
        # A condition that already happened for the applicant (arrival verified, asylum granted) stays
        # happened: the new tranche waiting for it is released at once.
        if row.trigger == TriggerKind.APPROVAL.value:
            await release_obligation(session, publisher, actor, row, ReleaseBasis.approval)
        elif row.trigger in EVENT_TRIGGER_NAMES and row.trigger in happened:
            await release_obligation(session, publisher, actor, row, ReleaseBasis.event)
    return [to_read(r) for r in rows]


def release_memo(row: Obligation, basis: ReleaseBasis, manual: ManualRelease | None) -> str:
    """The ledger memo of a release: what was released, and on what basis."""
    if manual is not None:
        return f"obligation {row.id} released by hand ({row.trigger}) on {manual.evidence_kind}, release {manual.id}"
    return f"obligation {row.id} released ({row.trigger}, {basis.value})"


async def release_obligation(
    session: AsyncSession,
    publisher: EventPublisher,
    actor: Principal,
    row: Obligation,
    basis: ReleaseBasis,
    manual: ManualRelease | None = None,
) -> bool:
    """Make one waiting obligation due and book it as payable; False if it was no longer waiting.

    `basis` says what released it; a release by hand names the manual release that holds its evidence.
    """
    if not await repository.move_status(session, row.id, ObligationStatus.waiting.value, ObligationStatus.due.value):
        return False
    liability = await ledger.ensure_system_account(
        session, row.partner_id, AccountKind.programme_liability, row.currency
    )
    payable = await ledger.ensure_system_account(session, row.partner_id, AccountKind.beneficiary_payable, row.currency)
    transfer = await ledger.post_transfer(
        session,
        partner_id=row.partner_id,
        kind="release",
        memo=release_memo(row, basis, manual),
        legs=[Leg(liability, row.amount_minor), Leg(payable, -row.amount_minor)],
        created_by=actor.subject,
    )
    await repository.mark_released(
        session, row.id, transfer.id, transfer.created_at, basis.value, manual.id if manual else None
    )
    await session.refresh(row)
    await record_change(
        session,
        tables,
        publisher,
        actor,
        SERVICE,
        "obligation",
        row.id,
        "released",
        partner_id=row.partner_id,
        detail={"basis": basis.value, "manual_release_id": manual.id if manual else None},
    )
    return True


async def release_for_trigger(
    session: AsyncSession,
    publisher: EventPublisher,
    actor: Principal,
    applicant_id: str,
    trigger: TriggerKind,
    basis: ReleaseBasis,
    manual: ManualRelease | None = None,
    *,
    partners: Sequence[str] | None = None,
) -> list[ObligationRead]:
    """Release every obligation of an applicant waiting for an event-type trigger.

    Only in the partners the session sees, and of those only `partners` when given.
    """
    released: list[ObligationRead] = []
    for row in await repository.list_waiting_for_trigger(session, applicant_id, trigger.value, partners):
        if await release_obligation(session, publisher, actor, row, basis, manual):
            released.append(to_read(row))
    return released


async def note_condition(
    session: AsyncSession,
    publisher: EventPublisher,
    partner_ids: Sequence[str],
    applicant_id: str,
    trigger: TriggerKind,
    event_type: str,
) -> list[ObligationRead]:
    """Remember that a condition happened for an applicant under these partners, and release what waits for it.

    Only the tranches of `partner_ids` are released; an approval one of them hears later releases its tranche
    for the condition at once.
    """
    await repository.lock_applicant(session, applicant_id)
    for partner_id in partner_ids:
        await repository.add_occurrence(session, partner_id, applicant_id, trigger.value, event_type, datetime.now(UTC))
    return await release_for_trigger(
        session, publisher, event_actor(event_type), applicant_id, trigger, ReleaseBasis.event, partners=partner_ids
    )


async def handle_arrival(
    session: AsyncSession, publisher: EventPublisher, data: ArrivalVerified, event_type: str
) -> list[ObligationRead]:
    """Remember that the applicant's arrival was verified and release what waits for it under the session's partner."""
    return await note_condition(
        session, publisher, [data.partner_id], data.applicant_id, TriggerKind.VERIFIED_ARRIVAL, event_type
    )


async def release_due(
    session: AsyncSession, actor: Principal, as_of: date, publisher: EventPublisher | None = None
) -> list[ObligationRead]:
    """Release every date-triggered obligation (stipend months, delayed tranches) due by `as_of`.

    Without a publisher (the command line has no subscribers) the releases are still written to the outbox.
    """
    if publisher is None:
        publisher = EventPublisher(tables, [], SERVICE)
    released: list[ObligationRead] = []
    for row in await repository.list_waiting_due_by(session, as_of):
        if await release_obligation(session, publisher, actor, row, ReleaseBasis.due_date):
            released.append(to_read(row))
    return released


async def handle_case_status(
    session: AsyncSession, publisher: EventPublisher, data: CaseStatusChanged, event_type: str
) -> list[ObligationRead]:
    """Release the applicant's `asylum_granted` tranches of the partners along the case's history, once granted.

    Only the partner holding the case, and those that held it and transferred it on, release anything: another
    partner's case for the same applicant releases nothing of theirs. The session must be scoped to all tenants,
    since a case transferred to another partner still releases what the first partner owes; each release is
    booked under the obligation's own partner.
    """
    if data.to_state not in PROTECTED_CASE_STATES:
        return []
    # Remembered for each of them, so an approval one of them hears later releases its grant tranche.
    return await note_condition(
        session, publisher, data.case_holders(), data.applicant_id, TriggerKind.ASYLUM_GRANTED, event_type
    )


async def get_obligation(session: AsyncSession, obligation_id: str, *, for_update: bool = False) -> Obligation:
    """One obligation of the session's partner, or ObligationNotFound; `for_update` row-locks it."""
    row = await repository.get(session, obligation_id, for_update=for_update)
    if row is None:
        raise ObligationNotFound(f"No obligation {obligation_id} exists for your organisation.")
    return row


async def read_obligation(session: AsyncSession, obligation_id: str) -> ObligationRead:
    """One obligation of the session's partner."""
    return to_read(await get_obligation(session, obligation_id))


async def list_obligations(
    session: AsyncSession, page: PageParams, applicant_id: str | None, status: ObligationStatus | None
) -> Page[ObligationRead]:
    """One page of the session's partner's obligations by due date (undated last) then id; optionally filtered."""
    rows = await repository.list_page(session, page, applicant_id, status.value if status else None)
    items, cursor = split_page(rows, page, repository.page_key)
    return Page[ObligationRead](items=[to_read(r) for r in items], next_cursor=cursor)
