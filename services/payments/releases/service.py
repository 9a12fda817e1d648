"""Release by hand, maker-checker: the maker names the evidence, a second officer approves and the tranches become due.

A release by hand says so on every obligation it releases (`release_basis = manual_evidence` and the request
that names the evidence). It never counts as the condition having happened: a later approval's tranche for the
same condition waits for the real event.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.payments.domain.triggers import TriggerKind
from services.payments.models import tables
from services.payments.obligations import service as obligations
from services.payments.obligations.service import release_for_trigger
from services.payments.releases import repository
from services.payments.releases.errors import (
    ManualReleaseAlreadyPending,
    ManualReleaseNotFound,
    ManualReleaseNotPending,
    ManualReleaseSelfApproval,
    NothingWaitsForTrigger,
)
from services.payments.releases.models import ManualRelease
from shared.audit import record_audit
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher, KeyDestroyed
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.payments import (
    ManualReleaseCreate,
    ManualReleaseRead,
    ManualReleaseStatus,
    ReleaseBasis,
    ReleaseEvidenceRead,
)

REFERENCE_FIELD = "manual_releases.evidence_reference"


async def to_read(
    session: AsyncSession, cipher: FieldCipher, row: ManualRelease, released: list[str]
) -> ManualReleaseRead:
    """The wire form of a manual release, its evidence reference decrypted (null once the partner was erased)."""
    try:
        reference: str | None = await cipher.decrypt(
            session, row.partner_id, row.evidence_reference_enc, field=REFERENCE_FIELD, row=row.id
        )
    except KeyDestroyed:
        reference = None
    return ManualReleaseRead(
        id=row.id,
        partner_id=row.partner_id,
        applicant_id=row.applicant_id,
        trigger=row.trigger,
        evidence=ReleaseEvidenceRead(kind=row.evidence_kind, reference=reference),
        status=ManualReleaseStatus(row.status),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        released_obligation_ids=released,
    )


async def request_release(
    session: AsyncSession, cipher: FieldCipher, publisher: EventPublisher, actor: Principal, data: ManualReleaseCreate
) -> ManualReleaseRead:
    """Ask to release an applicant's waiting tranches by hand on named evidence; nothing moves until approved."""
    if not await obligations.list_waiting_for_trigger(session, data.applicant_id, data.trigger):
        raise NothingWaitsForTrigger(
            f"No obligation of applicant {data.applicant_id} waits for '{data.trigger}' in your organisation; "
            "there is nothing to release."
        )
    release_id = new_id()
    row = ManualRelease(
        id=release_id,
        partner_id=actor.org,
        applicant_id=data.applicant_id,
        trigger=data.trigger,
        evidence_kind=data.evidence.kind,
        evidence_reference_enc=await cipher.encrypt(
            session, actor.org, data.evidence.reference, field=REFERENCE_FIELD, row=release_id
        ),
        status=ManualReleaseStatus.pending_approval.value,
        requested_by=actor.subject,
        requested_at=datetime.now(UTC),
    )
    if not await repository.add(session, row):
        pending = await repository.find_pending(session, data.applicant_id, data.trigger)
        raise ManualReleaseAlreadyPending(
            f"Manual release {pending.id if pending else ''} already asks to release these tranches and awaits "
            "approval; approve it or wait for it."
        )
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "manual_release",
            row.id,
            "requested",
            partner_id=row.partner_id,
            detail={"applicant_id": row.applicant_id, "trigger": row.trigger, "evidence_kind": row.evidence_kind},
        ),
    )
    return await to_read(session, cipher, row, [])


async def approve_release(
    session: AsyncSession, cipher: FieldCipher, publisher: EventPublisher, actor: Principal, release_id: str
) -> ManualReleaseRead:
    """A second officer approves a release by hand: the tranches still waiting become due, marked so."""
    row = await get_release(session, release_id, for_update=True)
    if row.status != ManualReleaseStatus.pending_approval.value:
        raise ManualReleaseNotPending(f"Manual release {release_id} is {row.status}, not pending approval.")
    if actor.subject == row.requested_by:
        raise ManualReleaseSelfApproval(
            "Maker-checker: the officer who asked for a release by hand cannot approve it; another officer must."
        )
    await obligations.lock_applicant(session, row.applicant_id)
    released = await release_for_trigger(
        session, publisher, actor, row.applicant_id, TriggerKind(row.trigger), ReleaseBasis.manual_evidence, row
    )
    row.status = ManualReleaseStatus.approved.value
    row.approved_by = actor.subject
    row.approved_at = datetime.now(UTC)
    await session.flush()
    await record_change(
        session,
        publisher,
        Change(
            actor, "manual_release", row.id, "approved", partner_id=row.partner_id, detail={"released": len(released)}
        ),
    )
    return await to_read(session, cipher, row, [o.id for o in released])


async def get_release(session: AsyncSession, release_id: str, *, for_update: bool = False) -> ManualRelease:
    """One manual release of the session's partner, or ManualReleaseNotFound."""
    row = await repository.get(session, release_id, for_update=for_update)
    if row is None:
        raise ManualReleaseNotFound(f"No manual release {release_id} exists for your organisation.")
    return row


async def read_release(
    session: AsyncSession, cipher: FieldCipher, actor: Principal, release_id: str
) -> ManualReleaseRead:
    """One manual release with its evidence; the read of the evidence reference is audited."""
    row = await get_release(session, release_id)
    await record_audit(session, tables, actor, "manual_release.read", "manual_release", row.id, partner_id=actor.org)
    released = await obligations.list_released_by(session, [row.id])
    return await to_read(session, cipher, row, released[row.id])


async def list_releases(
    session: AsyncSession,
    cipher: FieldCipher,
    actor: Principal,
    page: PageParams,
    status: ManualReleaseStatus | None,
) -> Page[ManualReleaseRead]:
    """One page of the session's partner's manual releases with their evidence (the read is audited)."""
    rows, cursor = split_page(
        await repository.list_page(session, page, status.value if status else None), page, lambda r: r.id
    )
    await record_audit(
        session,
        tables,
        actor,
        "manual_release.listed",
        "manual_release",
        "*",
        partner_id=actor.org,
        detail={"count": len(rows)},
    )
    released = await obligations.list_released_by(session, [r.id for r in rows])
    return Page[ManualReleaseRead](
        items=[await to_read(session, cipher, r, released[r.id]) for r in rows], next_cursor=cursor
    )
