"""Maker-checker decisions on an assessment: approvals by distinct checkers, what still blocks an approval, rejection.

The deciding approval is announced by the approval event itself (`eligibility.applicant.approved`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.eligibility.applicants.service import Crypto, family_member_ids, get_applicant_or_404
from services.eligibility.assessments.errors import (
    ApprovalBlocked,
    ApproverAlreadySigned,
    AssessmentNotPending,
    AssessorCannotApprove,
)
from services.eligibility.assessments.service import REJECTION_REASON_FIELD, assessment_read, get_assessment_or_404
from services.eligibility.models import Approval, Assessment
from services.eligibility.screening.lists.waivers import screening_blockers
from shared.auth import Principal
from shared.changes import Announcement, Change, record_change
from shared.outbox import EventPublisher
from shared.schemas import events
from shared.schemas.eligibility import AssessmentRead, AssessmentStatus, DuplicateStatus, EntitlementsRead


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
        await record_change(
            session, publisher, Change(actor, "assessment", assessment.id, "approval_added", partner_id=actor.org)
        )
    else:
        # The deciding signature is announced by the approval event itself, not by a second, generic one.
        assessment.status = AssessmentStatus.approved.value
        assessment.decided_at = now
        await session.flush()
        approved = Announcement(events.APPLICANT_APPROVED, await _approval_event(session, assessment, today))
        await record_change(
            session,
            publisher,
            Change(
                actor,
                "assessment",
                assessment.id,
                "approval_added",
                partner_id=assessment.partner_id,
                announced_by=approved,
            ),
        )
    return await assessment_read(session, crypto.cipher, assessment)


async def _approval_event(session: AsyncSession, assessment: Assessment, on: date) -> events.ApplicantApproved:
    granted = EntitlementsRead.model_validate(assessment.entitlements)
    bounty = granted.bounty
    stipend = granted.stipend
    family = granted.family.asylum or granted.family.residence_path
    dependants = await family_member_ids(session, assessment.applicant_id) if family else []
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
        session, assessment.partner_id, reason, field=REJECTION_REASON_FIELD, row=assessment.id
    )
    assessment.decided_at = datetime.now(UTC)
    await session.flush()
    await record_change(
        session, publisher, Change(actor, "assessment", assessment.id, "rejected", partner_id=actor.org)
    )
    return await assessment_read(session, crypto.cipher, assessment)
