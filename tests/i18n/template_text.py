"""Words a template shows that no translation tag covers.

A template is read with Django's own lexer: text tokens outside ``{% blocktranslate %}`` and
``{% comment %}`` are joined (every tag and variable stands in as a break) and read as HTML; the
words of text nodes and of the attributes people see (title, alt, placeholder, aria-label, the
value of a button) are what a translator must have had. Codes that read the same in every
language (SSCC, AQL, PDF, ...) are in ``CODES``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

# Words that are codes, units or names, the same in every language the portal speaks.
CODES = {
    "SSCC",
    "AQL",
    "PPM",
    "PDF",
    "CSV",
    "XLSX",
    "API",
    "Odoo",
    "UTC",
    "ISO",
    "GS1",
    "kg",
    "mm",
    "cm",
    "ID",
    "URL",
    "JSON",
    "HTTP",
    "HTTPS",
    "SKU",
    "EAN",
    "GTIN",
    "OK",
    "MFA",
    "TOTP",
    "QR",
    "RPC",
    "JSON-RPC",
    "Celery",
    "Redis",
    "PPAP",
    "8D",
    "D1",
    "D2",
    "D3",
    "D4",
    "D5",
    "D6",
    "D7",
    "D8",
    "Ac",
    "Re",
    "px",
    "de",
    "en",
    "fr",
    "es",
    "Deutsch",
    "English",
    "Français",
    "Español",
    "WebAuthn",
    "ZPL",
    "EDI",
    "sqp",
}
_SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription"}
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:[-'\u2019][^\W\d_]+)*")
_BREAK = "\x00"


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if value and (name in _SHOWN_ATTRIBUTES or (name == "value" and _is_button(tag, attributes))):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.texts.append(data)


def _is_button(tag: str, attributes: dict) -> bool:
    # A <button>'s value is sent, not shown; an <input type=submit>'s value is its face.
    return tag == "input" and attributes.get("type") in ("submit", "button", "reset")


def _plain_text(source: str) -> str:
    """The template's literal text outside translation blocks and comments, tags as breaks."""
    parts: list[str] = []
    skipping: str | None = None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if skipping and name == skipping:
                skipping = None
            elif name in ("blocktranslate", "blocktrans"):
                skipping = "endblocktranslate" if name == "blocktranslate" else "endblocktrans"
            elif name == "comment":
                skipping = "endcomment"
            elif name == "block" and token.contents.split()[-1].endswith("_class"):
                skipping = "endblock"  # {% block main_class %}page page-narrow{% endblock %}: CSS classes
            parts.append(_BREAK)
        elif token.token_type == TokenType.TEXT and not skipping:
            parts.append(token.contents)
        else:
            parts.append(_BREAK)
    return "".join(parts)


def unmarked_words(source: str, *, html: bool = True) -> list[str]:
    """The words of ``source`` (a template's text) shown to people without a translation tag."""
    text = _plain_text(source)
    if html:
        parser = _Visible()
        parser.feed(text)
        parser.close()
        chunks = parser.texts
    else:
        chunks = [text]
    words = []
    for chunk in chunks:
        for word in _WORD.findall(chunk.replace(_BREAK, " ")):
            if word not in CODES and len(word) > 1 and not any(c.isdigit() for c in word):
                words.append(word)
    return words


def template_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".html", ".txt") and p.is_file())


def unmarked_in(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    return unmarked_words(source, html=path.suffix == ".html")
