"""The reader's language: the browser's wish, an explicit choice, and catalogues that never show a guess."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from shared.pages.i18n import load_translations, negotiate_language, parse_accept_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en-GB,en;q=0.9,ru;q=0.8", "en"),
        ("de-DE, ru;q=0.5, en;q=0.4", "ru"),
        ("uk, en;q=0.3, ru;q=0.6", "ru"),
        ("ru;q=0, en", "en"),
        ("fr", "en"),
        ("", "en"),
        ("*", "en"),
        ("ru;q=nonsense, en;q=0.1", "en"),
    ],
)
def test_the_browsers_most_wanted_supported_language_is_chosen(header: str, expected: str) -> None:
    assert negotiate_language(header) == expected


def test_an_explicit_choice_beats_the_browser_and_an_unknown_one_is_ignored() -> None:
    assert negotiate_language("ru", chosen="en") == "en"
    assert negotiate_language("ru", chosen="xx") == "ru"


def test_accept_language_is_ordered_by_weight_then_position() -> None:
    assert parse_accept_language("en;q=0.5, ru, de;q=0.5") == ["ru", "en", "de"]


def test_a_fuzzy_or_empty_translation_is_never_shown(tmp_path: Path) -> None:
    catalog = Catalog(locale="ru", domain="messages")
    catalog.add("Checked", "Проверено")
    catalog.add("Guessed", "Догадка", flags=["fuzzy"])
    catalog.add("Missing", "")
    folder = tmp_path / "translations" / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.po").open("wb") as target:
        write_po(target, catalog)
    russian = load_translations([tmp_path / "translations"], "ru")
    assert russian.gettext("Checked") == "Проверено"
    assert russian.gettext("Guessed") == "Guessed"
    assert russian.gettext("Missing") == "Missing"


def test_an_unsupported_language_cannot_be_loaded() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        load_translations([], "de")
