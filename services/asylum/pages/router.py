"""The status page: `GET /status` shows the form, `POST /status` answers it. HTML for people, not API.

The form posts to the same service function as `POST /v1/status-lookup`, so throttling, duress and the
work done are those of the API; the page only puts the answer into words.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from services.asylum.applicant import service as applicant
from services.asylum.applicant.router import pace
from services.asylum.applicant.throttle import Caller
from services.asylum.cases.states import CaseState
from services.asylum.deps import HasherDep, ThrottleDep
from services.asylum.pages.service import (
    REFERENCE_MAX,
    SECRET_MAX,
    FormProblem,
    StatusAnswer,
    advise,
    check_entry,
    explain_refusal,
)
from shared.auth import public
from shared.deps import SessionDep
from shared.errors import ProblemError
from shared.pages.site import FormDep, PageContext, PageDep, PageSite, SiteDep
from shared.schemas.asylum import StatusLookupRequest

router = APIRouter(include_in_schema=False)
OPEN = public(
    "applicants have no account: the case reference and secret typed into the form are the credentials, "
    "checked and throttled exactly as the status lookup API does"
)


def _form(
    site: PageSite, page: PageContext, *, status: int = 200, reference: str = "", problem: FormProblem | None = None
) -> HTMLResponse:
    headers = {"Retry-After": str(problem.wait_minutes * 60)} if problem and problem.wait_minutes else None
    return site.render(page, "status.html", status=status, reference=reference, problem=problem, headers=headers)


@router.get("/status", response_class=HTMLResponse, **OPEN)
async def status_form(page: PageDep, site: SiteDep) -> HTMLResponse:
    """The form asking for the case reference and secret."""
    return _form(site, page)


@router.post("/status", response_class=HTMLResponse, **OPEN)
async def status_answer(
    request: Request,
    form: FormDep,
    page: PageDep,
    site: SiteDep,
    session: SessionDep,
    hasher: HasherDep,
    policy: ThrottleDep,
) -> Response:
    """The case's status in plain words, or what to fix in the form; a refusal waits as the API's does."""
    reference, secret = form.text("reference", REFERENCE_MAX), form.text("secret", SECRET_MAX)
    if (missing := check_entry(reference, secret)) is not None:
        return _form(site, page, status=422, reference=reference, problem=missing)
    caller = Caller(client=request.client.host if request.client else "unknown", reference=reference, secret=secret)
    query = StatusLookupRequest(reference=reference, secret=secret, language="ru" if page.language == "ru" else "en")
    result = await applicant.look_up_status(session, hasher, policy, caller, query)
    if isinstance(result, ProblemError):
        refused = _form(
            site, page, status=result.status, reference=reference, problem=explain_refusal(result, reference)
        )
        return pace(request, refused, result)
    answer = StatusAnswer(result.status, result.next_step, result.since, advise(CaseState(result.state)))
    return site.render(page, "status_answer.html", answer=answer)
