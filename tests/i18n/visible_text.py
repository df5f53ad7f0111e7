"""What a page says, and which of its words are English the catalogue would have translated.

A word is "English left over" when it appears in the catalogue's English texts (msgids) and in
none of the language's translations, and is not the world's own data (names, codes, lots): so a
German page holding "Shipment" fails, one holding "Nordic Fasteners AB" or "Status" (German too)
does not.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from django.conf import settings

from tests.i18n.template_text import _Visible

_WORD = re.compile(r"[^\W\d_]{2,}")


def visible_words(html: str) -> set[str]:
    """The words of a page's text and of the attributes people see (title, placeholder, ...)."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return set(_WORD.findall(" ".join(parser.texts)))


@lru_cache(maxsize=8)
def english_only(language: str) -> frozenset[str]:
    """Words of the English msgids that no translation into ``language`` uses."""
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    english, translated = set(), set()
    with path.open("rb") as handle:
        for message in read_po(handle):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in ids:
                english.update(_WORD.findall(re.sub(r"%\(\w+\)s|<[^>]+>", " ", text)))
            for text in strings:
                translated.update(_WORD.findall(text))
    return frozenset(english - translated)


def english_left(html: str, language: str, data_words: set[str]) -> set[str]:
    return (visible_words(html) & english_only(language)) - data_words
