"""Policy routes: upload a version, list versions, read one, fetch the shipped default."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, status

from services.eligibility.deps import PageDep, PublisherDep, requires_with_body
from services.eligibility.policies import service
from services.eligibility.policies.engine.load import PolicyFormat
from services.eligibility.policies.errors import PolicyRejected
from shared.auth import CallerKind, CurrentPrincipal, requires
from shared.deps import TenantSessionDep
from shared.errors import problem_responses
from shared.schemas.common import Page
from shared.schemas.eligibility import PolicyRead

router = APIRouter(prefix="/v1", tags=["policies"])
PARTNER = [CallerKind.partner]
MAX_POLICY_BYTES = 512 * 1024
_FORMATS: dict[str, PolicyFormat] = {
    "application/json": "json",
    "application/yaml": "yaml",
    "application/x-yaml": "yaml",
    "text/yaml": "yaml",
    "text/x-yaml": "yaml",
}
_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The policy document as YAML or JSON (see the shipped default at GET /v1/policies/default).",
        "content": {
            media: {"schema": {"type": "string", "maxLength": MAX_POLICY_BYTES}}
            for media in ("application/yaml", "application/json")
        },
    }
}


@router.post(
    "/policies",
    status_code=status.HTTP_201_CREATED,
    max_body_size=MAX_POLICY_BYTES,
    response_model=PolicyRead,
    responses=problem_responses(401, 403, 409, 422),
    **requires_with_body("policies:write", PARTNER, _BODY_DOC),
)
async def upload_policy(
    request: Request, session: TenantSessionDep, principal: CurrentPrincipal, publisher: PublisherDep
) -> PolicyRead:
    """Upload a new policy version; it is rejected, saying what to fix, unless every applicant gets an outcome."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    policy_format = _FORMATS.get(media)
    if policy_format is None:
        raise PolicyRejected(f"Send the policy as application/yaml or application/json, not {media or 'no type'}.")
    body = await request.body()
    if len(body) > MAX_POLICY_BYTES:
        raise PolicyRejected(f"The policy is larger than {MAX_POLICY_BYTES} bytes.")
    return await service.upload_policy(session, publisher, principal, body, policy_format)


@router.get(
    "/policies",
    response_model=Page[PolicyRead],
    responses=problem_responses(401, 403, 422),
    **requires("policies:read", kinds=PARTNER),
)
async def list_policies(session: TenantSessionDep, page: PageDep) -> Page[PolicyRead]:
    """List the calling partner's policy versions, oldest first."""
    return await service.list_policies(session, page)


@router.get(
    "/policies/default",
    responses=problem_responses(401, 403),
    **requires("policies:read", kinds=PARTNER),
)
async def read_default_policy(principal: CurrentPrincipal) -> dict[str, Any]:
    """The shipped default policy made out to the caller: adapt the amounts and upload it as your version."""
    return service.default_policy_document(principal.org)


@router.get(
    "/policies/{version}",
    response_model=PolicyRead,
    responses=problem_responses(401, 403, 404, 422),
    **requires("policies:read", kinds=PARTNER),
)
async def read_policy(
    version: Annotated[int, Path(ge=1, le=2**31 - 1, description="The policy version, from 1.")],
    session: TenantSessionDep,
) -> PolicyRead:
    """Read one version of the calling partner's policy."""
    return await service.read_policy(session, version)
