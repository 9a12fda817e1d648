"""Every page string lives in a gettext catalogue and is translated into Russian; templates hold no literal text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment

from carrots.registry import ROOT
from shared.pages.i18n import catalogue_path

# Each component's sources and the catalogue its strings must be in.
COMPONENTS = {
    "shared/pages": ROOT / "shared" / "pages" / "translations",
    "services/asylum": ROOT / "services" / "asylum" / "translations",
    "services/testimony": ROOT / "services" / "testimony" / "translations",
}
TEMPLATE_FOLDERS = [
    ROOT / "shared" / "pages" / "templates",
    ROOT / "services" / "asylum" / "pages" / "templates",
    ROOT / "services" / "testimony" / "pages" / "templates",
]
LETTERS = re.compile(r"[^\W\d_]")
PLACEHOLDER = "\x00"
# Attributes a reader hears or sees as text.
HUMAN_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "label"}


def read_catalogue(directory: Path, language: str = "ru") -> Catalog:
    with catalogue_path(directory, language).open("rb") as source:
        return read_po(source, locale=language)


def extracted(component: str) -> set[str]:
    """The message ids `pybabel extract` finds in a component, with the project's mapping."""
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(ROOT / component, method_map, options_map):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("component", list(COMPONENTS))
def test_every_message_of_the_sources_is_translated_into_russian(component: str) -> None:
    catalog = read_catalogue(COMPONENTS[component])
    missing, untranslated, fuzzy = [], [], []
    for message_id in sorted(extracted(component)):
        message = catalog.get(message_id)
        if message is None:
            missing.append(message_id)
            continue
        strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
        if not all(s.strip() for s in strings):
            untranslated.append(message_id)
        if message.fuzzy:
            fuzzy.append(message_id)
    assert missing == [], f"not in the catalogue (run `make messages`): {missing}"
    assert untranslated == [], f"not translated: {untranslated}"
    assert fuzzy == [], f"fuzzy (check the translation, then drop the flag): {fuzzy}"


@pytest.mark.parametrize("component", list(COMPONENTS))
def test_russian_translations_keep_every_placeholder(component: str) -> None:
    catalog = read_catalogue(COMPONENTS[component])
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check() if errors]
    assert problems == []
    assert not catalog.fuzzy


def _outside_translation(source: str, environment: Environment) -> str:
    """The template's own text with every expression and `{% trans %}` block replaced by a placeholder."""
    pieces: list[str] = []
    depth, opened = 0, False
    block: list[str] = []
    for _line, kind, value in environment.lex(source):
        if kind == "block_begin":
            block, opened = [], True
            continue
        if opened and kind == "name" and not block:
            block.append(value)
            if value == "trans":
                depth += 1
            elif value == "endtrans":
                depth -= 1
            continue
        if kind == "block_end":
            opened = False
        if kind == "data" and depth == 0:
            pieces.append(value)
        elif kind in {"variable_begin", "data"}:
            pieces.append(PLACEHOLDER)
    return "".join(pieces)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and (name in HUMAN_ATTRIBUTES) and LETTERS.search(value.replace(PLACEHOLDER, "")):
                self.found.append(f"{tag}[{name}]={value!r}")
        if tag in {"style", "script"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = data.replace(PLACEHOLDER, " ").strip()
        if not self._skip and LETTERS.search(text):
            self.found.append(text)


def literal_text(source: str, name: str = "page.html") -> list[str]:
    """Text a reader would see that does not come from the catalogue."""
    environment = Environment(extensions=["jinja2.ext.i18n"], autoescape=True, trim_blocks=True, lstrip_blocks=True)
    own = _outside_translation(source, environment)
    if not name.endswith(".html"):
        return [line for line in own.replace(PLACEHOLDER, " ").splitlines() if LETTERS.search(line)]
    finder = _TextFinder()
    finder.feed(own)
    finder.close()
    return finder.found


@pytest.mark.parametrize(
    "template", sorted(p for folder in TEMPLATE_FOLDERS for p in folder.iterdir()), ids=lambda p: p.name
)
def test_templates_hold_no_literal_text(template: Path) -> None:
    assert literal_text(template.read_text(encoding="utf-8"), template.name) == []


def test_the_literal_text_check_finds_text_outside_the_catalogue() -> None:
    assert literal_text("<p>Hello</p>") == ["Hello"]
    assert literal_text('<img src="/a.png" alt="A cat">') == ["img[alt]='A cat'"]
    assert literal_text("<p>{{ name }} wrote</p>") == ["wrote"]
    assert literal_text("Your token:\n{{ token }}", "receipt.txt") == ["Your token:"]
    assert literal_text("<p>{% trans %}Hello {{ name }}{% endtrans %} · {{ _('Hi') }}, {{ n }}</p>") == []
    assert literal_text('{% if x %}<p class="meta" lang="ru">{{ _("Hi") }}</p>{% endif %}') == []
    assert literal_text('<button aria-label="Close">{{ _("x") }}</button>') == ["button[aria-label]='Close'"]
