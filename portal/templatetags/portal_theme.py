"""A tenant's accent colour as CSS custom properties that stay readable (WCAG AA) whatever colour it picks.

A tenant may choose a pale brand colour (#ffd400) as readily as a dark one (#0b2e59): white text
on the first and accent-coloured links on white would both fail the 4.5:1 contrast of WCAG 2.x
AA. So the text colours are derived here: the ink on accent backgrounds is white or near-black,
whichever reads better, and the accent used for text is darkened until it reads on the page's
lightest backgrounds.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html

register = template.Library()

DEFAULT_ACCENT = "#1f6feb"
INK = "#1d2330"  # --ink in portal.css
WHITE = "#ffffff"
PAGE_BG = "#f5f7fa"  # --bg in portal.css
AA = 4.5
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0, min(255, c))):02x}" for c in rgb)


def _mix(color: str, other: str, weight: float) -> str:
    """``weight`` of ``color`` and the rest of ``other`` (like CSS color-mix in srgb)."""
    a, b = _rgb(color), _rgb(other)
    return _hex(tuple(weight * x + (1 - weight) * y for x, y in zip(a, b, strict=True)))


def luminance(color: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _darken_until(color: str, backgrounds: list[str], ratio: float = AA) -> str:
    """The colour, mixed with ever more black until it reads on every background given."""
    for step in range(0, 101, 4):
        candidate = _mix(color, "#000000", 1 - step / 100)
        if all(contrast(candidate, bg) >= ratio for bg in backgrounds):
            return candidate
    return "#000000"


def accent_palette(accent: str | None) -> dict[str, str]:
    """CSS custom properties derived from a tenant's accent (an invalid value falls back to the default)."""
    accent = accent if isinstance(accent, str) and _HEX.match(accent) else DEFAULT_ACCENT
    accent = accent.lower()
    ink = WHITE if contrast(WHITE, accent) >= contrast(INK, accent) else INK
    fill = accent
    if contrast(ink, accent) < AA:  # a mid-tone neither ink reads on: darken the fill under white ink
        ink, fill = WHITE, _darken_until(accent, [WHITE])
    # Hovering darkens the button under white ink and lightens it under dark ink, keeping the ink readable.
    hover = _mix(fill, "#000000", 0.85) if ink == WHITE else _mix(fill, WHITE, 0.85)
    tint = _mix(accent, WHITE, 0.14)
    text = _darken_until(accent, [WHITE, PAGE_BG, tint, "#fafbfc"])
    return {
        "--accent": accent,
        "--accent-fill": fill,
        "--accent-ink": ink,
        "--accent-hover": hover,
        "--accent-tint": tint,
        "--accent-text": text,
    }


@register.simple_tag
def accent_css(accent: str | None, selector: str = ":root"):
    """``{% accent_css tenant.accent_color %}``: a CSS rule setting the accent's custom properties."""
    body = "; ".join(f"{name}: {value}" for name, value in accent_palette(accent).items())
    if not re.fullmatch(r"[:.#\w-]+", selector):
        raise template.TemplateSyntaxError(f"accent_css: unsafe selector {selector!r}")
    return format_html("{} {{ {} }}", selector, body)
