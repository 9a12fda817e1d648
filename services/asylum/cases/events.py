"""Events from eligibility: an approval opens or updates a case, a family member joins it; flush, never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from services.asylum.cases import repository
from services.asylum.cases.errors import CaseChangedMeanwhile
from services.asylum.cases.models import Case
from services.asylum.cases.service import AsylumTools, open_case
from services.asylum.cases.tracks import CaseCoverage, choose_case_coverage
from services.asylum.family import service as family
from services.asylum.models import tables
from shared.auth import CallerKind, Principal
from shared.changes import Change, record_change
from shared.db import lock_for_transaction
from shared.errors import Unprocessable
from shared.schemas.events import (
    APPLICANT_APPROVED,
    FAMILY_MEMBER_REGISTERED,
    ApplicantApproved,
    EventEnvelope,
    FamilyMemberRegistered,
)
from shared.tenancy import scope_to_tenant
from shared.webhooks import claim_event

# Why a partner may open a case for an applicant (`applicant_tenancies.basis`): the one an approval gives.
APPROVED_HERE = "approved"


def is_later_approval(approved: ApplicantApproved, case: Case) -> bool:
    """Whether an approval comes after the one the case follows: by approval date, then by assessment id."""
    if case.approved_on is None:
        return True
    return (approved.approved_on, approved.assessment_id) > (case.approved_on, case.assessment_id or "")


async def follow_approval(
    session: AsyncSession,
    tools: AsylumTools,
    actor: Principal,
    case: Case,
    approved: ApplicantApproved,
    coverage: CaseCoverage | None,
) -> None:
    """Bring a case up to a later approval: its citizenship path and family coverage now come from it.

    The case keeps its track, state and history; dependants already on it stay.
    """
    case.citizenship_path = approved.entitlements.citizenship_path
    case.family_track = coverage.family_track.value if coverage and coverage.family_track else None
    case.assessment_id = approved.assessment_id
    case.approved_on = approved.approved_on
    try:
        await repository.save_case(session)
    except StaleDataError as exc:
        raise CaseChangedMeanwhile(f"Case {case.id} changed while the approval was applied; deliver it again.") from exc
    await record_change(
        session,
        tools.publisher,
        Change(
            actor,
            "case",
            case.id,
            "approval_applied",
            partner_id=case.partner_id,
            detail={"assessment_id": approved.assessment_id, "citizenship_path": case.citizenship_path},
        ),
    )


async def open_case_from_approval(
    session: AsyncSession, tools: AsylumTools, event: EventEnvelope, approved: ApplicantApproved
) -> None:
    """Open the case of an approved applicant, or bring its case up to a later approval; then gather the family.

    Approvals and family registrations may arrive in any order: every family member heard of is remembered,
    and joins the case once the case exists and covers the family. An approval older than the one the case
    follows changes nothing but what it teaches about the family.
    """
    granted = approved.entitlements
    coverage = choose_case_coverage(
        asylum_track=granted.asylum_track,
        residence_path=granted.residence_path,
        family_asylum=granted.family_asylum,
        family_residence_path=granted.family_residence_path,
    )
    partner, applicant = approved.partner_id, approved.applicant_id
    scope_to_tenant(session, partner)
    await lock_for_transaction(session, family.family_lock_name(partner, applicant))
    await repository.add_applicant_tenancy(session, partner, applicant, APPROVED_HERE, datetime.now(UTC))
    await family.remember_family_members(session, partner, applicant, approved.dependant_ids)
    actor = Principal(org=event.source, kind=CallerKind.service, subject=f"event:{event.id}")
    case = await repository.get_case_of_applicant(session, partner, applicant)
    if case is None:
        if coverage is None:
            return
        # No secret yet: the partner issues one when it meets the applicant, so nobody else ever sees it.
        case, _ = await open_case(
            session,
            tools,
            actor,
            partner_id=partner,
            applicant_id=applicant,
            assessment_id=approved.assessment_id,
            coverage=coverage,
            citizenship_path=granted.citizenship_path,
            approved_on=approved.approved_on,
            with_secret=False,
        )
    elif is_later_approval(approved, case):
        await follow_approval(session, tools, actor, case, approved, coverage)
    await family.join_remembered_members(session, tools.publisher, actor, case)


async def handle_event(session: AsyncSession, tools: AsylumTools, event: EventEnvelope) -> None:
    """Handle one authenticated event; repeats of an event id and unknown event types change nothing."""
    try:
        approved = ApplicantApproved.model_validate(event.data) if event.type == APPLICANT_APPROVED else None
        member = FamilyMemberRegistered.model_validate(event.data) if event.type == FAMILY_MEMBER_REGISTERED else None
    except ValidationError as exc:
        raise Unprocessable(f"The event does not match its contract: {exc.errors()[0]['msg']}.") from exc
    if approved is None and member is None:
        return
    if not await claim_event(session, tables, event.id, event.type):
        return
    if approved is not None:
        await open_case_from_approval(session, tools, event, approved)
    elif member is not None:
        scope_to_tenant(session, member.partner_id)
        actor = Principal(org=event.source, kind=CallerKind.service, subject=f"event:{event.id}")
        await family.join_family_member(
            session, tools.publisher, actor, member.partner_id, member.main_applicant_id, member.applicant_id
        )
