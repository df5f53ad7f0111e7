"""A tenant's accent colour never makes text unreadable (WCAG AA, 4.5:1), whatever colour it picks."""

from __future__ import annotations

import itertools

import pytest

from portal.templatetags.portal_theme import INK, PAGE_BG, WHITE, accent_css, accent_palette, contrast

# Six levels of each channel (216 colours): pale, dark, saturated and mid-grey accents alike.
ACCENTS = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in itertools.product(range(0, 256, 51), repeat=3)]


def test_wcag_contrast_of_known_pairs():
    assert round(contrast("#000000", "#ffffff"), 2) == 21.0
    assert round(contrast("#1d2330", "#ffffff"), 1) == 15.7
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


@pytest.mark.parametrize("accent", ACCENTS)
def test_every_accent_gives_readable_buttons_links_and_badges(accent):
    p = accent_palette(accent)
    assert p["--accent"] == accent
    assert contrast(p["--accent-ink"], p["--accent-fill"]) >= 4.5  # a primary button's label
    assert contrast(p["--accent-ink"], p["--accent-hover"]) >= 4.5  # the same, hovered
    for background in (WHITE, PAGE_BG, p["--accent-tint"]):  # links, and an accent badge
        assert contrast(p["--accent-text"], background) >= 4.5


def test_a_pale_accent_gets_dark_ink_and_a_mid_grey_a_darker_fill():
    yellow = accent_palette("#ffd400")
    assert yellow["--accent-ink"] == INK and yellow["--accent-fill"] == "#ffd400"
    grey = accent_palette("#808080")
    assert grey["--accent-ink"] == WHITE and grey["--accent-fill"] != "#808080"


@pytest.mark.parametrize("bad", [None, "", "red", "#12345", "#1234567", "#zzzzzz", "#000000;} body{x:1"])
def test_an_invalid_accent_falls_back_and_cannot_inject_css(bad):
    css = accent_css(bad)
    assert css.startswith(":root { --accent: #1f6feb;") and "body" not in css and css.count("}") == 1
