"""The pages' stylesheet: readable colours, visible focus, a phone-sized layout, nothing fetched from elsewhere."""

from __future__ import annotations

import re

import pytest

from shared.pages.site import STATIC

CSS = (STATIC / "pages.css").read_text(encoding="utf-8")
COLOURS = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6});", CSS))


def luminance(colour: str) -> float:
    """Relative luminance (WCAG 2.x) of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize(
    ("text", "background"),
    [
        ("ink", "paper"),
        ("muted", "paper"),
        ("accent", "paper"),
        ("accent-ink", "accent"),
        ("accent-ink", "warn"),
        ("ink", "soft"),
        ("muted", "soft"),
        ("accent", "soft"),
    ],
)
def test_text_colours_have_at_least_seven_to_one_contrast(text: str, background: str) -> None:
    assert contrast(COLOURS[text], COLOURS[background]) >= 7.0


def test_the_contrast_check_tells_grey_on_white_apart() -> None:
    assert contrast("#777777", "#ffffff") < 4.5
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0


def test_focus_is_always_visible_and_the_layout_fits_a_phone() -> None:
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", CSS)
    assert "@media (max-width: 30rem)" in CSS
    assert "max-width: 44rem" in CSS


def test_the_stylesheet_fetches_nothing() -> None:
    assert "url(" not in CSS
    assert "@import" not in CSS
    assert "@font-face" not in CSS
