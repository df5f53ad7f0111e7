"""What a quantity (and a package weight) may hold, and how text becomes one: exactly, once, as a decimal.

One definition for the model fields, the API's serializers, the web forms and the CSV/XLSX import:

- a quantity has at most 11 digits before the decimal point and 4 after (largest 99,999,999,999.9999);
- a package weight (kg) at most 7 before and 3 after (9,999,999.999).

Fifteen significant digits is what SQLite keeps of a number (it stores a decimal as an 8-byte
float), so whatever the portal accepts reads back unchanged on SQLite and PostgreSQL alike;
sums get room of their own (``quantity_sum``).

Text is parsed by ``parse_number`` with one set of rules, documented there. People write
"1,234,567", "1.234.567,5", "2999,125" or "1 234,5"; the rules take every form whose meaning is
clear and refuse, with the reason, the ones that could mean two numbers ("1,234" is 1234 in
English and 1.234 in German unless the file or the form says which).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Context, Decimal, InvalidOperation

from django.db import models
from django.utils.translation import gettext

from portal import l10n

QUANTITY_DIGITS = 15
QUANTITY_PLACES = 4
QUANTITY_MAX = Decimal("99999999999.9999")
WEIGHT_DIGITS = 10
WEIGHT_PLACES = 3
WEIGHT_MAX = Decimal("9999999.999")
SUM_DIGITS = 28  # a sum over many rows: beyond any one quantity, still exact on PostgreSQL
MAX_TEXT = 40  # characters of a number as typed ("99 999 999 999,999 9" is 20)

# Separators between groups of three digits: space, no-break spaces, thin space, apostrophes (Swiss).
_GROUP_SPACES = "\u0020\u00a0\u202f\u2009\u2007'\u2019"
_EXPONENT = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+")
_AMBIGUOUS = re.compile(r"[1-9][0-9]{0,2},[0-9]{3}")  # "1,234" or "1.234": a thousand, or a decimal


class NumberError(ValueError):
    """Text that is not a number the portal accepts; the message says why, for the person who typed it."""


def quantity_field(verbose_name: str | None = None, **kwargs) -> models.DecimalField:
    """A model field for a quantity in its unit (the digits every path agrees on)."""
    return models.DecimalField(verbose_name, max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES, **kwargs)


def weight_field(verbose_name: str | None = None, **kwargs) -> models.DecimalField:
    """A model field for a package weight in kg."""
    return models.DecimalField(verbose_name, max_digits=WEIGHT_DIGITS, decimal_places=WEIGHT_PLACES, **kwargs)


def quantity_sum(expression) -> models.Sum:
    """``Sum`` of quantities with room for the total: on SQLite a sum read back through a quantity's
    own field (15 digits) would fail once it passed 99,999,999,999.9999."""
    room = models.DecimalField(max_digits=SUM_DIGITS, decimal_places=QUANTITY_PLACES)
    return models.Sum(expression, output_field=room)


def plain(value: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros ("1234567", "2999.125")."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def parse_number(value, *, decimal_mark: str | None = None) -> Decimal:
    """The decimal that ``value`` (text as typed, or a number) stands for, exactly; ``NumberError`` if none.

    ``decimal_mark`` is "." or "," when the source says which (the language of the form, the
    separator of a CSV file), None when it does not. The rules:

    - digits are 0-9 only (not other scripts' digits, which some tools would read silently);
    - spaces, no-break and thin spaces and apostrophes may group digits by three ("1 234 567");
    - with both "." and ",", the last one is the decimal mark and the other groups by three;
    - one mark used several times groups by three ("1,234,567", "1.234.567");
    - one mark used once is the decimal mark, unless it follows one to three digits and is followed
      by exactly three ("1,234", "12.500"): then it groups when ``decimal_mark`` names the other
      mark, is the decimal mark when ``decimal_mark`` names it, and is refused as ambiguous when
      ``decimal_mark`` is None (and no space grouping says which);
    - an exponent ("1.2E+5", how Excel shows large numbers in narrow columns) is refused: the digits
      it hides are lost.

    Decimal and float values are taken as they are (a float by its shortest repr, as JSON wrote it).
    """
    if isinstance(value, bool):
        raise NumberError(gettext("“%(text)s” is not a number.") % {"text": value})
    if isinstance(value, Decimal):
        return _finite(value, value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _finite(Decimal(repr(value)), value)
    text = _plain_text(value)
    sign, body = "", text
    if body[0] in "+-":
        sign, body = ("-" if body[0] == "-" else ""), body[1:]
    decimal, group = _marks(text, body, decimal_mark)
    whole, fraction = _digits(text, body, decimal, group)
    return Decimal(f"{sign}{whole or '0'}" + (f".{fraction}" if fraction else ""))


def _plain_text(value) -> str:
    """``value`` as stripped text, once it is short, visible, not in scientific notation and written
    with the digits 0-9; else ``NumberError``."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise NumberError(gettext("Give a number."))
    if len(text) > MAX_TEXT:
        raise NumberError(
            gettext("“%(text)s…” is not a number (%(count)s characters).") % {"text": text[:20], "count": len(text)}
        )
    if any(unicodedata.category(c)[0] == "C" for c in text):
        raise NumberError(gettext("A number holds digits only; this one has control or invisible characters."))
    if _EXPONENT.fullmatch(text):
        raise NumberError(
            gettext(
                "“%(text)s” is in scientific notation, which hides digits; write the number in full "
                "(in Excel: format the column as Number)."
            )
            % {"text": text}
        )
    if any(c.isdigit() and not c.isascii() for c in text):
        raise NumberError(gettext("“%(text)s” is not a number; write it with the digits 0 to 9.") % {"text": text})
    return text


def _marks(text: str, body: str, decimal_mark: str | None) -> tuple[str | None, set[str]]:
    """The decimal mark of ``body`` (the number without its sign; None if it has none) and the set of
    characters that group its digits, by the rules of ``parse_number``; ``NumberError`` if ambiguous."""
    spaced = any(c in _GROUP_SPACES for c in body)
    marks = {c for c in body if c in ".,"}
    decimal, group = None, set(_GROUP_SPACES)
    if len(marks) == 2:
        decimal = "." if body.rfind(".") > body.rfind(",") else ","
        group.add("," if decimal == "." else ".")
    elif marks:
        (mark,) = marks
        if body.count(mark) > 1:
            group.add(mark)
        elif spaced or not _AMBIGUOUS.fullmatch(body.replace(mark, ",")):
            decimal = mark
        elif decimal_mark is None:
            raise NumberError(
                gettext(
                    "“%(text)s” could be %(whole)s or %(decimal)s; write it without a "
                    "thousands separator, or with one more or one fewer decimal."
                )
                % {"text": text, "whole": body.replace(mark, ""), "decimal": body.replace(mark, ".")}
            )
        elif decimal_mark == mark:
            decimal = mark
        else:
            group.add(mark)
    return decimal, group


def _digits(text: str, body: str, decimal: str | None, group: set[str]) -> tuple[str, str]:
    """The whole and fraction digits of ``body``, grouping removed (grouped by three, else ``NumberError``)."""
    whole, fraction = body.rsplit(decimal, 1) if decimal else (body, "")
    if decimal and any(c in group or c == decimal for c in fraction):
        raise NumberError(gettext("“%(text)s” is not a number.") % {"text": text})
    if any(c in group for c in whole):
        parts = re.split("[" + re.escape("".join(sorted(group))) + "]", whole)
        if not (1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:])):
            raise NumberError(
                gettext("“%(text)s” is not a number: digits are grouped by three (1 234 567,5 or 1,234,567.5).")
                % {"text": text}
            )
        whole = "".join(parts)
    if not (whole or fraction) or not (whole + fraction).isdigit() or not (whole + fraction).isascii():
        raise NumberError(gettext("“%(text)s” is not a number.") % {"text": text})
    return whole, fraction


def _finite(number: Decimal, original) -> Decimal:
    if not number.is_finite():
        raise NumberError(gettext("“%(text)s” is not a number.") % {"text": original})
    return number


def check_quantity(number: Decimal, *, allow_zero: bool = False, maximum: Decimal = QUANTITY_MAX) -> Decimal:
    """``number`` if a quantity may be it (above 0, or 0 when allowed; 4 decimals at most; below the
    limit), else ``NumberError``."""
    return _check(number, QUANTITY_PLACES, maximum, allow_zero=allow_zero, weight=False)


def check_weight(number: Decimal) -> Decimal:
    """``number`` if a package weight in kg may be it, else ``NumberError``."""
    return _check(number, WEIGHT_PLACES, WEIGHT_MAX, allow_zero=False, weight=True)


def _check(number: Decimal, places: int, maximum: Decimal, *, allow_zero: bool, weight: bool) -> Decimal:
    # One whole sentence per message (a weight and a quantity take other words in German and French).
    got = {"got": plain(number), "places": places, "maximum": l10n.num(maximum)}
    if number < 0 or (number == 0 and not allow_zero):
        text = (
            gettext("Give a weight above 0 (got %(got)s).")
            if weight
            else gettext("Give a quantity above 0 (got %(got)s).")
        )
        raise NumberError(text % got)
    if number.normalize().as_tuple().exponent < -places:
        raise NumberError(gettext("Use at most %(places)s decimals (got %(got)s).") % got)
    if number > maximum:
        text = (
            gettext("The largest weight is %(maximum)s (got %(got)s).")
            if weight
            else gettext("The largest quantity is %(maximum)s (got %(got)s).")
        )
        raise NumberError(text % got)
    return number.quantize(Decimal(1).scaleb(-places)) if number.as_tuple().exponent < -places else number


def parse_quantity(value, *, decimal_mark: str | None = None, allow_zero: bool = False) -> Decimal:
    """A quantity from text or a number: ``parse_number`` then ``check_quantity``."""
    return check_quantity(parse_number(value, decimal_mark=decimal_mark), allow_zero=allow_zero)


def parse_weight(value, *, decimal_mark: str | None = None) -> Decimal:
    """A package weight in kg from text or a number."""
    return check_weight(parse_number(value, decimal_mark=decimal_mark))


def quantity_from_odoo(value) -> Decimal:
    """A quantity Odoo sent (a float): read by its shortest repr and rounded to 4 places, as the
    database would; ``NumberError`` when it is beyond what the portal holds (a pull should report
    it, not store it: on SQLite it would not read back)."""
    number = parse_number(value or 0)
    if abs(number) > QUANTITY_MAX:
        raise NumberError(
            gettext("The largest quantity is %(maximum)s (Odoo has %(value)s).")
            % {"maximum": l10n.num(QUANTITY_MAX), "value": value}
        )
    return number.quantize(Decimal(1).scaleb(-QUANTITY_PLACES))


def spreadsheet_number(text: str) -> Decimal:
    """A number cell of a workbook as Excel shows it: the stored binary float read to 15 significant
    digits, the precision Excel displays and computes with ("2999.125", not 2999.12499999999...)."""
    try:
        number = Context(prec=15).create_decimal(text.strip())
    except InvalidOperation:
        raise NumberError(gettext("“%(text)s” is not a number.") % {"text": text}) from None
    if not number.is_finite():
        raise NumberError(gettext("“%(text)s” is not a number.") % {"text": text})
    return Decimal(plain(number))
