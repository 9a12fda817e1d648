"""Dependant routes: parse, call the service, return a shared schema."""

from __future__ import annotations

from fastapi import APIRouter, status

from services.asylum.deps import CipherDep, PublisherDep
from services.asylum.family import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.asylum import DependantCreate, DependantDecisionCreate, DependantRead

router = APIRouter(prefix="/v1/cases/{case_id}/dependants", tags=["dependants"])
PARTNER = [CallerKind.partner]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DependantRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("cases:write", kinds=PARTNER),
)
async def add_dependant(
    case_id: str,
    body: DependantCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    cipher: CipherDep,
    publisher: PublisherDep,
) -> DependantRead:
    """Add a family member to a case; name and birth date are encrypted at rest; a person joins a case once."""
    return await service.add_dependant(session, cipher, publisher, principal, case_id, body)


@router.get(
    "",
    response_model=list[DependantRead],
    responses=problem_responses(401, 403, 404),
    **requires("cases:read", kinds=PARTNER),
)
async def list_dependants(
    case_id: str, session: TenantSessionDep, principal: CurrentPrincipal, cipher: CipherDep
) -> list[DependantRead]:
    """List a case's family members in the order they were added, with their status (the read is audited)."""
    return await service.list_dependants(session, cipher, principal, case_id)


@router.post(
    "/{dependant_id}/decision",
    response_model=DependantRead,
    responses=problem_responses(401, 403, 404, 422),
    **requires("cases:write", kinds=PARTNER),
)
async def record_dependant_decision(
    case_id: str,
    dependant_id: str,
    body: DependantDecisionCreate,
    session: TenantSessionDep,
    principal: CurrentPrincipal,
    cipher: CipherDep,
    publisher: PublisherDep,
) -> DependantRead:
    """Record a decision for one family member, or clear it (`null`) to follow the main case again."""
    return await service.record_dependant_decision(session, cipher, publisher, principal, case_id, dependant_id, body)
