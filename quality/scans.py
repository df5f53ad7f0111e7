"""What a dock scan says: an SSCC, a lot from a GS1-128 label, or a name typed by hand.

A keyboard-wedge scanner types what the label encodes, sometimes with the symbology identifier in
front (``]C1`` for GS1-128, ``]d2`` for GS1 DataMatrix, ``]Q3`` for GS1 QR: ISO/IEC 15424) and the
group separator (ASCII 29) between variable-length element strings; a person types the human-readable
line with brackets, ``(00)006141410000000017`` or ``(01)09501101530003(10)LOT-7``. The application
identifiers read here are those of the GS1 General Specifications: 00 (SSCC, 18 digits with a mod-10
check digit), 01/02 (GTIN, 14 digits: skipped), 10 (batch or lot, up to 20 characters), 17/11/15
(dates, 6 digits: skipped). Anything else is a name: lot, receipt, PO or the supplier's reference.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from suppliers.services.gs1 import check_digit

SCAN_MAX = 128
GS = "\x1d"
_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9]")
_BRACKETED = re.compile(r"\((\d{2,4})\)([^()]*)")
# Fixed-length AIs (their data length) that may come before the lot in one element string.
_FIXED = {"00": 18, "01": 14, "02": 14, "11": 6, "13": 6, "15": 6, "17": 6}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d"), "-")


@dataclass(frozen=True)
class Scan:
    """``sscc`` (18 digits, check digit verified), else ``lot`` (from AI 10), else ``text`` (a name);
    ``problem``: why the scan cannot be used as it is (a wrong check digit), for the inspector."""

    sscc: str = ""
    lot: str = ""
    text: str = ""
    problem: str = ""


def _clean(raw: str) -> tuple[str, bool]:
    """The scan without invisible characters, with plain hyphens, and without a symbology identifier;
    and whether it had one (then it is a GS1 element string for sure)."""
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE).translate(_DASHES).strip()
    return _SYMBOLOGY.sub("", text), bool(_SYMBOLOGY.match(text))


def _element_strings(text: str, *, gs1: bool) -> dict[str, str] | None:
    """The AIs of a GS1 element string, None when it is not one: bracketed (as people type the
    human-readable line), or raw after a symbology identifier, with group separators, or starting
    with a fixed-length AI (00, 01, 02) — not a bare "10...", which may well be a lot's own name."""
    if text.startswith("("):
        found = dict(_BRACKETED.findall(text))
        return found if found and _BRACKETED.sub("", text).strip() == "" else None
    if not (gs1 or GS in text or (text[:2] in ("00", "01", "02") and text[2:16].isdigit())):
        return None
    found, rest = {}, text
    while rest:
        ai = rest[:2]
        if ai in _FIXED:
            size = _FIXED[ai]
            found[ai], rest = rest[2 : 2 + size], rest[2 + size :].lstrip(GS)
        elif ai == "10":
            value, _sep, rest = rest[2:].partition(GS)
            found[ai] = value
        else:
            return None
    return found


def _sscc(digits: str) -> Scan:
    if len(digits) != 18 or not digits.isdigit():
        return Scan(problem=_("An SSCC has 18 digits; this one has %(count)s.") % {"count": len(digits)})
    if check_digit(digits[:17]) != int(digits[17]):
        return Scan(
            problem=_("SSCC %(sscc)s: its check digit is wrong. Scan the label again or type the lot.")
            % {"sscc": digits}
        )
    return Scan(sscc=digits)


def read_scan(raw: str) -> Scan:
    """What ``raw`` (as the scanner or a person typed it, at most ``SCAN_MAX`` characters) stands for."""
    text, gs1 = _clean(raw)
    if not text:
        return Scan()
    plain = text.replace(" ", "")
    if plain.isdigit() and len(plain) == 18:
        return _sscc(plain)
    elements = _element_strings(plain if plain.startswith("(") or plain.isdigit() else text, gs1=gs1)
    if elements is not None:
        if "00" in elements:
            return _sscc(elements["00"])
        if elements.get("10"):
            return Scan(lot=elements["10"].strip())
    return Scan(text=text)
