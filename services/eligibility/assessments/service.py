"""Assessment rules: evaluate the policy in force on a date and store the outcome with its trace; read assessments.

Approving or rejecting an assessment is in `decisions.py`, appeals against it in `appeals.py`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.applicants.service import Crypto, decrypt_identity, family_member_ids, get_applicant_or_404
from services.eligibility.assessments import repository
from services.eligibility.assessments.errors import AssessmentNotFound
from services.eligibility.models import Applicant, Assessment
from services.eligibility.policies.engine.evaluate import Outcome, evaluate
from services.eligibility.policies.engine.facts import ApplicantFacts, BirthDateAfterAssessment
from services.eligibility.policies.service import policy_in_force
from services.eligibility.screening.engine import parse_partial_date
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.crypto import FieldCipher
from shared.errors import Unprocessable
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas.common import Page
from shared.schemas.eligibility import (
    ApprovalRead,
    AssessmentCreate,
    AssessmentRead,
    AssessmentStatus,
    Category,
    EntitlementsRead,
    TierTraceRead,
)

_MILITARY = {Category.conscript, Category.contract_soldier, Category.officer, Category.senior_officer}
_TRACE_FIELD = "assessments.trace"
REJECTION_REASON_FIELD = "assessments.rejection_reason"


async def assessment_read(session: AsyncSession, cipher: FieldCipher, assessment: Assessment) -> AssessmentRead:
    """The wire form of an assessment with its approvals and its trace and rejection reason, decrypted."""
    partner, row = assessment.partner_id, assessment.id
    trace = json.loads(await cipher.decrypt(session, partner, assessment.trace_enc, field=_TRACE_FIELD, row=row))
    reason = (
        None
        if assessment.rejection_reason_enc is None
        else await cipher.decrypt(
            session, partner, assessment.rejection_reason_enc, field=REJECTION_REASON_FIELD, row=row
        )
    )
    return AssessmentRead(
        id=assessment.id,
        applicant_id=assessment.applicant_id,
        partner_id=assessment.partner_id,
        policy_version=assessment.policy_version,
        assessment_date=assessment.assessment_date,
        tier=assessment.tier,
        tier_title=assessment.tier_title,
        eligible=assessment.eligible,
        entitlements=EntitlementsRead.model_validate(assessment.entitlements),
        totals=assessment.totals,
        required_approvers=assessment.required_approvers,
        approvals=[ApprovalRead(approver=a.approver, approved_at=a.approved_at) for a in assessment.approvals],
        status=AssessmentStatus(assessment.status),
        assessed_by=assessment.assessed_by,
        appeal_id=assessment.appeal_id,
        rejection_reason=reason,
        tiers=[TierTraceRead.model_validate(t) for t in trace["tiers"]],
        explanation=list(trace["explanation"]),
        created_at=assessment.created_at,
    )


async def applicant_facts(session: AsyncSession, crypto: Crypto, applicant: Applicant) -> ApplicantFacts:
    """What a policy may test about an applicant; nothing about testimony exists here."""
    _, birth, rank_or_post = await decrypt_identity(session, crypto, applicant)
    category = Category(applicant.category)
    military = category in _MILITARY
    born = parse_partial_date(birth)
    return ApplicantFacts(
        category=category,
        citizenship=applicant.citizenship,
        birth_date=date(born.year, born.month or 1, born.day or 1) if born else None,
        birth_date_known_to="day" if born is None or born.day else "month" if born.month else "year",
        rank=rank_or_post if military else None,
        post=None if military else rank_or_post,
        service_verified=applicant.service_verified,
        arrived_in_partner_territory=applicant.arrived_in_partner_territory,
        left_post=applicant.left_post,
        family_members=len(await family_member_ids(session, applicant.id)),
    )


async def assess_applicant(
    session: AsyncSession,
    crypto: Crypto,
    publisher: EventPublisher,
    actor: Principal,
    applicant_id: str,
    data: AssessmentCreate,
    *,
    appeal_id: str | None = None,
) -> AssessmentRead:
    """Evaluate the policy in force on the date and store version, tier, entitlements and trace."""
    applicant = await get_applicant_or_404(session, applicant_id)
    day = data.assessment_date or datetime.now(UTC).date()
    policy, document = await policy_in_force(session, day)
    try:
        outcome: Outcome = evaluate(document, await applicant_facts(session, crypto, applicant), day)
    except BirthDateAfterAssessment as error:
        raise Unprocessable(f"Cannot assess on {day.isoformat()}: {error}.") from error
    await repository.supersede_pending(session, applicant.id)
    trace = json.dumps(
        {"tiers": [t.model_dump(mode="json") for t in outcome.tiers], "explanation": outcome.explanation},
        ensure_ascii=False,
    )
    assessment_id = new_id()
    assessment = Assessment(
        id=assessment_id,
        partner_id=applicant.partner_id,
        applicant_id=applicant.id,
        policy_id=policy.id,
        policy_version=outcome.policy_version,
        assessment_date=day,
        tier=outcome.tier,
        tier_title=outcome.tier_title,
        eligible=outcome.eligible,
        entitlements=outcome.entitlements.model_dump(mode="json"),
        totals=outcome.totals,
        required_approvers=outcome.required_approvers,
        trace_enc=await crypto.cipher.encrypt(
            session, applicant.partner_id, trace, field=_TRACE_FIELD, row=assessment_id
        ),
        status=(AssessmentStatus.pending_approval if outcome.eligible else AssessmentStatus.not_eligible).value,
        assessed_by=actor.subject,
        appeal_id=appeal_id,
        created_at=datetime.now(UTC),
        approvals=[],
    )
    await repository.add_assessment(session, assessment)
    await record_change(
        session,
        publisher,
        Change(
            actor,
            "assessment",
            assessment.id,
            "created",
            partner_id=applicant.partner_id,
            detail={"tier": outcome.tier, "policy_version": outcome.policy_version},
        ),
    )
    return await assessment_read(session, crypto.cipher, assessment)


async def get_assessment_or_404(session: AsyncSession, assessment_id: str, *, for_update: bool = False) -> Assessment:
    """The caller's assessment, or AssessmentNotFound."""
    assessment = await repository.get_assessment(session, assessment_id, for_update=for_update)
    if assessment is None:
        raise AssessmentNotFound(f"No assessment {assessment_id} for your organisation.")
    return assessment


async def read_assessment(session: AsyncSession, crypto: Crypto, assessment_id: str) -> AssessmentRead:
    """One assessment of the caller's partner."""
    return await assessment_read(session, crypto.cipher, await get_assessment_or_404(session, assessment_id))


async def list_assessments(
    session: AsyncSession, crypto: Crypto, applicant_id: str, page: PageParams
) -> Page[AssessmentRead]:
    """The assessments of one applicant, oldest first."""
    await get_applicant_or_404(session, applicant_id)
    rows = await repository.list_assessments_of_applicant(session, applicant_id, page)
    assessments, cursor = split_page(rows, page, lambda a: a.id)
    return Page[AssessmentRead](
        items=[await assessment_read(session, crypto.cipher, a) for a in assessments], next_cursor=cursor
    )
