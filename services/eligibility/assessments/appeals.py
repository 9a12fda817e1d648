"""Appeals against a rejected or not-eligible decision, answered by another assessor's new assessment."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.applicants.service import Crypto
from services.eligibility.assessments import repository
from services.eligibility.assessments.errors import AppealAssessorNotIndependent, AppealNotAllowed, AppealNotFound
from services.eligibility.assessments.service import assess_applicant, get_assessment_or_404
from services.eligibility.models import Appeal, tables
from shared.audit import record_audit
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.schemas.eligibility import AppealRead, AssessmentCreate, AssessmentRead, AssessmentStatus

_GROUNDS_FIELD = "appeals.grounds"


async def _appeal_read(session: AsyncSession, crypto: Crypto, appeal: Appeal) -> AppealRead:
    grounds = await crypto.cipher.decrypt(
        session, appeal.partner_id, appeal.grounds_enc, field=_GROUNDS_FIELD, row=appeal.id
    )
    return AppealRead(
        id=appeal.id,
        assessment_id=appeal.assessment_id,
        applicant_id=appeal.applicant_id,
        status="reassessed" if appeal.status == "reassessed" else "open",
        grounds=grounds,
        created_by=appeal.created_by,
        created_at=appeal.created_at,
        reassessment_id=appeal.reassessment_id,
    )


async def file_appeal(
    session: AsyncSession, crypto: Crypto, publisher: EventPublisher, actor: Principal, assessment_id: str, grounds: str
) -> AppealRead:
    """Record an applicant's appeal against a rejected or not-eligible decision."""
    assessment = await get_assessment_or_404(session, assessment_id)
    appealable = {AssessmentStatus.rejected.value, AssessmentStatus.not_eligible.value}
    if assessment.status not in appealable:
        raise AppealNotAllowed(
            f"Assessment {assessment_id} is {assessment.status}; only rejected or not-eligible decisions are appealed.",
            allowed=sorted(appealable),
        )
    if await repository.open_appeal_of(session, assessment_id) is not None:
        raise AppealNotAllowed(f"Assessment {assessment_id} already has an open appeal.")
    appeal_id = new_id()
    appeal = Appeal(
        id=appeal_id,
        partner_id=assessment.partner_id,
        assessment_id=assessment.id,
        applicant_id=assessment.applicant_id,
        grounds_enc=await crypto.cipher.encrypt(
            session, assessment.partner_id, grounds, field=_GROUNDS_FIELD, row=appeal_id
        ),
        status="open",
        created_by=actor.subject,
        created_at=datetime.now(UTC),
    )
    await repository.add_appeal(session, appeal)
    await record_change(session, publisher, Change(actor, "appeal", appeal.id, "filed", partner_id=actor.org))
    return await _appeal_read(session, crypto, appeal)


async def _get_appeal_or_404(session: AsyncSession, appeal_id: str) -> Appeal:
    appeal = await repository.get_appeal(session, appeal_id)
    if appeal is None:
        raise AppealNotFound(f"No appeal {appeal_id} for your organisation.")
    return appeal


async def read_appeal(session: AsyncSession, crypto: Crypto, actor: Principal, appeal_id: str) -> AppealRead:
    """One appeal of the caller's partner; the grounds are personal, so the read is audited."""
    appeal = await _get_appeal_or_404(session, appeal_id)
    await record_audit(session, tables, actor, "appeal.read", "appeal", appeal.id, partner_id=actor.org)
    return await _appeal_read(session, crypto, appeal)


async def reassess_appeal(
    session: AsyncSession,
    crypto: Crypto,
    publisher: EventPublisher,
    actor: Principal,
    appeal_id: str,
    data: AssessmentCreate,
) -> AssessmentRead:
    """Answer an appeal with a new assessment by someone other than the first assessor."""
    appeal = await _get_appeal_or_404(session, appeal_id)
    if appeal.status != "open":
        raise AppealNotAllowed(f"Appeal {appeal_id} was already reassessed.")
    first = await get_assessment_or_404(session, appeal.assessment_id)
    if actor.subject == first.assessed_by:
        raise AppealAssessorNotIndependent("An appeal must be assessed by someone other than the first assessor.")
    result = await assess_applicant(session, crypto, publisher, actor, appeal.applicant_id, data, appeal_id=appeal.id)
    appeal.status = "reassessed"
    appeal.reassessment_id = result.id
    await session.flush()
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "appeal",
            appeal.id,
            "reassessed",
            partner_id=appeal.partner_id,
            detail={"reassessment_id": result.id},
        ),
    )
    return result
