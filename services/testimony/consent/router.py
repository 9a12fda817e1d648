"""Consent routes: officers record consents; the person withdraws or narrows with their token alone."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.testimony.consent import holders, records, service
from services.testimony.consent.domain import ConsentEventKind
from services.testimony.deps import ToolkitDep
from shared.auth import CallerKind, CurrentPrincipal, public, requires
from shared.deps import SessionDep, TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.testimony import (
    ConsentChange,
    ConsentChangeRead,
    ConsentGive,
    ConsentGiven,
    ConsentRecordRead,
    TokenConsentGive,
    TokenNarrowing,
    TokenWithdrawal,
)

router = APIRouter(tags=["consent"])
PARTNER = [CallerKind.partner]
CONSENT_SCOPE = requires("testimonies:consent", kinds=PARTNER)
TOKEN_ONLY = public(
    "the person acts without a login: the withdrawal token handed out with a consent, or the submission token the "
    "testimony came with (for its author), authorises giving, withdrawing and narrowing that one consent only"
)


@router.post(
    "/v1/testimonies/{testimony_id}/consents",
    status_code=status.HTTP_201_CREATED,
    response_model=ConsentGiven,
    responses=problem_responses(401, 403, 404, 409, 422),
    **CONSENT_SCOPE,
)
async def give_consent(
    testimony_id: str, body: ConsentGive, session: TenantSessionDep, principal: CurrentPrincipal, kit: ToolkitDep
) -> ConsentGiven:
    """Record a person's consent; returns a signed receipt and the token that withdraws it."""
    return await service.give_consent(session, kit, principal, testimony_id, body)


@router.get(
    "/v1/testimonies/{testimony_id}/consents",
    response_model=list[ConsentRecordRead],
    responses=problem_responses(401, 403, 404),
    **requires("testimonies:read", kinds=PARTNER),
)
async def read_consents(
    testimony_id: str, session: TenantSessionDep, principal: CurrentPrincipal
) -> list[ConsentRecordRead]:
    """Read every consent history of a testimony, oldest first, each verified against its hash chain in order."""
    return await records.read_records(session, principal, testimony_id)


@router.post(
    "/v1/testimonies/{testimony_id}/consents/{record_id}/narrowings",
    response_model=ConsentChangeRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **CONSENT_SCOPE,
)
async def narrow_consent(
    testimony_id: str,
    record_id: str,
    body: ConsentChange,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    kit: ToolkitDep,
) -> ConsentChangeRead:
    """Narrow a consent on the person's behalf; what it no longer covers is taken down before this returns."""
    return await service.change_consent(
        session, kit, principal, testimony_id, record_id, ConsentEventKind.NARROWED, body.terms
    )


@router.post(
    "/v1/testimonies/{testimony_id}/consents/{record_id}/renewals",
    response_model=ConsentChangeRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **CONSENT_SCOPE,
)
async def renew_consent(
    testimony_id: str,
    record_id: str,
    body: ConsentChange,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    kit: ToolkitDep,
) -> ConsentChangeRead:
    """Renew a consent: the same terms with a later expiry or a newer notice."""
    return await service.change_consent(
        session, kit, principal, testimony_id, record_id, ConsentEventKind.RENEWED, body.terms
    )


@router.post(
    "/v1/testimonies/{testimony_id}/consents/{record_id}/withdrawals",
    response_model=ConsentChangeRead,
    responses=problem_responses(401, 403, 404, 409),
    **CONSENT_SCOPE,
)
async def withdraw_consent(
    testimony_id: str, record_id: str, session: TenantSessionDep, principal: CurrentPrincipal, kit: ToolkitDep
) -> ConsentChangeRead:
    """Withdraw a consent on the person's behalf; its publications are down before this returns."""
    return await service.change_consent(
        session, kit, principal, testimony_id, record_id, ConsentEventKind.WITHDRAWN, None
    )


@router.post(
    "/public/consent/withdrawals",
    response_model=ConsentChangeRead,
    responses=problem_responses(401, 409, 422),
    **TOKEN_ONLY,
)
async def withdraw_with_token(body: TokenWithdrawal, session: SessionDep, kit: ToolkitDep) -> ConsentChangeRead:
    """Withdraw a consent with its token alone; every surface answers 410 before this returns."""
    holder = await holders.find_holder_by_token(session, body.token)
    return await service.withdraw_as_holder(session, kit, holder)


@router.post(
    "/public/consent/narrowings",
    response_model=ConsentChangeRead,
    responses=problem_responses(401, 409, 422),
    **TOKEN_ONLY,
)
async def narrow_with_token(body: TokenNarrowing, session: SessionDep, kit: ToolkitDep) -> ConsentChangeRead:
    """Narrow a consent with its token alone; what it no longer covers is down before this returns."""
    holder = await holders.find_holder_by_token(session, body.token)
    return await service.narrow_as_holder(session, kit, holder, body.terms)


@router.post(
    "/public/consents",
    status_code=status.HTTP_201_CREATED,
    response_model=ConsentGiven,
    responses=problem_responses(401, 409, 422),
    **TOKEN_ONLY,
)
async def give_with_token(body: TokenConsentGive, session: SessionDep, kit: ToolkitDep) -> ConsentGiven:
    """Give one's own consent with a token: the receipt and the withdrawal token come back to the person alone."""
    holder = await holders.find_holder_by_token(session, body.token)
    return await service.give_consent_as_holder(session, kit, holder, body.terms)
