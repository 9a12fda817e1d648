"""The applicant's routes: no account, only a reference and a secret; failures all look alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from fastapi import APIRouter, Request, Response, status
from starlette.types import Receive, Scope, Send

from services.asylum.applicant import service
from services.asylum.applicant.throttle import Caller
from services.asylum.cases.errors import ApplicantNotRecognised
from services.asylum.deps import HasherDep, PublisherDep, ThrottleDep
from shared.deps import DirectoryDep, SessionDep
from shared.errors import ProblemError, problem_response, problem_responses
from shared.schemas.asylum import (
    AccessGrantRead,
    ApplicantAccessGrantCreate,
    ApplicantAccessGrantRevoke,
    DuressSecretSet,
    StatusLookupRequest,
    StatusLookupResult,
)
from shared.schemas.registry import OrganisationKind

router = APIRouter(prefix="/v1/status-lookup", tags=["applicant"])
ANSWERS = {
    **problem_responses(404, 422, 429),
    503: {
        "description": "Every secret-checking slot is busy and the queue is full: nothing was checked or counted; "
        "retry after `Retry-After` seconds."
    },
}
# No bearer token: the reference and the secret in the body are the credentials.
PUBLIC: dict[str, object] = {"x-public": True}


def _caller(request: Request, reference: str, secret: str) -> Caller:
    return Caller(client=request.client.host if request.client else "unknown", reference=reference, secret=secret)


class PausedResponse(Response):
    """A response sent only after a pause, by which time the request's transaction has committed.

    The session dependency ends with the endpoint, so a slowed client holds no database connection
    while it waits.
    """

    def __init__(self, inner: Response, pause: Callable[[], Awaitable[None]]) -> None:
        self.inner = inner
        self.pause = pause
        self.status_code = inner.status_code
        self.background = None
        self.body = inner.body
        self.raw_headers = inner.raw_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.pause()
        await self.inner(scope, receive, send)


def pace(request: Request, answer: Response, problem: ProblemError) -> Response:
    """The answer to a refused lookup, held back as long as the client's failures ask (API and page alike)."""
    if isinstance(problem, ApplicantNotRecognised) and problem.delay_seconds > 0:
        return PausedResponse(answer, partial(request.app.state.lookup_pause, problem.delay_seconds))
    return answer


def _render(request: Request, problem: ProblemError) -> Response:
    # Returned rather than raised: the failure counter and duress flag must commit.
    rendered = problem_response(
        request, problem.status, problem.slug, problem.title, problem.detail, headers=problem.headers, **problem.extra
    )
    return pace(request, rendered, problem)


@router.post("", response_model=StatusLookupResult, responses=ANSWERS, openapi_extra=PUBLIC)
async def look_up_status(
    body: StatusLookupRequest, request: Request, session: SessionDep, hasher: HasherDep, policy: ThrottleDep
) -> StatusLookupResult | Response:
    """Return the plain-language status and next step of the case with this reference and secret."""
    result = await service.look_up_status(session, hasher, policy, _caller(request, body.reference, body.secret), body)
    return _render(request, result) if isinstance(result, ProblemError) else result


@router.post("/duress-secret", status_code=status.HTTP_204_NO_CONTENT, responses=ANSWERS, openapi_extra=PUBLIC)
async def set_duress_secret(
    body: DuressSecretSet, request: Request, session: SessionDep, hasher: HasherDep, policy: ThrottleDep
) -> Response:
    """Set a second secret that, if ever used, shows an ordinary status and quietly alerts the partner."""
    result = await service.set_duress_secret(
        session, hasher, policy, _caller(request, body.reference, body.secret), body
    )
    return _render(request, result) if result is not None else Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/access-grants",
    status_code=status.HTTP_201_CREATED,
    response_model=AccessGrantRead,
    responses=ANSWERS,
    openapi_extra=PUBLIC,
)
async def grant_access(
    body: ApplicantAccessGrantCreate,
    request: Request,
    session: SessionDep,
    hasher: HasherDep,
    policy: ThrottleDep,
    publisher: PublisherDep,
    directory: DirectoryDep,
) -> AccessGrantRead | Response:
    """Let a registered, active NGO see this case, at `status` or `full` level, until revoked."""
    await directory.require(body.ngo_org, field="ngo_org", kinds=(OrganisationKind.ngo,))
    result = await service.grant_access_as_applicant(
        session, publisher, hasher, policy, _caller(request, body.reference, body.secret), body
    )
    return _render(request, result) if isinstance(result, ProblemError) else result


@router.post("/access-grants/revoke", status_code=status.HTTP_204_NO_CONTENT, responses=ANSWERS, openapi_extra=PUBLIC)
async def revoke_access(
    body: ApplicantAccessGrantRevoke,
    request: Request,
    session: SessionDep,
    hasher: HasherDep,
    policy: ThrottleDep,
    publisher: PublisherDep,
) -> Response:
    """Withdraw an NGO's access to this case; it ends before this call returns."""
    result = await service.revoke_access_as_applicant(
        session, publisher, hasher, policy, _caller(request, body.reference, body.secret), body
    )
    return _render(request, result) if result is not None else Response(status_code=status.HTTP_204_NO_CONTENT)
