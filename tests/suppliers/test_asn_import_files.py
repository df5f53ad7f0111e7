"""Importing ASN lines from files as Excel, LibreOffice and ERPs write them: numbers read exactly,
every CSV variant and workbook layout read (or refused with what to change), wrong values as row errors."""

from __future__ import annotations

import codecs
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from suppliers.models import PurchaseOrderLine, rules_for
from suppliers.services.asn_drafts import asn_create
from suppliers.services.asn_import import asn_import
from tests.conftest import login
from tests.factories import ProductFactory, PurchaseOrderFactory

pytestmark = pytest.mark.django_db
SOON = datetime.now(UTC) + timedelta(days=10)
HEADER = "po,product_code,quantity,uom,lot,expiry_date,package"


def desk_order(world, *, name="P00011", nut_qty=2_000_000):
    """P00011 as in the demo: nuts and bolts (untracked), a resin by lot, a sensor by serial."""
    tenant = world.a
    rules = rules_for(tenant)
    rules.gs1_company_prefix = "0614141"
    rules.save()
    lines = []
    for n, (code, tracking, qty, unit) in enumerate(
        [
            ("M8-NUT", "none", nut_qty, "Units"),
            ("M8-BOLT-50", "none", 5000, "Units"),
            ("LAB-LOT-001", "lot", 100, "kg"),
            ("SER-100", "serial", 10, "Units"),
        ]
    ):
        product = ProductFactory(
            tenant=tenant, odoo_id=80 + n, default_code=code, name=code.title(), tracking=tracking, uom_name=unit
        )
        lines.append({"product": product, "quantity": qty, "sequence": n})
    return PurchaseOrderFactory(partner=world.p1, name=name, date_planned=SOON, lines=lines)


def draft(world, **kwargs):
    po = desk_order(world, **kwargs)
    return po, asn_create(membership=world.p1_user, po_ids=[po.pk])


def shipped(asn) -> dict[str, Decimal]:
    return {
        line.order_line.product.default_code: line.quantity for line in asn.lines.select_related("order_line__product")
    }


def xlsx(rows, *, sheets=None, hidden=()) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, sheet_rows in sheets or [("Sheet", rows)]:
        sheet = book.create_sheet(title)
        for row in sheet_rows:
            sheet.append(row)
        if title in hidden:
            sheet.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def errors_of(world, asn, data: bytes, filename="lines.csv") -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename=filename)
    return {k: " ".join(v) for k, v in caught.value.message_dict.items()}


# --- numbers, exactly (shared/cases/order-desk-2026-11/t04_*) --------------------------------------


def test_csv_quantities_are_exact_decimals_not_six_significant_digits(world):
    _, asn = draft(world)
    # t04_minimal.csv and t04_minimal_decimals.csv: 1,234,567 became 1,234,570 and 2999.125 became 2999.12.
    assert (
        asn_import(
            membership=world.p1_user,
            asn_id=asn.pk,
            data=b"po,product_code,quantity\nP00011,M8-NUT,1234567\n",
            filename="t04_minimal.csv",
        )
        == 1
    )
    assert shipped(asn) == {"M8-NUT": Decimal("1234567")}
    data = b"po,product_code,quantity\nP00011,M8-BOLT-50,2999.125\n"
    asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="t04_minimal_decimals.csv")
    assert shipped(asn) == {"M8-BOLT-50": Decimal("2999.125")}
    item = asn.items.get()
    assert item.quantity == Decimal("2999.125")


def test_xlsx_number_cells_are_read_as_excel_shows_them(world):
    _, asn = draft(world)
    # t04_large_quantity.xlsx: numbers as Excel stores them (binary floats), read to Excel's 15 digits.
    data = xlsx([["po", "product_code", "quantity"], ["P00011", "M8-NUT", 1234567], ["P00011", "M8-BOLT-50", 2500.25]])
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="t04_large_quantity.xlsx") == 2
    assert shipped(asn) == {"M8-NUT": Decimal("1234567"), "M8-BOLT-50": Decimal("2500.25")}
    # 0.1 + 0.2 as Excel stores it is 0.30000000000000004; Excel shows (and means) 0.3.
    data = xlsx(
        [["po", "product_code", "quantity"], ["P00011", "M8-BOLT-50", 0.1 + 0.2], ["P00011", "M8-BOLT-50", 2999.125]]
    )
    asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="sum.xlsx")
    assert shipped(asn) == {"M8-BOLT-50": Decimal("2999.425")}


@pytest.mark.parametrize(
    ("typed", "separator", "expected"),
    [
        ("1234567", ",", "1234567"),
        ('"1,234,567"', ",", "1234567"),  # Excel (English) with a thousands format, quoted
        ("1.234.567", ";", "1234567"),  # Excel (German) with a thousands format
        ("1.234.567,5", ";", "1234567.5"),
        ("2999,125", ";", "2999.125"),  # decimal comma: German, French, Swedish Excel
        ('"2999,125"', ",", "2999.125"),  # LibreOffice with a decimal comma and comma separator
        ("1 234 567,5", ";", "1234567.5"),  # French grouping with spaces
        ("1\u202f234\u202f567,5", ";", "1234567.5"),  # ... with narrow no-break spaces
        ("1'234'567.5", ",", "1234567.5"),  # Swiss
        ("  2999.125  ", ",", "2999.125"),
        ("0,125", ";", "0.125"),
        ("1,234", ";", "1.234"),  # a semicolon file writes decimal commas
    ],
)
def test_quantities_as_spreadsheets_write_them(world, typed, separator, expected):
    _, asn = draft(world)
    data = f"po{separator}product_code{separator}quantity\nP00011{separator}M8-NUT{separator}{typed}\n".encode()
    asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="lines.csv")
    assert shipped(asn) == {"M8-NUT": Decimal(expected)}


def test_a_number_that_reads_two_ways_is_refused_unless_the_file_says_which(world):
    _, asn = draft(world)
    # Tab-separated (Excel's "Unicode text"): nothing says whether 1,234 is a thousand or a decimal.
    tabbed = "po\tproduct_code\tquantity\nP00011\tM8-NUT\t1,234\n".encode("utf-16")
    errors = errors_of(world, asn, tabbed, "lines.txt")
    assert errors == {"row 2, quantity": errors["row 2, quantity"]}
    assert "could be 1234 or 1.234" in errors["row 2, quantity"]
    # The same file with another row that uses a decimal point: then 1,234 groups thousands.
    tabbed = "po\tproduct_code\tquantity\nP00011\tM8-NUT\t1,234\nP00011\tM8-BOLT-50\t2.5\n".encode("utf-16")
    asn_import(membership=world.p1_user, asn_id=asn.pk, data=tabbed, filename="lines.txt")
    assert shipped(asn) == {"M8-NUT": Decimal("1234"), "M8-BOLT-50": Decimal("2.5")}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "“abc” is not a number."),
        ("١٢٣", "write it with the digits 0 to 9"),  # Arabic-Indic digits
        ("\uff11\uff12", "write it with the digits 0 to 9"),  # full-width digits
        ("1.23457E+11", "scientific notation"),  # how Excel writes big numbers in a narrow column
        ("12,34,567", "grouped by three"),
        ("0", "above 0"),
        ("-5", "above 0"),
        ("1.23456", "at most 4 decimals"),
        ("999999999999.9999", "The largest quantity is 99,999,999,999.9999"),
        ("1\x0b2", "control character (U+000B)"),
    ],
)
def test_a_value_of_the_wrong_kind_is_a_row_error(world, typed, message):
    _, asn = draft(world)
    before = shipped(asn)
    errors = errors_of(world, asn, f"po;product_code;quantity\nP00011;M8-NUT;{typed}\n".encode())
    assert list(errors) == ["row 2, quantity"] and message in errors["row 2, quantity"]
    assert shipped(asn) == before  # nothing imported


def test_rows_of_one_line_that_add_up_past_the_limit_are_refused(world):
    _, asn = draft(world)
    errors = errors_of(world, asn, b"po,product_code,quantity\nP00011,M8-NUT,99999999999\nP00011,M8-NUT,1\n")
    assert (
        list(errors) == ["row 3, quantity"] and "add up to more than 99,999,999,999.9999" in errors["row 3, quantity"]
    )


def test_other_cells_of_the_wrong_kind_name_their_row_and_column(world):
    _, asn = draft(world)
    data = (
        f"{HEADER}\n"
        "P00011,LAB-LOT-001,6,kg,L-1,2028-01-31,²\n"  # a superscript two is a digit to str.isdigit, not to int()
        "P00011,LAB-LOT-001,4,kg,L\x00-2,,1\n"
        f"P00011,LAB-LOT-001,4,kg,{'L' * 300},,1\n"
        "P00011,LAB-LOT-001,1,kg,L-4,01/02/2028,1\n"
        "P00011,LAB-LOT-001,1,kg,L-5,2028-02-30,1\n"
        ",LAB-LOT-001,1,kg,L-6,,1\n"
    ).encode()
    errors = errors_of(world, asn, data)
    assert "not a package number" in errors["row 2, package"]
    assert "control character (U+0000)" in errors["row 3, lot"]
    assert "300 characters" in errors["row 4, lot"]
    assert "day/month or month/day" in errors["row 5, expiry_date"]
    assert "not a date of the calendar" in errors["row 6, expiry_date"]
    assert errors["row 7, po"] == "Required."
    assert not asn.items.filter(lot_name__startswith="L-").exists()


def test_dates_as_spreadsheets_write_them(world):
    _, asn = draft(world)
    data = xlsx(
        [
            ["po", "product_code", "quantity", "lot", "expiry_date", "package"],
            ["P00011", "LAB-LOT-001", 40, "L-1", datetime(2028, 1, 31), 1],  # an Excel date cell
            ["P00011", "LAB-LOT-001", 30, "L-2", "31.01.2028", 1],  # typed the German way
            ["P00011", "LAB-LOT-001", 30, "L-3", "2028-01-31 00:00:00", 1],  # an ERP's timestamp
        ]
    )
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="lots.xlsx") == 3
    assert set(asn.items.values_list("expiry_date", flat=True)) == {date(2028, 1, 31)}


# --- CSV as tools write it -------------------------------------------------------------------------

ROWS = [
    ["po", "product_code", "quantity", "lot"],
    ["P00011", "LAB-LOT-001", "2,5", "ÜBER-1"],
    ["P00011", "M8-NUT", "1200", ""],
]


def _csv(rows, separator=",", encoding="utf-8", newline="\r\n", hint=False) -> bytes:
    lines = [separator.join(f'"{c}"' if separator in c else c for c in row) for row in rows]
    text = (f"sep={separator}{newline}" if hint else "") + newline.join(lines) + newline
    return text.encode(encoding)


@pytest.mark.parametrize(
    ("variant", "data"),
    [
        ("Excel CSV UTF-8 (BOM, comma)", _csv(ROWS, ",", "utf-8-sig")),
        ("Excel CSV, German Windows (cp1252, semicolon)", _csv(ROWS, ";", "cp1252")),
        ("Excel with a sep= hint line", _csv(ROWS, ";", "cp1252", hint=True)),
        ("Excel Unicode text (UTF-16, tab)", _csv(ROWS, "\t", "utf-16")),
        ("UTF-16 big endian with BOM", codecs.BOM_UTF16_BE + _csv(ROWS, "\t", "utf-16-be")),
        ("UTF-16 without a BOM", _csv(ROWS, ";", "utf-16-le")),
        ("LibreOffice (UTF-8, comma, quoted, LF)", _csv(ROWS, ",", "utf-8", "\n")),
        ("pipe-separated ERP export", _csv(ROWS, "|", "utf-8", "\n")),
        ("classic Mac line ends", _csv(ROWS, ";", "utf-8", "\r")),
    ],
)
def test_csv_variants_of_excel_libreoffice_and_erps_are_read(world, variant, data):
    _, asn = draft(world)
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="lines.csv") == 2, variant
    assert shipped(asn) == {"LAB-LOT-001": Decimal("2.5"), "M8-NUT": Decimal("1200")}
    assert asn.items.get(lot_name__startswith="ÜBER").lot_name == "ÜBER-1"


def test_headers_as_people_write_them(world):
    _, asn = draft(world)
    data = (
        "Lines for Pinewood Parts, week 48\n"  # a title row above the header, as ERP exports put it
        "\n"
        "PO Number;Product Code;Qty;Lot / Serial;Remarks\n"
        "P00011;LAB-LOT-001;2,5;L-1;first pallet\n"
    ).encode("cp1252")
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="export.csv") == 1
    assert shipped(asn) == {"LAB-LOT-001": Decimal("2.5")}


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "lines.csv", "The file is empty."),
        (b"name,amount\nx,1\n", "lines.csv", "No header row names the columns po, product_code, quantity"),
        (b"po,product_code,quantity\n", "lines.csv", "no lines under it"),
        (b"po,quantity,product_code,quantity\nP00011,1,M8-NUT,1\n", "lines.csv", "quantity is there twice (B and D)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "lines.xls", "old Excel (.xls)"),
        (b"\x81\x8d\x8f\x90\x9d", "lines.csv", "save it as CSV UTF-8"),
        (b"PK\x03\x04 broken", "lines.xlsx", "not an Excel workbook (.xlsx) that can be read"),
        (b"anything", "lines.ods", "Save the file as Excel Workbook (.xlsx) or as CSV UTF-8."),
    ],
)
def test_files_that_cannot_be_read_say_what_to_change(world, data, filename, message):
    _, asn = draft(world)
    errors = errors_of(world, asn, data, filename)
    assert list(errors) == ["file"] and message in errors["file"], errors


def test_an_opendocument_spreadsheet_is_refused_with_what_to_save_instead(world):
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as ods:
        ods.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        ods.writestr("content.xml", "<office:document-content/>")
    _, asn = draft(world)
    assert "OpenDocument (LibreOffice)" in errors_of(world, asn, out.getvalue(), "lines.xlsx")["file"]


# --- workbooks with several sheets ------------------------------------------------------------------


def test_every_sheet_with_the_header_is_read_and_errors_name_the_sheet(world):
    _, asn = draft(world)
    data = xlsx(
        None,
        sheets=[
            ("Instructions", [["Fill in one row per lot."], ["Columns: po, product_code, quantity"]]),
            ("Nuts", [["po", "product_code", "quantity"], ["P00011", "M8-NUT", 1500]]),
            ("Bolts", [["po", "product_code", "quantity"], ["P00011", "M8-BOLT-50", 250]]),
            ("Old", [["po", "product_code", "quantity"], ["P00011", "M8-BOLT-50", 99999]]),
        ],
        hidden=("Old",),  # a hidden sheet is not what the person sees: it is not read
    )
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="lines.xlsx") == 2
    assert shipped(asn) == {"M8-NUT": Decimal("1500"), "M8-BOLT-50": Decimal("250")}
    bad = xlsx(
        None,
        sheets=[
            ("Nuts", [["po", "product_code", "quantity"], ["P00011", "M8-NUT", "lots"]]),
            ("Bolts", [["po", "product_code", "quantity"], ["P00011", "NOPE", 1]]),
        ],
    )
    errors = errors_of(world, asn, bad, "lines.xlsx")
    assert set(errors) == {"Nuts, row 2, quantity", "Bolts, row 2, product_code"}


def test_a_workbook_without_the_header_names_the_sheets_it_looked_at(world):
    _, asn = draft(world)
    data = xlsx(None, sheets=[("Summary", [["total", 3]]), ("Data", [["a", "b"], [1, 2]])])
    message = errors_of(world, asn, data, "lines.xlsx")["file"]
    assert "sheets looked at: Summary, Data" in message


def test_the_import_page_shows_row_errors_in_file_order(world, client):
    _, asn = draft(world)
    login(client, world.p1_user)
    data = xlsx(
        None,
        sheets=[
            ("A", [["po", "product_code", "quantity"]] + [["P00011", "M8-NUT", 1]] * 9 + [["P00011", "M8-NUT", "x"]]),
            ("B", [["po", "product_code", "quantity"], ["P00011", "M8-NUT", "y"]]),
        ],
    )
    upload = io.BytesIO(data)
    upload.name = "lines.xlsx"
    page = client.post(reverse("asn_import", args=["alpha", asn.pk]), {"file": upload})
    body = page.content.decode()
    assert page.status_code == 400
    assert body.index("A, row 11, quantity") < body.index("B, row 2, quantity")


def test_import_queries_do_not_grow_with_the_rows(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, asn = draft(world)

    def run(n: int) -> int:
        rows = "".join(f"P00011,SER-100,1,,SN-{n}-{i},,\n" for i in range(n))
        data = f"{HEADER}\n{rows}".encode()
        desk = PurchaseOrderLine.objects.get(product__default_code="SER-100")
        PurchaseOrderLine.objects.filter(pk=desk.pk).update(quantity=n)
        with CaptureQueriesContext(connection) as queries:
            asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename="serials.csv")
        return len(queries)

    small, large = run(5), run(400)
    # A query or two for a batch size, never one per row; the large run also replaces the small run's
    # lots, which reads and clears their certificate values (a constant three queries).
    assert large <= small + 5, (small, large)
