"""Certificate values per lot (``AsnItemValue``): read from text, checked, written with the lots.

The editor and the CSV/XLSX import take a lot's values as text, one entry per line or separated
by ";": ``Hardness = 42,5 HRC`` (``name = value unit``; ":" may stand for "="). The API takes a
list of ``{name, value, unit}``. Every path hands the services ``AsnValueInput``; a problem is
reported under the lot (``lines.0.items.2.values``) and names the entry, so one message per lot
says what to fix. Values replace the lot's: a lot given without values has none.

The unit follows the number after a space, or directly ("5mm", "42,5HRC"), except when what follows
would make the number another one: an exponent ("1.2E+5", "1e400", "2 e-3": scientific notation,
how Excel shows big numbers, which hides digits) or a hexadecimal "0x1F". Those are refused with
the number to write instead, as the API refuses "1e400" as a value, rather than read as 1.2 in the
unit "E+5". A unit that starts with "x" after another number stays a unit ("4x2").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from django.utils.translation import gettext

from portal import l10n
from portal.bidi import identifier_refusal
from portal.dates import Refused
from suppliers.models import Asn, AsnItem, AsnItemValue
from suppliers.models.shipments import VALUE_DIGITS, VALUE_PLACES
from suppliers.quantities import NumberError, parse_number, plain
from suppliers.services.asn_inputs import AsnValueInput

MAX_LOT_VALUES = 50  # values on one lot: a certificate of analysis lists a few dozen at most
MAX_ASN_VALUES = 5000  # values on one shipment, all lots together (bounds one save's work)
MAX_VALUE_NAME = 80
MAX_VALUE_UNIT = 32
VALUE_MAX = Decimal(10) ** (VALUE_DIGITS - VALUE_PLACES) - Decimal(1).scaleb(-VALUE_PLACES)
_ENTRY_SPLIT = re.compile(r"[;\n]")
# The number, then the unit: digits grouped by spaces or apostrophes, with "." or "," inside.
_NUMBER_THEN_UNIT = re.compile(r"([+-]?[0-9](?:[0-9.,'\u00a0\u202f ]*[0-9])?)(\s*)(.*)", re.DOTALL)
# What, after the number, makes it another number: an exponent (with or without a space before it),
# or the "x" of a hexadecimal number right after a 0.
_EXPONENT_AFTER = re.compile(r"[eE]\s*([+-]?)\s*([0-9]+)")
_HEX_AFTER = re.compile(r"[xX][0-9a-fA-F]")
_ZERO = re.compile(r"[+-]?0")
MAX_SHOWN_EXPONENT = 15  # beyond, "write 1000...0" helps nobody: ask for the number in full

Checked = list[tuple[str, Decimal, str]]  # (name, value, unit) in the order given


def parse_values(text: str, *, decimal_mark: str | None = None) -> list[AsnValueInput] | Refused:
    """A lot's values from text (see the module docstring); ``decimal_mark`` as in
    ``suppliers.quantities.parse_number`` ("," on a German page, None when unknown). Text that is
    not a list of values (or lists more than a lot holds) comes back ``Refused``."""
    text = str(text or "")
    entries = [entry.strip() for entry in _ENTRY_SPLIT.split(text) if entry.strip()]
    if len(entries) > MAX_LOT_VALUES:
        return Refused(text, _too_many(len(entries)))
    values = []
    for entry in entries:
        if "=" in entry:
            name, _, rest = entry.partition("=")
        elif ":" in entry:
            name, _, rest = entry.rpartition(":")
        else:
            return Refused(
                text,
                gettext("“%(entry)s”: write one value per line as name = value unit (Hardness = 42,5 HRC).")
                % {"entry": entry[:40]},
            )
        match = _NUMBER_THEN_UNIT.fullmatch(rest.strip())
        if match is None:
            return Refused(
                text,
                gettext(
                    "“%(entry)s” gives no number: write one value per line as name = value unit (Hardness = 42,5 HRC)."
                )
                % {"entry": entry[:40]},
            )
        written, space, unit = match.group(1).strip(), match.group(2), match.group(3).strip()
        try:
            number: Decimal | Refused = parse_number(written, decimal_mark=decimal_mark)
        except NumberError as exc:
            number = Refused(written, str(exc))
        another = _another_number(written, number, space, unit, comma="," in written and "." not in written)
        if another is not None:
            number, unit = another, ""
        values.append(AsnValueInput(name=name.strip(), value=number, unit=unit))
    return values


def _another_number(
    written: str, number: Decimal | Refused, space: str, unit: str, *, comma: bool = False
) -> Refused | None:
    """``Refused`` when ``unit`` continues the number ``written`` into another one (see the module
    docstring); None when it is a unit. ``comma``: the number to write instead uses a decimal comma,
    as the one written did."""
    exponent = _EXPONENT_AFTER.match(unit)
    if exponent is not None:
        shown = f"{written}{space}{exponent.group(0)}"
        power = int(exponent.group(1) + exponent.group(2))
        if isinstance(number, Decimal) and abs(power) <= MAX_SHOWN_EXPONENT:
            full = plain(number.scaleb(power))
            instead = full.replace(".", ",") if comma else full
            return Refused(
                shown,
                gettext(
                    "“%(shown)s” is in scientific notation, which hides digits; write %(instead)s, not %(shown)s "
                    "(a unit goes after a space)."
                )
                % {"shown": shown, "instead": instead},
            )
        return Refused(
            shown,
            gettext(
                "“%(shown)s” is in scientific notation, which hides digits; write the number in full "
                "(a unit goes after a space)."
            )
            % {"shown": shown},
        )
    if not space and _ZERO.fullmatch(written) and _HEX_AFTER.match(unit):
        shown = f"{written}{unit.split()[0]}"
        return Refused(
            shown,
            gettext("“%(shown)s” is not a decimal number (hexadecimal?); write it with the digits 0 to 9.")
            % {"shown": shown},
        )
    return None


def _too_many(count: int) -> str:
    return gettext("A lot carries at most %(max)s certificate values (got %(count)s).") % {
        "max": MAX_LOT_VALUES,
        "count": count,
    }


def check_values(specs: Sequence[AsnValueInput] | Refused, where: str, errors: dict[str, str]) -> Checked:
    """The lot's values as they will be stored; the first problem goes to ``errors[where]``."""
    if isinstance(specs, Refused):
        errors.setdefault(where, specs.message)
        return []
    if len(specs) > MAX_LOT_VALUES:
        errors.setdefault(where, _too_many(len(specs)))
        return []
    checked: Checked = []
    seen: set[str] = set()
    for spec in specs:
        name, unit = str(spec.name or "").strip(), str(spec.unit or "").strip()
        problem = ""
        if not name:
            problem = gettext("Each certificate value needs the characteristic's name.")
        elif len(name) > MAX_VALUE_NAME:
            problem = gettext("Keep the name “%(name)s…” under %(max)s characters.") % {
                "name": name[:40],
                "max": MAX_VALUE_NAME,
            }
        elif refusal := identifier_refusal(name) or identifier_refusal(unit):
            problem = refusal  # the inspection report prints the name and unit next to its own
        elif name.lower() in seen:
            problem = gettext("%(name)s is given twice for this lot; one value per characteristic.") % {"name": name}
        elif len(unit) > MAX_VALUE_UNIT:
            problem = gettext("Keep the unit of %(name)s under %(max)s characters.") % {
                "name": name,
                "max": MAX_VALUE_UNIT,
            }
        elif isinstance(spec.value, Refused):
            problem = f"{name}: {spec.value.message}"  # the name, then the sentence already translated
        else:
            problem = _value_problem(spec.value, name)
        if problem:
            errors.setdefault(where, problem)
            continue
        seen.add(name.lower())
        checked.append((name, spec.value, unit))
    return checked


def _value_problem(value: Decimal, name: str) -> str:
    if not value.is_finite():
        return gettext("%(name)s: not a number.") % {"name": name}
    if value.normalize().as_tuple().exponent < -VALUE_PLACES:
        return gettext("%(name)s: use at most %(places)s decimals (got %(got)s).") % {
            "name": name,
            "places": VALUE_PLACES,
            "got": plain(value),
        }
    if abs(value) > VALUE_MAX:
        return gettext("%(name)s: a certificate value is at most %(max)s (got %(got)s).") % {
            "name": name,
            "max": l10n.num(VALUE_MAX),
            "got": plain(value),
        }
    return ""


def save_values(asn: Asn, wanted: dict[int, Checked]) -> None:
    """Make each lot (by ``AsnItem`` pk) hold ``wanted[pk]``; lots whose values are as stored are
    not touched, so an unchanged save writes nothing."""
    held: dict[int, Checked] = {}
    for row in AsnItemValue.objects.filter(item__asn=asn).order_by("id"):
        held.setdefault(row.item_id, []).append((row.name, row.value, row.unit))
    changed = [pk for pk in set(wanted) | set(held) if wanted.get(pk, []) != held.get(pk, [])]
    if not changed:
        return
    AsnItemValue.objects.filter(item_id__in=changed).delete()
    AsnItemValue.objects.bulk_create(
        AsnItemValue(tenant=asn.tenant, item_id=pk, name=name, value=value, unit=unit)
        for pk in changed
        for name, value, unit in wanted.get(pk, [])
    )


def values_text(item: AsnItem) -> str:
    """The lot's values as the editor shows them (one per line), in the page language's decimal mark."""
    return "\n".join(f"{v.name} = {v.value_text}{' ' + v.unit if v.unit else ''}" for v in item.values.all())
