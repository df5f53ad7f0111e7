"""Lines of a draft ASN from a CSV or XLSX file: one row per lot (or per line when untracked).

Columns (header row, any order, names as below; extra columns are ignored):

    po            purchase order number, e.g. P00042 (required)
    product_code  the product's internal reference or your product code (required)
    quantity      quantity in the order's unit (required)
    uom           the unit, when given it must be the order's unit
    lot           lot or serial number (required for tracked products)
    expiry_date   YYYY-MM-DD
    package       package number on this ASN (1, 2, ...); new numbers add packages

Rows of the same order and product add up to one line. Every error names its row
and column; nothing is imported when any row is wrong.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections import OrderedDict

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.models import Membership
from suppliers.models import PurchaseOrderLine
from suppliers.services.asns import asn_get, asn_problems, asn_update

COLUMNS = ["po", "product_code", "quantity", "uom", "lot", "expiry_date", "package"]
REQUIRED = ["po", "product_code", "quantity"]
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
EXAMPLE = [
    ["P00042", "ALU-BRKT-7", "250", "Units", "LOT-2026-117", "2028-01-31", "1"],
    ["P00042", "ALU-BRKT-7", "150", "Units", "LOT-2026-118", "2028-01-31", "2"],
    ["P00042", "M8-BOLT-50", "2000", "Units", "", "", "1"],
]


def read_rows(data: bytes, filename: str) -> list[dict[str, str]]:
    """Rows as dicts of the known columns; a file that cannot be read is one clear error."""
    if len(data) > MAX_BYTES:
        raise ValidationError({"file": "Files are limited to 5 MB."})
    if filename.lower().endswith(".xlsx") or data[:2] == b"PK":
        rows = _xlsx(data)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": "Save the CSV as UTF-8 (Excel: CSV UTF-8)."}) from None
        dialect = csv.excel
        with contextlib.suppress(csv.Error):
            dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else "", delimiters=",;\t")
        rows = list(csv.reader(io.StringIO(text), dialect))
    rows = [r for r in rows if any(str(c).strip() for c in r)]
    if not rows:
        raise ValidationError({"file": "The file is empty."})
    header = [str(c).strip().lower() for c in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationError(
            {"file": f"The header row lacks the column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}."}
        )
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationError({"file": f"At most {MAX_ROWS} rows per file."})
    out = []
    for row in rows[1:]:
        values = {
            name: (str(row[i]).strip() if i < len(row) and row[i] is not None else "")
            for i, name in enumerate(header)
            if name in COLUMNS
        }
        out.append({c: values.get(c, "") for c in COLUMNS})
    return out


def _xlsx(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValidationError({"file": "This is not an Excel workbook (.xlsx) that can be read."}) from None
    sheet = book.worksheets[0]
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append(
            [
                ""
                if v is None
                else (
                    v.date().isoformat()
                    if hasattr(v, "date") and callable(v.date) and not isinstance(v, str)
                    else (f"{v:g}" if isinstance(v, float) else str(v))
                )
                for v in row
            ]
        )
    book.close()
    return rows


def asn_import(*, membership: Membership, asn_id: int, data: bytes, filename: str) -> int:
    """Replace the draft's lines with the file's; answers the number of rows imported."""
    rows = read_rows(data, filename)
    asn = asn_get(membership=membership, asn_id=asn_id)
    po_lines = list(PurchaseOrderLine.objects.filter(order__in=asn.orders.all()).select_related("order", "product"))
    errors: dict[str, str] = {}
    lines: OrderedDict[int, dict] = OrderedDict()
    where: dict[tuple[int, int], int] = {}
    line_rows: dict[int, int] = {}
    orders = {line.order.name.lower() for line in po_lines}
    max_package = 0
    for n, row in enumerate(rows, start=2):  # row 1 is the header
        for column in REQUIRED:
            if not row[column]:
                errors[f"row {n}, {column}"] = "Required."
        if not row["po"] or not row["product_code"]:
            continue
        if row["po"].lower() not in orders:
            errors[f"row {n}, po"] = (
                f"{row['po']} is not an order of {asn.number} ({', '.join(sorted(orders)).upper()})."
            )
            continue
        code = row["product_code"].lower()
        match = [
            line
            for line in po_lines
            if line.order.name.lower() == row["po"].lower()
            and code in {(line.product.default_code if line.product else "").lower(), line.vendor_product_code.lower()}
        ]
        if not match:
            errors[f"row {n}, product_code"] = f"{row['product_code']} is not on {row['po']}."
            continue
        po_line = match[0]
        if row["package"]:
            if not row["package"].isdigit() or not 1 <= int(row["package"]) <= 200:
                errors[f"row {n}, package"] = f"“{row['package']}” is not a package number (1 to 200)."
            else:
                max_package = max(max_package, int(row["package"]))
        spec = lines.setdefault(po_line.pk, {"order_line": po_line.pk, "quantity": 0, "items": [], "uom": row["uom"]})
        line_rows.setdefault(po_line.pk, n)
        where[(list(lines).index(po_line.pk), len(spec["items"]))] = n
        try:
            spec["quantity"] = float(spec["quantity"]) + float(row["quantity"].replace(",", "."))
        except ValueError:
            errors[f"row {n}, quantity"] = f"“{row['quantity']}” is not a number."
        if row["uom"] and not spec["uom"]:
            spec["uom"] = row["uom"]
        spec["items"].append(
            {
                "lot_name": row["lot"],
                "expiry_date": row["expiry_date"],
                "quantity": row["quantity"],
                "package": row["package"],
            }
        )
    if errors:
        raise ValidationError(errors)
    existing = list(asn.packages.order_by("id"))
    packages = [{"kind": p.kind, "weight_kg": p.weight_kg or "", "sscc": p.sscc} for p in existing]
    packages += [{"kind": "carton"} for _ in range(max(0, max_package - len(existing)))]
    specs = list(lines.values())
    for spec in specs:
        spec["quantity"] = f"{spec['quantity']:g}"
    try:
        with transaction.atomic():
            asn_update(
                membership=membership,
                asn_id=asn.pk,
                lines=specs,
                packages=packages if max_package > len(existing) else None,
            )
            # What would stop the submission (over-shipment, missing or duplicate lots) stops the import too.
            asn.refresh_from_db()
            problems = {k: v for k, v in asn_problems(asn).items() if k.startswith("lines.")}
            if problems:
                raise ValidationError(problems)
    except ValidationError as exc:
        raise ValidationError(_by_row(exc.message_dict, where, list(lines), line_rows)) from exc
    return len(rows)


def _by_row(errors: dict, where: dict, order: list[int], line_rows: dict[int, int]) -> dict[str, str]:
    column = {
        "lot_name": "lot",
        "expiry_date": "expiry_date",
        "quantity": "quantity",
        "package": "package",
        "uom": "uom",
        "order_line": "product_code",
    }
    out = {}
    for key, messages in errors.items():
        parts = key.split(".")
        text = " ".join(messages)
        if parts[0] == "lines" and len(parts) == 5:
            row = where.get((int(parts[1]), int(parts[3])))
            out[f"row {row}, {column.get(parts[4], parts[4])}"] = text
        elif parts[0] == "lines" and len(parts) == 3:
            row = line_rows.get(order[int(parts[1])])
            out[f"row {row}, {column.get(parts[2], 'lot' if parts[2] == 'items' else parts[2])}"] = text
        else:
            out[key] = text
    return out


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
