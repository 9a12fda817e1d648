"""Registry routes: operators manage organisations; services read the snapshot they cache."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status

from services.registry.deps import ToolsDep
from services.registry.organisations import service
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import SessionDep
from shared.errors import problem_responses
from shared.pagination import PageParams, page_params
from shared.schemas.common import Page
from shared.schemas.registry import (
    OrganisationChangeRead,
    OrganisationCreate,
    OrganisationKind,
    OrganisationRead,
    OrganisationStatus,
    OrganisationUpdate,
    RegistrySnapshot,
    StatusChange,
)

router = APIRouter(prefix="/v1", tags=["organisations"])
OPERATOR = [CallerKind.operator]
READERS = [CallerKind.operator, CallerKind.service]
RULE = "The registry is the platform's: it lists every organisation, and only operators change it."
Paging = Annotated[PageParams, Depends(page_params)]
Code = Annotated[str, Path(max_length=64, description="The organisation's code, exactly as registered.")]


@router.post(
    "/organisations",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganisationRead,
    responses=problem_responses(401, 403, 409, 422),
    **requires("registry:write", kinds=OPERATOR, tenant_rule=RULE),
)
async def create_organisation(
    body: OrganisationCreate, session: SessionDep, principal: CurrentPrincipal, tools: ToolsDep
) -> OrganisationRead:
    """Register a partner, an NGO or an auditor; every service accepts its tokens within seconds."""
    return await service.create_organisation(session, tools, principal, body)


@router.get(
    "/organisations",
    response_model=Page[OrganisationRead],
    responses=problem_responses(401, 403, 422),
    **requires("registry:read", kinds=READERS, tenant_rule=RULE),
)
async def list_organisations(
    session: SessionDep,
    page: Paging,
    kind: Annotated[OrganisationKind | None, Query(description="Only organisations of this kind.")] = None,
    state: Annotated[OrganisationStatus | None, Query(alias="status", description="Only with this status.")] = None,
) -> Page[OrganisationRead]:
    """One page of organisations, ordered by code."""
    return await service.list_organisations(session, page, kind, state)


@router.get(
    "/organisations/{code}",
    response_model=OrganisationRead,
    responses=problem_responses(401, 403, 404),
    **requires("registry:read", kinds=READERS, tenant_rule=RULE),
)
async def read_organisation(code: Code, session: SessionDep) -> OrganisationRead:
    """One organisation."""
    return await service.read_organisation(session, code)


@router.patch(
    "/organisations/{code}",
    response_model=OrganisationRead,
    responses=problem_responses(401, 403, 404, 422),
    **requires("registry:write", kinds=OPERATOR, tenant_rule=RULE),
)
async def update_organisation(
    code: Code, body: OrganisationUpdate, session: SessionDep, principal: CurrentPrincipal, tools: ToolsDep
) -> OrganisationRead:
    """Change an organisation's name, identity provider, currencies or mandates; each change enters its history."""
    return await service.update_organisation(session, tools, principal, code, body)


@router.post(
    "/organisations/{code}/suspend",
    response_model=OrganisationRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("registry:write", kinds=OPERATOR, tenant_rule=RULE),
)
async def suspend_organisation(
    code: Code, body: StatusChange, session: SessionDep, principal: CurrentPrincipal, tools: ToolsDep
) -> OrganisationRead:
    """Suspend an organisation: its tokens are refused and nothing may be transferred or granted to it."""
    return await service.change_status(session, tools, principal, code, OrganisationStatus.suspended, body.reason)


@router.post(
    "/organisations/{code}/reactivate",
    response_model=OrganisationRead,
    responses=problem_responses(401, 403, 404, 409, 422),
    **requires("registry:write", kinds=OPERATOR, tenant_rule=RULE),
)
async def reactivate_organisation(
    code: Code, body: StatusChange, session: SessionDep, principal: CurrentPrincipal, tools: ToolsDep
) -> OrganisationRead:
    """Reactivate a suspended organisation."""
    return await service.change_status(session, tools, principal, code, OrganisationStatus.active, body.reason)


@router.get(
    "/organisations/{code}/history",
    response_model=Page[OrganisationChangeRead],
    responses=problem_responses(401, 403, 404, 422),
    **requires("registry:read", kinds=OPERATOR, tenant_rule=RULE),
)
async def list_history(code: Code, session: SessionDep, page: Paging) -> Page[OrganisationChangeRead]:
    """One page of an organisation's changes, oldest first: who, when, and each field before and after."""
    return await service.list_history(session, code, page)


@router.get(
    "/snapshot",
    response_model=RegistrySnapshot,
    responses={304: {"description": "The snapshot still matches `If-None-Match`."}, **problem_responses(401, 403)},
    **requires("registry:read", kinds=READERS, tenant_rule=RULE),
)
async def read_snapshot(
    session: SessionDep,
    response: Response,
    if_none_match: Annotated[str | None, Header(description="The `ETag` of the snapshot held.")] = None,
) -> RegistrySnapshot | Response:
    """Every organisation at once, with an `ETag`; services poll it with `If-None-Match` and get 304 until a change."""
    body, etag = await service.snapshot(session)
    if if_none_match is not None and etag in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    return body
