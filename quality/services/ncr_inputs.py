"""What an NCR accepts as typed text and as an uploaded file, checked the same way by every NCR service.

Text: no Unicode bidi controls (embeddings, overrides, isolates: they reorder what a reader sees, in a
title shown in Odoo or a lot name in the PDF; right-to-left letters need none of them) and no control
characters other than line breaks and tabs. Files: a picture is judged as inspection photos are
(``quality.services.pictures.image_type``: readable, at most ``PHOTO_MAX_PIXELS`` from its header);
a name keeps its extension when it is cut.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from portal.bidi import BIDI_CONTROLS
from quality.services.pictures import image_type

LAYOUT_CONTROLS = frozenset("\n\r\t")
FILE_NAME_MAX = 150
EXTENSION_MAX = 16


def text_refusal(value: str) -> str:
    """Why ``value`` may not be stored as typed (a bidi control, a control character, a lone surrogate), in
    words; "" if fine."""
    for ch in value or "":
        # JSON's "\ud800" alone: PostgreSQL refuses it, SQLite stores what no page can render.
        if 0xD800 <= ord(ch) <= 0xDFFF:
            return _(
                "Text may not hold a lone surrogate (U+%(code)s), half of a character: send the text as UTF-8."
            ) % {"code": f"{ord(ch):04X}"}
        if ch in BIDI_CONTROLS:
            return _(
                "Text may not hold invisible direction controls (U+%(code)s): type the words without them "
                "(right-to-left letters are fine)."
            ) % {"code": f"{ord(ch):04X}"}
        if ch not in LAYOUT_CONTROLS and unicodedata.category(ch) == "Cc":
            return _(
                "Text may not hold control characters (U+%(code)s): only letters, marks, line breaks and tabs."
            ) % {"code": f"{ord(ch):04X}"}
    return ""


def picture_type(data: bytes) -> str:
    """ "image/png" or "image/jpeg" for a readable picture of at most ``PHOTO_MAX_PIXELS``; else
    ``ValidationError`` keyed ``file`` (judged from the header: nothing is decoded in full)."""
    try:
        return image_type(ContentFile(data))
    except ValidationError as exc:
        raise ValidationError({"file": [m for msgs in exc.message_dict.values() for m in msgs]}) from None


def file_name(given: str | None, maximum: int = FILE_NAME_MAX) -> str:
    """The upload's name without folders, safe characters only, cut to ``maximum`` characters from the stem
    so the extension (what the download opens with) stays; "file" when nothing is left."""
    base = (given or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in base if c.isalnum() or c in "._- ").strip() or "file"
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > EXTENSION_MAX:
        return name[:maximum]
    return stem[: maximum - len(extension) - 1] + "." + extension
