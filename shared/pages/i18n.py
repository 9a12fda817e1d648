"""Message catalogues and the reader's language.

Catalogues are standard gettext `.po` files kept by Babel (`pybabel extract/update`); they are compiled in
memory when first loaded, so a `.mo` file can never be stale. English is the source language: its
messages are the message ids themselves.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

SOURCE_LANGUAGE = "en"
LANGUAGES: tuple[str, ...] = ("en", "ru")
DOMAIN = "messages"
SHARED_CATALOGUE = Path(__file__).parent / "translations"


def catalogue_path(directory: Path, language: str) -> Path:
    """Where the `.po` file of one language lives in a catalogue folder."""
    return directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _compile(path: Path, language: str) -> Translations:
    with path.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    # Fuzzy entries are left out, as `pybabel compile` does: an unchecked guess is never shown.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def _load(directories: tuple[Path, ...], language: str) -> NullTranslations:
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    merged: Translations | None = None
    for directory in directories:
        path = catalogue_path(directory, language)
        if not path.exists():
            continue
        loaded = _compile(path, language)
        merged = loaded if merged is None else merged.merge(loaded)
    return merged if merged is not None else NullTranslations()


def load_translations(directories: Sequence[Path], language: str) -> NullTranslations:
    """The translations of `language` from these catalogue folders; later folders win on the same message."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; choose one of {', '.join(LANGUAGES)}")
    return _load(tuple(directories), language)


def parse_accept_language(header: str) -> list[str]:
    """The primary language subtags of an `Accept-Language` header, most wanted first (RFC 9110 §12.5.4)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        if tag and weight > 0:
            ranked.append((-weight, position, tag.split("-")[0].strip().lower()))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate_language(accept_language: str | None, chosen: str | None = None) -> str:
    """The language to answer in: the reader's explicit choice, else the browser's, else the source language."""
    if chosen in LANGUAGES:
        return chosen
    for tag in parse_accept_language(accept_language or ""):
        if tag in LANGUAGES:
            return tag
    return SOURCE_LANGUAGE


def language_name(code: str) -> str:
    """A language's name in that language, as a reader looking for it would recognise it."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Mark a message for the catalogue where it is defined; it is translated where it is shown."""
    return message
