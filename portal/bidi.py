"""Invisible characters that change how text reads, one definition for every service that refuses them.

``BIDI_CONTROLS``: embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). They reorder what a
reader sees: "LOT\\u202e71" is shown "LOT17". Typed free text refuses them (NCR and SCAR texts:
``quality.services.ncr_inputs``); right-to-left letters need none of them.

``BIDI_MARKS``: the left-to-right, right-to-left and Arabic letter marks (U+200E, U+200F, U+061C). A keyboard
may type them inside a right-to-left sentence, so free text keeps them; in an identifier they only make two
values that look the same differ.

``identifier_refusal``: why a value that a label, a packing slip or Odoo prints and matches as it is (a lot
or serial number, a package reference, a carrier, a tracking number) may not be stored; "" when fine.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
BIDI_MARKS = frozenset("\u200e\u200f\u061c")
IDENTIFIER_REFUSED = BIDI_CONTROLS | BIDI_MARKS


def identifier_refusal(value: str) -> str:
    """Why ``value`` may not name a lot, serial, package, carrier or tracking number (a direction control or
    mark, a control character such as a tab or line break), in the active language; "" if fine."""
    for ch in str(value or ""):
        if ch in IDENTIFIER_REFUSED:
            return gettext(
                "It may not hold invisible direction controls (U+%(code)s): a label would print it in "
                "another order. Type it without them (right-to-left letters are fine)."
            ) % {"code": f"{ord(ch):04X}"}
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return gettext("It may not hold control characters (U+%(code)s) such as tabs or line breaks.") % {
                "code": f"{ord(ch):04X}"
            }
    return ""
