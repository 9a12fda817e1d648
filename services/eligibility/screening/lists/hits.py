"""Screening hits as reviewers see them: reading them (audited) and clearing a false positive."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.models import Applicant, ScreeningHitRecord, tables
from services.eligibility.screening.lists import repository
from services.eligibility.screening.lists.errors import ScreeningHitNotFound, ScreeningHitNotOpen
from services.eligibility.screening.lists.service import EXPLANATION_FIELD, update_screening_status
from shared.audit import record_audit
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.outbox import EventPublisher
from shared.schemas.eligibility import ScreeningHitRead


async def hit_read(session: AsyncSession, cipher: FieldCipher, record: ScreeningHitRecord) -> ScreeningHitRead:
    """The wire form of a hit, its explanation decrypted."""
    explanation = await cipher.decrypt(
        session, record.partner_id, record.explanation_enc, field=EXPLANATION_FIELD, row=record.id
    )
    return ScreeningHitRead(
        id=record.id,
        applicant_id=record.applicant_id,
        list_source=record.list_source,
        list_version=record.list_version,
        entry_id=record.entry_id,
        score=record.score,
        confident=record.confident,
        explanation=explanation,
        status=record.status,
        reviewed_by=record.reviewed_by,
    )


async def get_hit_or_404(session: AsyncSession, hit_id: str) -> ScreeningHitRecord:
    """The caller's hit, or ScreeningHitNotFound."""
    hit = await repository.get_hit(session, hit_id)
    if hit is None:
        raise ScreeningHitNotFound(f"No screening hit {hit_id} for your organisation.")
    return hit


async def applicant_of_hit(session: AsyncSession, hit: ScreeningHitRecord) -> Applicant:
    """The applicant a hit of the caller's partner concerns, or ScreeningHitNotFound."""
    applicant = await repository.get_applicant(session, hit.applicant_id)
    if applicant is None:
        raise ScreeningHitNotFound(f"No screening hit {hit.id} for your organisation.")
    return applicant


async def list_hits_of_applicant(
    session: AsyncSession, cipher: FieldCipher, actor: Principal, applicant_id: str
) -> list[ScreeningHitRead]:
    """Every hit recorded for one applicant of the caller; the explanations quote names, so the read is audited."""
    records = await repository.list_hits_of_applicant(session, applicant_id)
    await record_audit(session, tables, actor, "screening_hits.read", "applicant", applicant_id, partner_id=actor.org)
    return [await hit_read(session, cipher, h) for h in records]


async def clear_hit(
    session: AsyncSession, cipher: FieldCipher, publisher: EventPublisher, actor: Principal, hit_id: str
) -> ScreeningHitRead:
    """A reviewer clears a hit as a false positive."""
    hit = await get_hit_or_404(session, hit_id)
    if hit.status != "open":
        raise ScreeningHitNotOpen(f"Screening hit {hit_id} is {hit.status}, not open.")
    hit.status, hit.reviewed_by, hit.reviewed_at = "cleared", actor.subject, datetime.now(UTC)
    await session.flush()
    await update_screening_status(session, await applicant_of_hit(session, hit))
    await record_change(session, publisher, Change(actor, "screening_hit", hit.id, "cleared", partner_id=actor.org))
    return await hit_read(session, cipher, hit)
