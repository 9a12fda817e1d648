"""Handing a case to another partner: its history, family and grants go with it; flush, never commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.asylum.cases import repository
from services.asylum.cases.errors import CaseAlreadyOpen
from services.asylum.cases.history import add_history
from services.asylum.cases.models import CaseHistoryEntry
from services.asylum.cases.service import AsylumTools, describe_case, load_case
from services.asylum.cases.states import CaseState, ensure_transferable
from services.asylum.family import service as family
from shared.auth import Principal
from shared.changes import Change, record_change
from shared.schemas.asylum import CaseRead, CaseTransfer

# Why a partner may open a case for an applicant (`applicant_tenancies.basis`): the one a transfer gives.
TRANSFERRED_HERE = "transferred"


async def transfer_case(
    session: AsyncSession, tools: AsylumTools, actor: Principal, case_id: str, data: CaseTransfer
) -> CaseRead:
    """Hand an open case, its history, family and grants, to another partner."""
    case = await load_case(session, case_id, for_update=True)
    ensure_transferable(CaseState(case.state))
    source = case.partner_id
    if data.to_partner == source:
        raise CaseAlreadyOpen("The case already belongs to your organisation; name another partner.")
    if await repository.get_case_of_applicant(session, data.to_partner, case.applicant_id) is not None:
        raise CaseAlreadyOpen(f"Partner {data.to_partner} already has a case for this applicant.")
    await family.reencrypt_dependants(session, tools.cipher, case.id, source, data.to_partner)
    case.partner_id = data.to_partner
    await repository.add_applicant_tenancy(
        session, data.to_partner, case.applicant_id, TRANSFERRED_HERE, datetime.now(UTC)
    )
    await repository.move_grants_to_partner(session, case.id, data.to_partner)
    # Sealed for the receiving partner, who holds the case from now on.
    await add_history(
        session,
        tools.cipher,
        CaseHistoryEntry(
            case_id=case.id,
            kind="transfer",
            from_state=case.state,
            to_state=case.state,
            from_partner=source,
            to_partner=data.to_partner,
            actor_org=actor.org,
            actor_subject=actor.subject,
            at=datetime.now(UTC),
        ),
        reason=data.reason,
        partner_id=data.to_partner,
    )
    # Both partners hear of it: the one that lost the case and the one that holds it now.
    for partner in (source, data.to_partner):
        await record_change(
            session,
            tools.publisher,
            Change(
                actor,
                "case",
                case.id,
                "transferred",
                partner_id=partner,
                detail={"from_partner": source, "to_partner": data.to_partner},
            ),
        )
    return describe_case(case)
