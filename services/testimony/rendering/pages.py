"""Server-rendered HTML pages, autoescaped and readable without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.testimony.consent.chain import format_instant
from services.testimony.rendering.domain import PublicItem, SiteContext

TEMPLATES = Path(__file__).parent / "templates"


def split_paragraphs(text: str) -> list[str]:
    """Split a text on blank lines, so each paragraph renders as its own <p>."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]


def create_environment() -> Environment:
    """Build the template environment: every template autoescaped, and an undefined variable is an error."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["paragraphs"] = split_paragraphs
    environment.filters["instant"] = format_instant
    environment.filters["day"] = lambda moment: moment.strftime("%Y-%m-%d")
    return environment


def render_list_page(environment: Environment, site: SiteContext, items: Sequence[PublicItem]) -> str:
    """Render the page listing every published testimony."""
    return environment.get_template("list.html").render(site=site, items=items)


def render_item_page(environment: Environment, site: SiteContext, item: PublicItem) -> str:
    """Render one published testimony, with links to its manifest and the public key that verifies it."""
    return environment.get_template("item.html").render(site=site, item=item)


def render_gone_page(environment: Environment, site: SiteContext, withdrawn_at: datetime | None = None) -> str:
    """Render the 410 page shown where a withdrawn testimony used to be; it says nothing about its content."""
    return environment.get_template("gone.html").render(site=site, withdrawn_at=withdrawn_at)
