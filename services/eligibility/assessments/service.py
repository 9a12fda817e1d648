"""Assessment rules: evaluate the policy in force, maker-checker approvals, the approval event, appeals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.applicants import repository as applicants_repository
from services.eligibility.applicants.service import Crypto, decrypt_identity, get_applicant_or_404
from services.eligibility.assessments import repository
from services.eligibility.changes import announce_change
from services.eligibility.errors import (
    AppealAssessorNotIndependent,
    AppealNotAllowed,
    AppealNotFound,
    ApprovalBlocked,
    ApproverAlreadySigned,
    AssessmentNotFound,
    AssessmentNotPending,
    AssessorCannotApprove,
)
from services.eligibility.models import Appeal, Applicant, Approval, Assessment, tables
from services.eligibility.policies.engine.evaluate import Outcome, evaluate
from services.eligibility.policies.engine.facts import ApplicantFacts, BirthDateAfterAssessment
from services.eligibility.policies.service import policy_in_force
from services.eligibility.screening.engine import parse_partial_date
from services.eligibility.screening.lists.service import screening_blockers
from shared.audit import record_audit
from shared.auth import Principal
from shared.crypto import FieldCipher
from shared.errors import Unprocessable
from shared.ids import new_id
from shared.outbox import EventPublisher
from shared.pagination import PageParams, split_page
from shared.schemas import events
from shared.schemas.common import Page
from shared.schemas.eligibility import (
    AppealRead,
    ApprovalRead,
    AssessmentCreate,
    AssessmentRead,
    AssessmentStatus,
    Category,
    DuplicateStatus,
    EntitlementsRead,
    TierTraceRead,
)

_MILITARY = {Category.conscript, Category.contract_soldier, Category.officer, Category.senior_officer}


_TRACE_FIELD = "assessments.trace"
_REJECTION_REASON_FIELD = "assessments.rejection_reason"
_GROUNDS_FIELD = "appeals.grounds"


async def assessment_read(session: AsyncSession, cipher: FieldCipher, assessment: Assessment) -> AssessmentRead:
    """The wire form of an assessment with its approvals and its trace and rejection reason, decrypted."""
    partner, row = assessment.partner_id, assessment.id
    trace = json.loads(await cipher.decrypt(session, partner, assessment.trace_enc, field=_TRACE_FIELD, row=row))
    reason = (
        None
        if assessment.rejection_reason_enc is None
        else await cipher.decrypt(
            session, partner, assessment.rejection_reason_enc, field=_REJECTION_REASON_FIELD, row=row
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
        family_members=len(await applicants_repository.list_family_member_ids(session, applicant.id)),
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
    await announce_change(
        session,
        publisher,
        actor,
        "assessment",
        assessment.id,
        "created",
        partner_id=applicant.partner_id,
        detail={"tier": outcome.tier, "policy_version": outcome.policy_version},
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


async def approval_blockers(session: AsyncSession, assessment: Assessment, on: date) -> list[str]:
    """Why the assessment cannot be approved now, apart from who approves (empty: nothing blocks)."""
    applicant = await get_applicant_or_404(session, assessment.applicant_id)
    reasons = []
    if applicant.duplicate_status == DuplicateStatus.suspected.value:
        reasons.append("an identity document was registered before; an officer must resolve the duplicate")
    if applicant.duplicate_status == DuplicateStatus.confirmed.value:
        reasons.append("the applicant was confirmed as a duplicate of an earlier registration")
    reasons += await screening_blockers(session, applicant, assessment.totals, on)
    return reasons


def _check_checker(assessment: Assessment, actor: Principal) -> None:
    if assessment.status != AssessmentStatus.pending_approval.value:
        raise AssessmentNotPending(f"Assessment {assessment.id} is {assessment.status}, not pending approval.")
    if actor.subject == assessment.assessed_by:
        raise AssessorCannotApprove("Maker-checker: the assessor cannot approve or reject their own assessment.")


async def approve_assessment(
    session: AsyncSession, crypto: Crypto, publisher: EventPublisher, actor: Principal, assessment_id: str
) -> AssessmentRead:
    """Add an approval; once enough distinct approvers signed, announce the approval as an event."""
    assessment = await get_assessment_or_404(session, assessment_id, for_update=True)
    _check_checker(assessment, actor)
    if any(a.approver == actor.subject for a in assessment.approvals):
        raise ApproverAlreadySigned("You have already approved this assessment; another approver must sign.")
    today = datetime.now(UTC).date()
    blockers = await approval_blockers(session, assessment, today)
    if blockers:
        raise ApprovalBlocked("Approval is blocked: " + "; ".join(blockers) + ".")
    now = datetime.now(UTC)
    assessment.approvals.append(Approval(approver=actor.subject, approved_at=now))
    await session.flush()
    if len(assessment.approvals) < assessment.required_approvers:
        await announce_change(
            session, publisher, actor, "assessment", assessment.id, "approval_added", partner_id=actor.org
        )
    else:
        # The deciding signature is announced by the approval event itself, not by a second, generic one.
        await record_audit(
            session, tables, actor, "assessment.approval_added", "assessment", assessment.id, partner_id=actor.org
        )
        assessment.status = AssessmentStatus.approved.value
        assessment.decided_at = now
        await session.flush()
        await publisher.publish(
            session,
            events.APPLICANT_APPROVED,
            await _approval_event(session, assessment, today),
            partner_id=assessment.partner_id,
        )
    return await assessment_read(session, crypto.cipher, assessment)


async def _approval_event(session: AsyncSession, assessment: Assessment, on: date) -> events.ApplicantApproved:
    granted = EntitlementsRead.model_validate(assessment.entitlements)
    bounty = granted.bounty
    stipend = granted.stipend
    family = granted.family.asylum or granted.family.residence_path
    dependants = await applicants_repository.list_family_member_ids(session, assessment.applicant_id) if family else []
    applicant = await get_applicant_or_404(session, assessment.applicant_id)
    return events.ApplicantApproved(
        applicant_id=assessment.applicant_id,
        assessment_id=assessment.id,
        partner_id=assessment.partner_id,
        tier=assessment.tier,
        policy_version=str(assessment.policy_version),
        approved_on=on,
        entitlements=events.Entitlements(
            bounty=events.BountyEntitlement(
                currency=bounty.currency,
                total_minor=bounty.amount,
                tranches=[events.BountyTranche(amount_minor=t.amount, trigger=t.release) for t in bounty.tranches],
            )
            if bounty
            else None,
            stipend=events.StipendEntitlement(
                currency=stipend.currency, monthly_minor=stipend.monthly_amount, months=stipend.months
            )
            if stipend
            else None,
            asylum_track=granted.asylum_track,
            residence_path=granted.residence_path,
            citizenship_path=granted.citizenship_path,
            family_covered=family,
            family_asylum=granted.family.asylum,
            family_residence_path=granted.family.residence_path,
        ),
        dependant_ids=dependants,
        arrival_verified=applicant.arrived_in_partner_territory,
    )


async def reject_assessment(
    session: AsyncSession, crypto: Crypto, publisher: EventPublisher, actor: Principal, assessment_id: str, reason: str
) -> AssessmentRead:
    """A checker other than the assessor rejects an assessment pending approval."""
    assessment = await get_assessment_or_404(session, assessment_id, for_update=True)
    _check_checker(assessment, actor)
    assessment.status = AssessmentStatus.rejected.value
    assessment.rejected_by = actor.subject
    assessment.rejection_reason_enc = await crypto.cipher.encrypt(
        session, assessment.partner_id, reason, field=_REJECTION_REASON_FIELD, row=assessment.id
    )
    assessment.decided_at = datetime.now(UTC)
    await session.flush()
    await announce_change(session, publisher, actor, "assessment", assessment.id, "rejected", partner_id=actor.org)
    return await assessment_read(session, crypto.cipher, assessment)


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
    await announce_change(session, publisher, actor, "appeal", appeal.id, "filed", partner_id=actor.org)
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
    await announce_change(
        session,
        publisher,
        actor,
        "appeal",
        appeal.id,
        "reassessed",
        partner_id=appeal.partner_id,
        detail={"reassessment_id": result.id},
    )
    return result
