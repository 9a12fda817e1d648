"""`/my-testimony` for the applicant and `/public/testimonies` for everyone: HTML for people, not API.

Every form posts here with its page token; the applicant's token is posted once, to open a page session, and
never appears in a URL. The pages call the same service functions as the `/public/...` JSON routes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.testimony.applicant.service import read_my_testimony
from services.testimony.common.toolkit import APPROVED, PUBLIC_ROOT, REFUSED, WELL_KNOWN_KEYS, Toolkit, utc_now
from services.testimony.consent import service as consent
from services.testimony.consent.errors import ConsentNotNarrower
from services.testimony.consent.holders import TokenHolder
from services.testimony.deps import ToolkitDep
from services.testimony.errors import (
    ConsentAlreadyRecorded,
    ConsentChangeRefused,
    PublicationGone,
    PublicationNotFound,
    ReviewRefused,
    TokenNotRecognised,
)
from services.testimony.pages import service
from services.testimony.pages.service import PURPOSES, ConsentForm
from services.testimony.public import service as public_view
from services.testimony.review.service import answer_as_subject
from services.testimony.signing.errors import SignatureInvalid
from services.testimony.signing.receipts import read_consent_receipt
from services.testimony.signing.tokens import WITHDRAWAL_TOKEN_PREFIX
from shared.auth import public
from shared.deps import SessionDep
from shared.errors import ProblemError
from shared.pages.i18n import N_
from shared.pages.security import page_headers
from shared.pages.site import FormDep, GuardDep, PageContext, PageDep, PageForm, PageSite, SiteDep
from shared.schemas.testimony import ConsentChangeRead, ConsentGiven, ConsentTermsModel

router = APIRouter(include_in_schema=False)
HOME = "/my-testimony"
APPLICANT = public(
    "the applicant has no account: the submission or withdrawal token he posts once opens a page session "
    "(an HttpOnly, SameSite=Strict cookie) that acts for his own consent only"
)
OPEN = public("published testimonies and how to verify them are meant for everyone")
# Search engines may list published testimonies; every other page asks them not to.
INDEXED = "index, follow"
_NOT_NARROWER = N_(
    "A change can only take something away from your consent, and must change something. "
    "To allow more, withdraw your consent and give it again."
)
_REFUSALS: dict[type[ProblemError], str] = {
    ConsentAlreadyRecorded: N_("Your consent is already in force. You can narrow or withdraw it below."),
    ReviewRefused: N_("This version changed or is already published: look at it again below."),
    ConsentChangeRefused: N_("Your consent could not be changed as asked. Nothing was changed."),
}


def _redirect(page: PageContext, target: str = HOME) -> Response:
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER, headers=page_headers(private=True))
    page.set_cookies(response)
    return response


def _explain(problem: ProblemError) -> str:
    if isinstance(problem, ConsentChangeRefused) and isinstance(problem.__cause__, ConsentNotNarrower):
        return _NOT_NARROWER
    return next(
        (message for kind, message in _REFUSALS.items() if isinstance(problem, kind)),
        N_("That did not work. Nothing was changed. Try again, or ask the officer who took your testimony."),
    )


async def _dashboard(
    site: PageSite,
    page: PageContext,
    session: AsyncSession,
    kit: Toolkit,
    holder: TokenHolder,
    *,
    form: ConsentForm | None = None,
    problems: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    view = await read_my_testimony(session, kit, holder)
    return site.render(
        page,
        "my_testimony.html",
        status=status_code,
        view=view,
        form=form or service.form_from_record(view.consent),
        purposes=PURPOSES,
        problems=problems or [],
        notice=service.NOTICE_VERSION,
    )


def _closed(site: PageSite, page: PageContext) -> HTMLResponse:
    """The token form, for a browser whose page session is missing or over."""
    return site.render(page, "my_open.html", status=401, problem=N_("Your page was closed. Enter your token again."))


@router.get(HOME, response_class=HTMLResponse, **APPLICANT)
async def my_testimony(page: PageDep, site: SiteDep, session: SessionDep, kit: ToolkitDep) -> HTMLResponse:
    """The applicant's testimony, consent and publications, or the form asking for his token."""
    holder = await service.find_page_holder(session, page)
    if holder is None:
        return site.render(page, "my_open.html", problem=None)
    return await _dashboard(site, page, session, kit, holder)


@router.post(f"{HOME}/open", **APPLICANT)
async def open_my_testimony(
    form: FormDep, page: PageDep, site: SiteDep, guard: GuardDep, session: SessionDep, kit: ToolkitDep
) -> Response:
    """Check the applicant's token and open his page; the token itself is never stored or put in a URL."""
    token = form.text("token", service.TOKEN_MAX)
    if not token:
        return site.render(page, "my_open.html", status=422, problem=N_("Enter your token."))
    try:
        await service.open_page_session(session, page, guard, token, kit.settings.page_session_minutes)
    except TokenNotRecognised:
        problem = N_(
            "This token is not valid. Use the submission token your testimony was sent with, "
            "or the withdrawal token you received when you gave consent."
        )
        return site.render(page, "my_open.html", status=401, problem=problem)
    return _redirect(page)


ConsentAction = Callable[[TokenHolder, ConsentTermsModel], Awaitable[ConsentChangeRead]]


def _receipt(site: PageSite, page: PageContext, kit: Toolkit, change: ConsentChangeRead) -> HTMLResponse:
    token = change.withdrawal_token if isinstance(change, ConsentGiven) else None
    return site.render(page, "my_receipt.html", change=change, token=token, keys_url=kit.public_url(WELL_KNOWN_KEYS))


async def _send_consent_form(
    form: PageForm, page: PageContext, site: PageSite, session: AsyncSession, kit: Toolkit, act: ConsentAction
) -> Response:
    """Read the consent form, apply it with `act`, and show the receipt (or what to correct)."""
    holder = await service.find_page_holder(session, page)
    if holder is None:
        return _closed(site, page)
    entered = service.read_consent_form(form, utc_now().date())
    if entered.problems:
        return await _dashboard(
            site, page, session, kit, holder, form=entered, problems=entered.problems, status_code=422
        )
    try:
        change = await act(holder, entered.to_terms(page.language))
    except ProblemError as problem:
        return await _dashboard(
            site, page, session, kit, holder, form=entered, problems=[_explain(problem)], status_code=problem.status
        )
    if isinstance(change, ConsentGiven):
        await service.follow_new_token(session, page, holder, change.withdrawal_token)
    return _receipt(site, page, kit, change)


@router.post(f"{HOME}/consent", response_class=HTMLResponse, **APPLICANT)
async def give_consent(form: FormDep, page: PageDep, site: SiteDep, session: SessionDep, kit: ToolkitDep) -> Response:
    """Give consent as the applicant: the withdrawal token and signed receipt are shown to him, once."""

    async def give(holder: TokenHolder, terms: ConsentTermsModel) -> ConsentChangeRead:
        return await consent.give_consent_as_holder(session, kit, holder, terms)

    return await _send_consent_form(form, page, site, session, kit, give)


@router.post(f"{HOME}/narrow", response_class=HTMLResponse, **APPLICANT)
async def narrow_consent(form: FormDep, page: PageDep, site: SiteDep, session: SessionDep, kit: ToolkitDep) -> Response:
    """Narrow the applicant's consent; whatever it no longer covers is taken down before the page answers."""

    async def narrow(holder: TokenHolder, terms: ConsentTermsModel) -> ConsentChangeRead:
        return await consent.narrow_as_holder(session, kit, holder, terms)

    return await _send_consent_form(form, page, site, session, kit, narrow)


@router.post(f"{HOME}/withdraw", response_class=HTMLResponse, **APPLICANT)
async def withdraw_consent(
    form: FormDep, page: PageDep, site: SiteDep, session: SessionDep, kit: ToolkitDep
) -> Response:
    """Withdraw the applicant's consent: everything it covered is down before the page answers."""
    holder = await service.find_page_holder(session, page)
    if holder is None:
        return _closed(site, page)
    try:
        change = await consent.withdraw_as_holder(session, kit, holder)
    except ProblemError as problem:
        return await _dashboard(
            site, page, session, kit, holder, problems=[_explain(problem)], status_code=problem.status
        )
    return _receipt(site, page, kit, change)


@router.post(f"{HOME}/answer", **APPLICANT)
async def answer_version(form: FormDep, page: PageDep, site: SiteDep, session: SessionDep, kit: ToolkitDep) -> Response:
    """Approve or refuse one exact version prepared for publication."""
    holder = await service.find_page_holder(session, page)
    if holder is None:
        return _closed(site, page)
    decision = APPROVED if form.text("decision", 10) == "approve" else REFUSED
    try:
        await answer_as_subject(
            session, kit, holder, form.text("derivative_id", 36), form.text("content_sha256", 64), decision
        )
    except ProblemError as problem:
        return await _dashboard(
            site, page, session, kit, holder, problems=[_explain(problem)], status_code=problem.status
        )
    return _redirect(page)


@router.post(f"{HOME}/receipt", **APPLICANT)
async def download_receipt(
    form: FormDep, page: PageDep, site: SiteDep, session: SessionDep, kit: ToolkitDep
) -> Response:
    """Hand the receipt just shown (and the withdrawal token, if any) back as a file; nothing is kept to do so."""
    holder = await service.find_page_holder(session, page)
    if holder is None:
        return _closed(site, page)
    receipt = form.text("receipt", 20_000)
    token = form.text("withdrawal_token", service.TOKEN_MAX)
    try:
        claims = read_consent_receipt(receipt, kit.signing_key.public_key)
    except SignatureInvalid:
        problem = N_("This receipt was not issued by the programme, so it was not handed back.")
        return await _dashboard(site, page, session, kit, holder, problems=[problem], status_code=422)
    body = (
        site.environments[page.language]
        .get_template("receipt.txt")
        .render(
            claims=claims,
            receipt=receipt,
            token=token if token.startswith(WITHDRAWAL_TOKEN_PREFIX) else None,
            keys_url=kit.public_url(WELL_KNOWN_KEYS),
            page_url=kit.public_url(HOME),
        )
    )
    headers = {**page_headers(private=True), "Content-Disposition": 'attachment; filename="consent-receipt.txt"'}
    return Response(body.encode("utf-8"), media_type="text/plain; charset=utf-8", headers=headers)


@router.post(f"{HOME}/close", **APPLICANT)
async def close_my_testimony(form: FormDep, page: PageDep, guard: GuardDep, session: SessionDep) -> Response:
    """Close the applicant's page session in this browser."""
    await service.close_page_session(session, page, guard)
    return _redirect(page)


@router.get(PUBLIC_ROOT, response_class=HTMLResponse, **OPEN)
async def public_list(page: PageDep, site: SiteDep, session: SessionDep, kit: ToolkitDep) -> HTMLResponse:
    """Every published testimony, newest first."""
    items = await public_view.list_public_items(session, kit, utc_now())
    return site.render(
        page, "public_list.html", private=False, robots=INDEXED, items=items, feeds=public_view.site_context(kit)
    )


@router.get(f"{PUBLIC_ROOT}/{{publication_id}}", response_class=HTMLResponse, **OPEN)
async def public_item(
    publication_id: str, page: PageDep, site: SiteDep, session: SessionDep, kit: ToolkitDep
) -> HTMLResponse:
    """One published testimony with how to verify it; 410 once withdrawn, 404 if it never was."""
    feeds = public_view.site_context(kit)
    try:
        item = await public_view.find_public_item(session, kit, publication_id, utc_now())
    except PublicationGone:
        return site.render(
            page, "public_gone.html", status=410, private=False, robots="noindex, noarchive", feeds=feeds
        )
    except PublicationNotFound:
        return site.render(page, "public_missing.html", status=404, private=False, feeds=feeds)
    return site.render(page, "public_item.html", private=False, robots=INDEXED, item=item, feeds=feeds)
