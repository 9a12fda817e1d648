"""Duplicate rules: the same document registered again (by any partner) opens a conflict the later partner resolves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.duplicates import repository
from services.eligibility.duplicates.errors import DuplicateAlreadyResolved, DuplicateConflictNotFound
from services.eligibility.duplicates.models import DuplicateConflict
from services.eligibility.errors import ApplicantNotFound
from services.eligibility.models import Applicant
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.eligibility import DuplicateConflictRead, DuplicateStatus


async def find_conflicts(
    session: AsyncSession, applicants: Sequence[Applicant], *, lock: bool = True
) -> list[DuplicateConflict]:
    """Conflicts of new applicants (not yet added) with every earlier registration of their documents.

    Applicants of one batch also conflict with the earlier ones of the same batch; each applicant with a
    conflict is marked `suspected`. With `lock`, the documents stay locked until the transaction ends.
    """
    hashes = sorted({d.number_hash for a in applicants for d in a.documents})
    if not hashes:
        return []
    if lock:
        await repository.lock_document_hashes(session, hashes)
    holders: dict[str, dict[str, str]] = {}
    for number_hash, applicant_id, partner_id in await repository.find_registrations_of_documents(session, hashes):
        holders.setdefault(number_hash, {})[applicant_id] = partner_id
    conflicts: list[DuplicateConflict] = []
    now = datetime.now(UTC)
    for applicant in applicants:
        earlier: dict[str, str] = {}
        for document in applicant.documents:
            earlier.update(holders.get(document.number_hash, {}))
        earlier.pop(applicant.id, None)
        conflicts += [
            DuplicateConflict(
                id=new_id(),
                applicant_id=applicant.id,
                partner_id=applicant.partner_id,
                earlier_applicant_id=earlier_id,
                earlier_partner_id=earlier[earlier_id],
                status="open",
                created_at=now,
            )
            for earlier_id in sorted(earlier)
        ]
        if earlier:
            applicant.duplicate_status = DuplicateStatus.suspected.value
        for document in applicant.documents:
            holders.setdefault(document.number_hash, {})[applicant.id] = applicant.partner_id
    return conflicts


def conflict_as_seen_by(conflict: DuplicateConflict, partner_id: str) -> DuplicateConflictRead:
    """A conflict as one partner may see it: its own applicant and the reference, nothing of the other's."""
    later = conflict.partner_id == partner_id
    return DuplicateConflictRead(
        reference=conflict.id,
        applicant_id=conflict.applicant_id if later else conflict.earlier_applicant_id,
        registered_later=later,
        same_partner=conflict.partner_id == conflict.earlier_partner_id,
        status="resolved" if conflict.status == "resolved" else "open",
        outcome="same_person"
        if conflict.outcome == "same_person"
        else ("distinct_persons" if conflict.outcome == "distinct_persons" else None),
        created_at=conflict.created_at,
        resolved_at=conflict.resolved_at,
    )


async def list_conflicts(session: AsyncSession, actor: Principal, page: PageParams) -> Page[DuplicateConflictRead]:
    """Duplicate conflicts that concern the actor's partner, on either side."""
    conflicts, cursor = split_page(await repository.list_conflicts(session, actor.org, page), page, lambda c: c.id)
    return Page[DuplicateConflictRead](items=[conflict_as_seen_by(c, actor.org) for c in conflicts], next_cursor=cursor)


async def read_conflict(session: AsyncSession, actor: Principal, reference: str) -> DuplicateConflictRead:
    """One conflict that concerns the actor's partner."""
    conflict = await repository.get_conflict(session, reference, actor.org)
    if conflict is None:
        raise DuplicateConflictNotFound(f"No duplicate conflict {reference} concerns your organisation.")
    return conflict_as_seen_by(conflict, actor.org)


async def resolve_conflict(
    session: AsyncSession, publisher: EventPublisher, actor: Principal, reference: str, outcome: str
) -> DuplicateConflictRead:
    """An officer of the later registration's partner decides whether the two are the same person."""
    conflict = await repository.get_conflict(session, reference, actor.org)
    if conflict is None or conflict.partner_id != actor.org:
        raise DuplicateConflictNotFound(
            f"No duplicate conflict {reference} that your organisation can resolve; "
            "the partner of the later registration resolves it."
        )
    if conflict.status == "resolved":
        raise DuplicateAlreadyResolved(f"Duplicate conflict {reference} was already resolved as {conflict.outcome}.")
    conflict.status = "resolved"
    conflict.outcome = outcome
    conflict.resolved_by = actor.subject
    conflict.resolved_at = datetime.now(UTC)
    await session.flush()
    applicant = await repository.get_later_applicant(session, conflict)
    if applicant is None:
        raise ApplicantNotFound(f"No applicant {conflict.applicant_id} is registered for your organisation.")
    if outcome == "same_person":
        applicant.duplicate_status = DuplicateStatus.confirmed.value
    elif applicant.duplicate_status != DuplicateStatus.confirmed.value:
        still_open = await repository.count_open_conflicts(session, applicant.id)
        applicant.duplicate_status = (DuplicateStatus.suspected if still_open else DuplicateStatus.distinct).value
    await session.flush()
    await record_change(
        session,
        publisher,
        Change(actor, "duplicate_conflict", conflict.id, "resolved", partner_id=actor.org, detail={"outcome": outcome}),
    )
    return conflict_as_seen_by(conflict, actor.org)
