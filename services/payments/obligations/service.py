"""Obligations: read, released when their condition happens or their date comes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.config import SERVICE
from services.payments.domain.triggers import EVENT_TRIGGERS, TriggerKind
from services.payments.ledger import accounts
from services.payments.ledger import service as ledger
from services.payments.ledger.service import Leg
from services.payments.models import tables
from services.payments.obligations import repository
from services.payments.obligations.errors import ObligationNotFound
from services.payments.obligations.models import Obligation
from services.payments.releases.models import ManualRelease
from shared.auth import CallerKind, Principal
from shared.changes import Change, record_change
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.events import ArrivalVerified, CaseStatusChanged
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
    liability = await accounts.ensure_system_account(
        session, row.partner_id, AccountKind.programme_liability, row.currency
    )
    payable = await accounts.ensure_system_account(
        session, row.partner_id, AccountKind.beneficiary_payable, row.currency
    )
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
        publisher,
        Change(
            actor,
            "obligation",
            row.id,
            "released",
            partner_id=row.partner_id,
            detail={"basis": basis.value, "manual_release_id": manual.id if manual else None},
        ),
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


async def move_status(session: AsyncSession, obligation_id: str, from_status: str, to_status: str) -> bool:
    """Change an obligation's status only from `from_status`; False when it was not in it any more."""
    return await repository.move_status(session, obligation_id, from_status, to_status)


async def lock_applicant(session: AsyncSession, applicant_id: str) -> None:
    """Serialise work on one applicant's obligations until the transaction ends."""
    await repository.lock_applicant(session, applicant_id)


async def list_waiting_for_trigger(session: AsyncSession, applicant_id: str, trigger: str) -> Sequence[Obligation]:
    """The applicant's obligations still waiting for a trigger."""
    return await repository.list_waiting_for_trigger(session, applicant_id, trigger)


async def list_released_by(session: AsyncSession, manual_release_ids: Sequence[str]) -> dict[str, list[str]]:
    """The obligations each manual release made due, by manual release id."""
    return await repository.list_released_by(session, manual_release_ids)
