"""Lines of a draft ASN from a CSV or XLSX file: one row per lot (or per line when untracked).

Columns (a header row, any order; case, spaces and hyphens in the names do not matter; other
columns are ignored):

    po            purchase order number, e.g. P00042 (required)
    product_code  the product's internal reference or your product code (required)
    quantity      quantity in the order's unit (required), at most 11 digits before and 4 after the
                  decimal mark (``suppliers.quantities``): 1234567, 2999.125, 2999,125, 1.234.567,5
    uom           the unit, when given it must be the order's unit
    lot           lot or serial number (required for tracked products)
    expiry_date   YYYY-MM-DD (or DD.MM.YYYY, or an Excel date)
    package       package number on this ASN (1, 2, ...); new numbers add packages
    values        optional: the lot's certificate values in one cell, ``name = value unit`` separated
                  by ";" (``Hardness = 42,5 HRC; Length = 120.1 mm``; ``suppliers.services.asn_values``)

Rows of the same order and product add up to one line. Every error names its row and column;
nothing is imported when any row is wrong. Which files are read, and within which bounds, is
``suppliers.services.table_files``'s business; numbers are read once, exactly, as decimals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from portal import dates, l10n
from portal.input_errors import ErrorPlaces
from portal.models import Membership
from suppliers.limits import MAX_ASN_PACKAGES, MAX_IMPORT_ROWS
from suppliers.models import PurchaseOrderLine
from suppliers.quantities import QUANTITY_MAX, NumberError, check_quantity, parse_number, plain
from suppliers.selectors import asn_get
from suppliers.services.asn_checks import asn_problems, errors_as_sent
from suppliers.services.asn_drafts import asn_update
from suppliers.services.asn_inputs import AsnItemInput, AsnLineInput, PackageInput
from suppliers.services.asn_values import parse_values
from suppliers.services.table_files import MAX_BYTES, TableFileError, TableRow, read_table, uncalculated

# ``values``: optional, a lot's certificate values in one cell (``Hardness = 42,5 HRC; Length = 120.1 mm``,
# as in the editor: ``suppliers.services.asn_values``); files without the column stay valid.
COLUMNS = ["po", "product_code", "quantity", "uom", "lot", "expiry_date", "package", "values"]
REQUIRED = ["po", "product_code", "quantity"]
# Names ERP exports and people use for the same columns.
ALIASES = {
    "purchase_order": "po",
    "po_number": "po",
    "order": "po",
    "product": "product_code",
    "item_code": "product_code",
    "qty": "quantity",
    "unit": "uom",
    "lot_number": "lot",
    "lot_serial": "lot",
    "serial": "lot",
    "serial_number": "lot",
    "expiry": "expiry_date",
    "expiration_date": "expiry_date",
    "package_number": "package",
    "certificate_values": "values",
}
MAX_ROWS = MAX_IMPORT_ROWS
MAX_LENGTH = {"po": 64, "product_code": 120, "uom": 64, "lot": 80, "expiry_date": 30, "package": 20, "values": 255}
EXAMPLE = [
    ["P00042", "ALU-BRKT-7", "250", "Units", "LOT-2026-117", "2028-01-31", "1", "Hardness = 42.5 HRC"],
    ["P00042", "ALU-BRKT-7", "150", "Units", "LOT-2026-118", "2028-01-31", "2", "Hardness = 43.1 HRC"],
    ["P00042", "M8-BOLT-50", "2000", "Units", "", "", "1", ""],
]
# The service's names of fields as the file's columns.
COLUMN_OF = {"lot_name": "lot", "items": "lot", "order_line": "product_code"}
_ISO_DAY = re.compile(r"([0-9]{4})[-/]([0-9]{1,2})[-/]([0-9]{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?Z?)?")
_DOTTED_DAY = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_SLASHED_DAY = re.compile(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}")


def asn_import(*, membership: Membership, asn_id: int, data: bytes, filename: str) -> int:
    """Replace the draft's lines with the file's; answers the number of rows imported.

    Raises ``ValidationError`` keyed ``file`` (the file cannot be read) or ``row N, column``
    (``Sheet, row N, column`` when rows come from several sheets).
    """
    try:
        table = read_table(
            data,
            filename,
            columns=COLUMNS,
            required=REQUIRED,
            aliases=ALIASES,
            numeric=("quantity",),
            max_rows=MAX_ROWS,
        )
    except TableFileError as exc:
        raise ValidationError({"file": str(exc)}) from None
    if not table.rows:
        raise ValidationError({"file": gettext("The file has a header row but no lines under it.")})
    asn = asn_get(membership=membership, asn_id=asn_id)
    plan = _Plan(asn, table.decimal_mark)
    for row in table.rows:
        plan.add(row)
    if plan.errors:
        raise ValidationError(plan.in_file_order(plan.errors))
    existing = list(asn.packages.order_by("id"))
    grow = plan.max_package > len(existing)
    packages = [PackageInput(kind=p.kind, weight_kg=p.weight_kg, sscc=p.sscc) for p in existing]
    packages += [PackageInput() for _ in range(max(0, plan.max_package - len(existing)))]
    lines = plan.inputs()
    try:
        with transaction.atomic():
            try:
                asn_update(membership=membership, asn_id=asn.pk, lines=lines, packages=packages if grow else None)
            except ValidationError as exc:
                raise ValidationError(plan.places.place(exc)) from exc
            # What would stop the submission (over-shipment, missing lots, duplicate serials) stops the import too.
            problems = {k: v for k, v in asn_problems(asn).items() if k.startswith("lines.")}
            if problems:
                raise ValidationError(plan.places.place(errors_as_sent(problems, asn, lines)))
    except ValidationError as exc:
        raise ValidationError(plan.in_file_order(exc.message_dict)) from None
    return len(table.rows)


class _Plan:
    """The file's rows as the service's lines, with where each came from (to name rows in errors)."""

    def __init__(self, asn, decimal_mark: str | None) -> None:
        self.asn, self.decimal_mark = asn, decimal_mark
        self.sheets: dict[str, int] = {}  # a sheet's name -> its place in the file (rows come in file order)
        self.position: dict[str, tuple[int, int]] = {}  # a row's label -> (its sheet's place, its number)
        po_lines = PurchaseOrderLine.objects.filter(order__in=asn.orders.all()).select_related("order", "product")
        self.orders: set[str] = set()
        self.by_code: dict[tuple[str, str], PurchaseOrderLine] = {}
        for line in po_lines.order_by("order_id", "sequence", "id"):
            order = line.order.name.lower()
            self.orders.add(order)
            for code in {(line.product.default_code if line.product else "").lower(), line.vendor_product_code.lower()}:
                if code:
                    self.by_code.setdefault((order, code), line)
        self.errors: dict[str, str] = {}
        self.lines: dict[int, dict] = {}  # PO line id -> quantity, unit and items, in the order of the file
        self.rows_of: dict[int, list[str]] = defaultdict(list)  # PO line id -> the row labels of its items
        self.max_package = 0
        # The service's errors (``lines.0.items.2.lot_name``) by the row and column of the file.
        self.places = ErrorPlaces(join="{where}, {field}", rename=COLUMN_OF)

    def add(self, row: TableRow) -> None:
        if row.sheet:
            label = gettext("%(sheet)s, row %(number)s") % {"sheet": row.sheet, "number": row.number}
        else:
            label = gettext("row %(number)s") % {"number": row.number}
        self.position[label] = (self.sheets.setdefault(row.sheet, len(self.sheets)), row.number)

        def error(column: str, message: str) -> None:
            self.errors.setdefault(f"{label}, {column}", message)

        for column, problem in row.problems.items():
            error(column, problem)
        for column, value in row.values.items():
            if uncalculated(value):
                error(
                    column,
                    gettext(
                        "The cell holds a formula Excel has not calculated; open the file in Excel, save it again."
                    ),
                )
        values = {c: _text(row.values.get(c, "")) for c in COLUMNS if c != "quantity"}
        for column, value in values.items():
            if len(value) > MAX_LENGTH[column]:
                error(column, gettext("Keep it under %(limit)s characters.") % {"limit": MAX_LENGTH[column]})
        for column in ("po", "product_code"):
            if not values[column]:
                error(column, gettext("Required."))
        quantity = self._quantity(row.values.get("quantity", ""), f"{label}, quantity")
        if f"{label}, po" in self.errors or f"{label}, product_code" in self.errors:
            return
        po_line = self._po_line(values, error)
        if po_line is None:
            return
        package = values["package"]
        if package:
            if not (package.isascii() and package.isdigit() and 1 <= int(package) <= MAX_ASN_PACKAGES):
                error(
                    "package",
                    gettext("“%(package)s” is not a package number (1 to %(max)s).")
                    % {"package": package, "max": MAX_ASN_PACKAGES},
                )
            else:
                package = str(int(package))
                self.max_package = max(self.max_package, int(package))
        expiry = None
        if values["expiry_date"]:
            try:
                expiry = _day(values["expiry_date"])
            except ValueError as exc:
                error("expiry_date", str(exc))
        if quantity is None:
            return
        spec = self.lines.setdefault(po_line.pk, {"quantity": Decimal(0), "items": [], "uom": values["uom"]})
        spec["quantity"] += quantity
        if spec["quantity"] > QUANTITY_MAX:
            error(
                "quantity",
                gettext("The rows of %(product)s on %(po)s add up to more than %(max)s.")
                % {"product": values["product_code"], "po": values["po"], "max": l10n.num(QUANTITY_MAX)},
            )
        if values["uom"] and not spec["uom"]:
            spec["uom"] = values["uom"]
        certificate = parse_values(values["values"], decimal_mark=self.decimal_mark)
        spec["items"].append(
            AsnItemInput(
                quantity=quantity, lot_name=values["lot"], expiry_date=expiry, package=package, values=certificate
            )
        )
        self.rows_of[po_line.pk].append(label)

    def in_file_order(self, errors: dict) -> dict:
        """``errors`` (keyed "row 12, quantity", "Lines, row 12, quantity" in the reader's language) in the
        order of the file: by sheet, row and column, from where each row was read, never from the words of
        its label; errors of no row (the file's, the whole shipment's) first."""
        columns = {column: index for index, column in enumerate(COLUMNS)}

        def place(key: str) -> tuple[int, int, int, int]:
            label, _, column = key.rpartition(", ")
            if label not in self.position:
                return (0, 0, 0, 0)
            sheet, number = self.position[label]
            return (1, sheet, number, columns.get(column, len(columns)))

        return {key: errors[key] for key in sorted(errors, key=place)}  # sorted() keeps ties as they came

    def _po_line(self, values: dict[str, str], error) -> PurchaseOrderLine | None:
        order = values["po"].lower()
        if order not in self.orders:
            known = ", ".join(sorted(self.orders)).upper()
            error(
                "po",
                gettext("%(po)s is not an order of %(asn)s (%(known)s).")
                % {"po": values["po"], "asn": self.asn.number, "known": known},
            )
            return None
        po_line = self.by_code.get((order, values["product_code"].lower()))
        if po_line is None:
            error(
                "product_code",
                gettext("%(product)s is not on %(po)s.") % {"product": values["product_code"], "po": values["po"]},
            )
        return po_line

    def _quantity(self, value, key: str) -> Decimal | None:
        try:
            number = value if isinstance(value, Decimal) else parse_number(value, decimal_mark=self.decimal_mark)
            return check_quantity(number)
        except NumberError as exc:
            self.errors.setdefault(key, gettext("Required.") if not _text(value) else str(exc))
            return None

    def inputs(self) -> list[AsnLineInput]:
        """The service's lines, one per PO line in the order of the file; notes the rows of each."""
        lines = []
        for index, (po_line_id, spec) in enumerate(self.lines.items()):
            rows = self.rows_of[po_line_id]
            self.places.put(f"lines.{index}", rows[0])  # a line's own errors go to its first row
            for j, label in enumerate(rows):
                self.places.put(f"lines.{index}.items.{j}", label)
            lines.append(
                AsnLineInput(order_line=po_line_id, quantity=spec["quantity"], uom=spec["uom"], items=spec["items"])
            )
        return lines


def _text(value) -> str:
    if isinstance(value, Decimal):
        return plain(value)
    return str(value or "").strip()


def _day(text: str) -> dt.date:
    """An expiry date from what spreadsheets write, within the portal's limits (``portal.dates``);
    refuses forms that read two ways."""
    text = text.strip()
    match = _ISO_DAY.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    elif match := _DOTTED_DAY.fullmatch(text):
        day, month, year = (int(g) for g in match.groups())
    elif _SLASHED_DAY.fullmatch(text):
        raise ValueError(
            gettext(
                "“%(text)s” can be read as day/month or month/day; write dates as YYYY-MM-DD "
                "(in Excel: Format Cells > Custom > yyyy-mm-dd)."
            )
            % {"text": text}
        )
    else:
        raise ValueError(gettext("“%(text)s” is not a date; use YYYY-MM-DD.") % {"text": text})
    try:
        found = dt.date(year, month, day)
    except ValueError:
        raise ValueError(gettext("“%(text)s” is not a date of the calendar.") % {"text": text}) from None
    return dates.parse_day(found)  # DateInputError (a ValueError) beyond the limits


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerows(EXAMPLE)
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "ASN lines"
    sheet.append(COLUMNS)
    for row in EXAMPLE:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = ["COLUMNS", "MAX_BYTES", "MAX_ROWS", "asn_import", "template_csv", "template_xlsx"]
