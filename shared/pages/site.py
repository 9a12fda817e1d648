"""Rendering pages: one template environment per language, the request's page context, checked forms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from babel.dates import format_date, format_datetime
from babel.support import NullTranslations
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.datastructures import FormData

from shared.config import Environment as Deployment
from shared.pages.i18n import LANGUAGES, SHARED_CATALOGUE, language_name, load_translations, negotiate_language
from shared.pages.security import (
    CSRF_FIELD,
    LANGUAGE_COOKIE,
    FormGuard,
    is_session_id,
    new_session_id,
    page_headers,
    session_cookie_name,
)

SHARED_TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# Long enough for a reader to come back to a page the same day; a language choice may last a year.
SESSION_COOKIE_SECONDS = 12 * 3600
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


@dataclass
class PageContext:
    """What a page needs to know about its reader: language, page session and form token, where they are."""

    language: str
    session_id: str
    csrf_token: str
    path: str
    secure: bool
    new_session: bool = False
    languages: Sequence[tuple[str, str]] = field(default_factory=tuple)

    def start_new_session(self, guard: FormGuard) -> str:
        """Give the browser a new session id (when opening or closing server-side state); returns it."""
        self.session_id = new_session_id()
        self.csrf_token = guard.token_for(self.session_id)
        self.new_session = True
        return self.session_id

    def set_cookies(self, response: Response) -> None:
        """Send the session cookie if it is new; HttpOnly and SameSite=Strict always."""
        if self.new_session:
            response.set_cookie(
                session_cookie_name(self.secure),
                self.session_id,
                max_age=SESSION_COOKIE_SECONDS,
                path="/",
                secure=self.secure,
                httponly=True,
                samesite="strict",
            )


# Day, month in words and year with nothing after it (Russian "long" dates end in an abbreviated "year"),
# so a date sits well inside a sentence; moments in UTC to the minute.
DAY_PATTERN = "d MMMM y"
MOMENT_PATTERN = "d MMMM y, HH:mm 'UTC'"


def _day(moment: date | datetime, language: str) -> str:
    return format_date(moment, format=DAY_PATTERN, locale=language)


def _moment(moment: datetime, language: str) -> str:
    return format_datetime(moment, format=MOMENT_PATTERN, tzinfo=UTC, locale=language)


class PageSite:
    """The templates and translations of one service's pages, in every language."""

    def __init__(self, template_dirs: Sequence[Path], catalogue_dirs: Sequence[Path]) -> None:
        self.catalogue_dirs = (SHARED_CATALOGUE, *catalogue_dirs)
        self.template_dirs = (*template_dirs, SHARED_TEMPLATES)
        self.environments = {language: self._environment(language) for language in LANGUAGES}

    def translations(self, language: str) -> NullTranslations:
        """The merged translations (shared layout and this service) of one language."""
        return load_translations(self.catalogue_dirs, language)

    def _environment(self, language: str) -> Environment:
        environment = Environment(
            loader=FileSystemLoader(self.template_dirs),
            # HTML is escaped; plain-text templates (files handed to the reader) are not.
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"],
        )
        environment.install_gettext_translations(self.translations(language), newstyle=True)  # type: ignore[attr-defined]
        environment.filters["day"] = lambda moment: _day(moment, language)
        environment.filters["moment"] = lambda moment: _moment(moment, language)
        return environment

    def render(
        self,
        page: PageContext,
        template: str,
        *,
        status: int = 200,
        private: bool = True,
        headers: Mapping[str, str] | None = None,
        **values: Any,
    ) -> HTMLResponse:
        """Render a template in the reader's language, with the page headers and the session cookie."""
        body = self.environments[page.language].get_template(template).render(page=page, **values)
        response = HTMLResponse(body, status_code=status, headers={**page_headers(private=private), **(headers or {})})
        page.set_cookies(response)
        return response


def page_site(request: Request) -> PageSite:
    """The page site of this app."""
    site: PageSite = request.app.state.pages
    return site


def form_guard(request: Request) -> FormGuard:
    """The form guard of this app, keyed from its deployment secret."""
    return FormGuard(request.app.state.blind_index_key)


SiteDep = Annotated[PageSite, Depends(page_site)]
GuardDep = Annotated[FormGuard, Depends(form_guard)]


def page_context(request: Request, guard: GuardDep) -> PageContext:
    """The reader's language and page session, starting a session for a browser that has none."""
    secure = request.app.state.settings.environment is Deployment.production
    cookie = request.cookies.get(session_cookie_name(secure))
    language = negotiate_language(request.headers.get("accept-language"), request.cookies.get(LANGUAGE_COOKIE))
    languages = tuple((code, language_name(code)) for code in LANGUAGES)
    if is_session_id(cookie):
        assert cookie is not None
        return PageContext(language, cookie, guard.token_for(cookie), request.url.path, secure, False, languages)
    page = PageContext(language, "", "", request.url.path, secure, False, languages)
    page.start_new_session(guard)
    return page


PageDep = Annotated[PageContext, Depends(page_context)]


class FormRejected(Exception):
    """A form came without the token of the session that sent it: stale, or forged by another site."""


@dataclass(frozen=True)
class PageForm:
    """The fields of a form whose token was checked."""

    fields: FormData

    def text(self, name: str, max_length: int = 200) -> str:
        """One text field, trimmed and cut to `max_length` (empty if absent or not text)."""
        value = self.fields.get(name)
        return value.strip()[:max_length] if isinstance(value, str) else ""

    def choices(self, name: str) -> list[str]:
        """Every value sent for a field (checkboxes)."""
        return [value for value in self.fields.getlist(name) if isinstance(value, str)]


async def checked_form(request: Request, page: PageDep, guard: GuardDep) -> PageForm:
    """The submitted form, once its token is found to belong to this browser's session."""
    fields = await request.form(max_files=0, max_fields=100)
    token = fields.get(CSRF_FIELD)
    if page.new_session or not guard.is_genuine(page.session_id, token if isinstance(token, str) else None):
        raise FormRejected
    return PageForm(fields)


FormDep = Annotated[PageForm, Depends(checked_form)]
