"""What every app that serves pages adds: the language switch, the stylesheet, and the refusal of forged forms."""

from __future__ import annotations

import re

from fastapi import APIRouter, FastAPI, Request, status
from fastapi.responses import RedirectResponse, Response

from shared.auth import public
from shared.pages.i18n import LANGUAGES
from shared.pages.security import LANGUAGE_COOKIE
from shared.pages.site import (
    LANGUAGE_COOKIE_SECONDS,
    STATIC,
    FormDep,
    FormRejected,
    PageDep,
    PageSite,
    form_guard,
    page_context,
)

STYLESHEET = "/assets/pages.css"
# Only a plain path of this site: no scheme, no host, no query (so nothing personal can ride along).
_LOCAL_PATH = re.compile(r"^/(?!/)[A-Za-z0-9/_.-]{0,200}$")

router = APIRouter(include_in_schema=False)


@router.post(
    "/language",
    **public("anyone reading a page may choose its language; the form token ties the choice to their own browser"),
)
async def choose_language(form: FormDep, page: PageDep) -> Response:
    """Remember the reader's language in a cookie and go back to the page they were reading."""
    language = form.text("language", 8)
    back = form.text("next", 200)
    target = back if _LOCAL_PATH.fullmatch(back) else "/"
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    if language in LANGUAGES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_SECONDS,
            path="/",
            secure=page.secure,
            httponly=True,
            samesite="lax",
        )
    return response


@router.get(STYLESHEET, **public("the pages' own stylesheet, served from this origin so no one else sees a visit"))
async def stylesheet() -> Response:
    """The stylesheet of every page."""
    return Response(
        (STATIC / "pages.css").read_bytes(),
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def install_pages(app: FastAPI, site: PageSite) -> None:
    """Serve pages from this app: the site, the language switch and stylesheet, and the refusal of forged forms."""
    app.state.pages = site
    app.include_router(router)

    async def refuse_form(request: Request, _: Exception) -> Response:
        return site.render(page_context(request, form_guard(request)), "form_rejected.html", status=403)

    app.add_exception_handler(FormRejected, refuse_form)
