"""Helpers for testing pages over HTTP: form tokens, headers, and comparing pages."""

from __future__ import annotations

import re
from typing import Any

import httpx
from lxml import html
from lxml.html import HtmlElement

from shared.pages.security import PAGE_CSP

FORM_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def form_token(html: str) -> str:
    """The form token a page carries."""
    found = FORM_TOKEN.search(html)
    assert found is not None, "the page carries no form token"
    return found.group(1)


def without_form_tokens(html: str) -> str:
    """A page with its per-session form tokens blanked, so two answers can be compared."""
    return FORM_TOKEN.sub('name="csrf_token" value=""', html)


async def submit(
    client: httpx.AsyncClient, page_path: str, action: str, fields: dict[str, Any], **kw: Any
) -> httpx.Response:
    """Open a page as a reader would, then post one of its forms with the page's form token."""
    page = await client.get(page_path, **kw)
    return await client.post(action, data={"csrf_token": form_token(page.text), **fields}, **kw)


def assert_page_headers(response: httpx.Response, *, private: bool) -> None:
    """Every page: the strict policy, no referrer, no sniffing; private pages never stored."""
    assert response.headers["content-security-policy"] == PAGE_CSP
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"].startswith("text/html")
    if private:
        assert response.headers["cache-control"] == "no-store"
    else:
        assert "no-store" in response.headers["cache-control"] or "no-cache" in response.headers["cache-control"]


def parse(page: str) -> HtmlElement:
    """A page as an element tree."""
    return html.fromstring(page)


def find_all(page: str, xpath: str) -> list[HtmlElement]:
    """The elements of a page an XPath selects."""
    return [found for found in parse(page).xpath(xpath) if isinstance(found, HtmlElement)]


def values(page: str, xpath: str) -> list[str]:
    """The attribute values or texts of a page an XPath selects."""
    return [str(found) for found in parse(page).xpath(xpath) if isinstance(found, str)]


def main_text(page: str) -> str:
    """The words of a page's main part, as a reader sees them."""
    main = parse(page).find(".//main")
    assert isinstance(main, HtmlElement), "the page has no main part"
    return " ".join(main.text_content().split())
