"""Certificate values per lot (``AsnItemValue``): read from text, checked, written with the lots.

The editor and the CSV/XLSX import take a lot's values as text, one entry per line or separated
by ";": ``Hardness = 42,5 HRC`` (``name = value unit``; ":" may stand for "="). The API takes a
list of ``{name, value, unit}``. Every path hands the services ``AsnValueInput``; a problem is
reported under the lot (``lines.0.items.2.values``) and names the entry, so one message per lot
says what to fix. Values replace the lot's: a lot given without values has none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

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
FORMAT_HINT = "write one value per line as name = value unit (Hardness = 42,5 HRC)"
_ENTRY_SPLIT = re.compile(r"[;\n]")
# The number, then the unit: digits grouped by spaces or apostrophes, with "." or "," inside.
_NUMBER_THEN_UNIT = re.compile(r"([+-]?[0-9](?:[0-9.,'\u00a0\u202f ]*[0-9])?)\s*(.*)", re.DOTALL)

Checked = list[tuple[str, Decimal, str]]  # (name, value, unit) in the order given


def parse_values(text: str, *, decimal_mark: str | None = None) -> list[AsnValueInput] | Refused:
    """A lot's values from text (see the module docstring); ``decimal_mark`` as in
    ``suppliers.quantities.parse_number`` ("," on a German page, None when unknown). Text that is
    not a list of values (or lists more than a lot holds) comes back ``Refused``."""
    text = str(text or "")
    entries = [entry.strip() for entry in _ENTRY_SPLIT.split(text) if entry.strip()]
    if len(entries) > MAX_LOT_VALUES:
        return Refused(text, f"A lot carries at most {MAX_LOT_VALUES} certificate values (got {len(entries)}).")
    values = []
    for entry in entries:
        if "=" in entry:
            name, _, rest = entry.partition("=")
        elif ":" in entry:
            name, _, rest = entry.rpartition(":")
        else:
            return Refused(text, f"“{entry[:40]}”: {FORMAT_HINT}.")
        match = _NUMBER_THEN_UNIT.fullmatch(rest.strip())
        if match is None:
            return Refused(text, f"“{entry[:40]}” gives no number: {FORMAT_HINT}.")
        try:
            number: Decimal | Refused = parse_number(match.group(1).strip(), decimal_mark=decimal_mark)
        except NumberError as exc:
            number = Refused(match.group(1), str(exc))
        values.append(AsnValueInput(name=name.strip(), value=number, unit=match.group(2).strip()))
    return values


def check_values(specs: Sequence[AsnValueInput] | Refused, where: str, errors: dict[str, str]) -> Checked:
    """The lot's values as they will be stored; the first problem goes to ``errors[where]``."""
    if isinstance(specs, Refused):
        errors.setdefault(where, specs.message)
        return []
    if len(specs) > MAX_LOT_VALUES:
        errors.setdefault(where, f"A lot carries at most {MAX_LOT_VALUES} certificate values (got {len(specs)}).")
        return []
    checked: Checked = []
    seen: set[str] = set()
    for spec in specs:
        name, unit = str(spec.name or "").strip(), str(spec.unit or "").strip()
        problem = ""
        if not name:
            problem = "Each certificate value needs the characteristic's name."
        elif len(name) > MAX_VALUE_NAME:
            problem = f"Keep the name “{name[:40]}…” under {MAX_VALUE_NAME} characters."
        elif name.lower() in seen:
            problem = f"{name} is given twice for this lot; one value per characteristic."
        elif len(unit) > MAX_VALUE_UNIT:
            problem = f"Keep the unit of {name} under {MAX_VALUE_UNIT} characters."
        elif isinstance(spec.value, Refused):
            problem = f"{name}: {spec.value.message}"
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
        return f"{name}: not a number."
    if value.normalize().as_tuple().exponent < -VALUE_PLACES:
        return f"{name}: use at most {VALUE_PLACES} decimals (got {plain(value)})."
    if abs(value) > VALUE_MAX:
        return f"{name}: a certificate value is at most {VALUE_MAX:,} (got {plain(value)})."
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
