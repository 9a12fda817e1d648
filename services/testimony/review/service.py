"""Review rules: derivatives read back, approved as exact content by reviewers and by the people they name."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.common.toolkit import (
    APPROVED,
    REFUSED,
    Toolkit,
    approved_by,
    decrypt_derivative,
    utc_now,
)
from services.testimony.consent.holders import TokenHolder
from services.testimony.intake.service import find_testimony
from services.testimony.models import tables
from services.testimony.publication.live import find_live_publication
from services.testimony.review import repository
from services.testimony.review.errors import DerivativeNotFound, ReviewerIsMaker, ReviewRefused
from services.testimony.review.models import Derivative, Review, SubjectApproval
from shared.audit import record_audit
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.ids import new_id
from shared.schemas.testimony import (
    DerivativeMediaRead,
    DerivativeRead,
    RedactionEntryRead,
    ReviewCreate,
    ReviewRead,
    SubjectDerivativeRead,
)


async def describe_derivative(session: AsyncSession, kit: Toolkit, row: Derivative) -> DerivativeRead:
    """The wire form of a derivative: its clear text, media and reviews."""
    title, text, attribution = await decrypt_derivative(session, kit, row)
    media = await repository.list_media(session, [row.id])
    reviews = await repository.list_reviews(session, [row.id])
    approvals = await repository.list_subject_approvals(session, [row.id])
    return DerivativeRead(
        id=row.id,
        testimony_id=row.testimony_id,
        title=title,
        text=text,
        attribution=attribution,
        author_named=row.author_named,
        faces_obscured=row.faces_obscured,
        voices_obscured=row.voices_obscured,
        redaction=[RedactionEntryRead.model_validate(entry) for entry in row.redaction],
        redacted_subjects=list(row.redacted_subjects),
        media=[
            DerivativeMediaRead(
                name=m.name, media_type=m.media_type, sha256=m.sha256, size=m.size, removed_metadata=list(m.removed)
            )
            for m in media
        ],
        content_sha256=row.content_sha256,
        reviews=[
            ReviewRead(reviewer=r.reviewer, content_sha256=r.content_sha256, created_at=r.created_at) for r in reviews
        ],
        approved_by_subjects=sorted(approved_by(approvals, row.content_sha256)),
        refused_by_subjects=sorted(
            a.subject_ref for a in approvals if a.decision == REFUSED and a.content_sha256 == row.content_sha256
        ),
        created_at=row.created_at,
    )


async def find_derivative(session: AsyncSession, testimony_id: str, derivative_id: str) -> Derivative:
    """A derivative of a testimony of the session's partner, or 404."""
    derivative = await repository.get_derivative(session, testimony_id, derivative_id)
    if derivative is None:
        raise DerivativeNotFound(f"No derivative {derivative_id} exists in testimony {testimony_id}.")
    return derivative


async def read_derivative(
    session: AsyncSession, kit: Toolkit, actor: Principal, testimony_id: str, derivative_id: str
) -> DerivativeRead:
    """One derivative with its reviews (the read is audited: unpublished text is sensitive)."""
    derivative = await find_derivative(session, testimony_id, derivative_id)
    await record_audit(
        session, tables, actor, "derivative.read", "derivative", derivative.id, partner_id=derivative.partner_id
    )
    return await describe_derivative(session, kit, derivative)


async def list_derivatives(
    session: AsyncSession, kit: Toolkit, actor: Principal, testimony_id: str
) -> list[DerivativeRead]:
    """Every derivative of a testimony (the read is audited)."""
    testimony = await find_testimony(session, testimony_id)
    rows = await repository.list_derivatives(session, testimony.id)
    await record_audit(
        session, tables, actor, "derivative.listed", "testimony", testimony.id, partner_id=testimony.partner_id
    )
    return [await describe_derivative(session, kit, row) for row in rows]


async def add_review(
    session: AsyncSession, kit: Toolkit, actor: Principal, testimony_id: str, derivative_id: str, data: ReviewCreate
) -> DerivativeRead:
    """Approve one exact derivative; its maker cannot review it, and nobody reviews it twice."""
    derivative = await find_derivative(session, testimony_id, derivative_id)
    if data.content_sha256 != derivative.content_sha256:
        raise ReviewRefused("The content hash is not this derivative's; reload it and review what is there now.")
    if actor.subject == derivative.created_by:
        raise ReviewerIsMaker("Maker-checker: whoever made a derivative cannot also review it.")
    reviewers = {r.reviewer for r in await repository.list_reviews(session, [derivative.id])}
    if actor.subject in reviewers:
        raise ReviewRefused("You have already reviewed this derivative; a second reviewer must be someone else.")
    review = Review(
        id=new_id(),
        partner_id=derivative.partner_id,
        derivative_id=derivative.id,
        reviewer=actor.subject,
        content_sha256=derivative.content_sha256,
        created_at=utc_now(),
    )
    await repository.add_rows(session, review)
    await record_change(
        session, kit.publisher, Change(actor, "derivative", derivative.id, "reviewed", partner_id=derivative.partner_id)
    )
    return await describe_derivative(session, kit, derivative)


async def _to_subject_read(
    session: AsyncSession, kit: Toolkit, row: Derivative, answer: SubjectApproval | None
) -> SubjectDerivativeRead:
    title, text, attribution = await decrypt_derivative(session, kit, row)
    media = await repository.list_media(session, [row.id])
    decided = answer is not None and answer.content_sha256 == row.content_sha256
    return SubjectDerivativeRead(
        derivative_id=row.id,
        title=title,
        text=text,
        attribution=attribution,
        media_names=[m.name for m in media],
        content_sha256=row.content_sha256,
        approved=decided and answer is not None and answer.decision == APPROVED,
        refused=decided and answer is not None and answer.decision == REFUSED,
        published=await find_live_publication(session, row.id) is not None,
    )


async def list_for_subject(session: AsyncSession, kit: Toolkit, holder: TokenHolder) -> list[SubjectDerivativeRead]:
    """The derivatives of the holder's testimony, each with the holder's own answer (the read is audited)."""
    record = holder.require_record()
    rows = await repository.list_derivatives(session, record.testimony_id)
    approvals = await repository.list_subject_approvals(session, [r.id for r in rows])
    mine = {a.derivative_id: a for a in approvals if a.record_id == record.id}
    await record_audit(
        session, tables, holder.principal, "derivative.listed", "testimony", record.testimony_id,
        partner_id=record.partner_id,
    )  # fmt: skip
    return [await _to_subject_read(session, kit, row, mine.get(row.id)) for row in rows]


async def answer_as_subject(
    session: AsyncSession, kit: Toolkit, holder: TokenHolder, derivative_id: str, content_sha256: str, decision: str
) -> SubjectDerivativeRead:
    """Record that the holder approved or refused one exact derivative; a published one can no longer be refused."""
    record = holder.require_record()
    derivative = await find_derivative(session, record.testimony_id, derivative_id)
    if content_sha256 != derivative.content_sha256:
        raise ReviewRefused("The content hash is not this derivative's; look at it again before answering.")
    answer = await repository.find_subject_approval(session, derivative.id, record.id)
    if decision == REFUSED and await find_live_publication(session, derivative.id):
        raise ReviewRefused(
            "This version is already published; to take it down, narrow or withdraw your consent instead."
        )
    if answer is None:
        answer = SubjectApproval(
            id=new_id(),
            partner_id=record.partner_id,
            derivative_id=derivative.id,
            record_id=record.id,
            subject_ref=record.subject_ref,
            content_sha256=derivative.content_sha256,
            created_at=utc_now(),
            decision=decision,
        )
        await repository.add_rows(session, answer)
    elif answer.decision != decision:
        answer.decision, answer.created_at = decision, utc_now()
        await session.flush()
    else:
        return await _to_subject_read(session, kit, derivative, answer)
    action = "approved_by_subject" if decision == APPROVED else "refused_by_subject"
    await record_change(
        session,
        kit.publisher,
        Change(holder.principal, "derivative", derivative.id, action, partner_id=record.partner_id),
    )
    return await _to_subject_read(session, kit, derivative, answer)


async def list_reviews(session: AsyncSession, derivative_ids: Sequence[str]) -> Sequence[Review]:
    """The reviews of some derivatives."""
    return await repository.list_reviews(session, derivative_ids)


async def list_subject_approvals(session: AsyncSession, derivative_ids: Sequence[str]) -> Sequence[SubjectApproval]:
    """The answers of the people named in some derivatives."""
    return await repository.list_subject_approvals(session, derivative_ids)
