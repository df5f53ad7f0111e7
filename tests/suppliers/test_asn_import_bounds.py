"""Hostile and oversized import files: each is refused after a bounded amount of reading, never read whole.

Boundedness is shown by behaviour, not time: what follows the limit in these files is garbage
that a reader going on would trip over (and answer with another error), so the error naming
the limit proves the rest was never read.
"""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from suppliers.services import table_files
from suppliers.services.asn_import import MAX_ROWS, asn_import
from tests.api.conftest import bearer, issue
from tests.suppliers.test_asn_import_files import HEADER, draft

pytestmark = pytest.mark.django_db

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook(sheet_xml, *, shared: str | None = None, prefix: str = "", level=zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal workbook around raw sheet XML (bytes or an iterable of chunks), as Excel lays it out."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=level) as book:
        book.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'{prefix}<workbook {NS} xmlns:r="{REL_NS}"><sheets><sheet name="Lines" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        rels = f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        if shared is not None:
            rels += f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            book.writestr("xl/sharedStrings.xml", shared)
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            "</Relationships>",
        )
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for chunk in [sheet_xml] if isinstance(sheet_xml, bytes) else sheet_xml:
                sheet.write(chunk)
    return out.getvalue()


def header_row() -> bytes:
    return (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>po</t></is></c><c r="B1" t="inlineStr"><is><t>product_code</t>'
        b'</is></c><c r="C1" t="inlineStr"><is><t>quantity</t></is></c></row>'
    )


def data_rows(first: int, last: int) -> bytes:
    return b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>P00011</t></is></c><c r="B%d" t="inlineStr"><is><t>M8-NUT'
        b'</t></is></c><c r="C%d"><v>1</v></c></row>' % (n, n, n, n)
        for n in range(first, last + 1)
    )


def refused(world, asn, data: bytes, filename: str) -> str:
    with pytest.raises(ValidationError) as caught:
        asn_import(membership=world.p1_user, asn_id=asn.pk, data=data, filename=filename)
    errors = caught.value.message_dict
    assert list(errors) == ["file"], errors
    return errors["file"][0]


def test_a_first_line_full_of_quotes_costs_one_pass_not_the_square(world, monkeypatch):
    # csv.Sniffer's guess is quadratic in a quoted line (64 KB took 16 s); the reader must not use it.
    def no_sniffing(*args, **kwargs):
        raise AssertionError("csv.Sniffer was used")

    monkeypatch.setattr(csv.Sniffer, "sniff", no_sniffing)
    monkeypatch.setattr(csv.Sniffer, "has_header", no_sniffing)
    _, asn = draft(world)
    # 64 KB of quotes above the header: one (odd) title cell, then the lines.
    bomb = b'"' * 65536 + b"\npo,product_code,quantity\nP00011,M8-NUT,12\n"
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=bomb, filename="lines.csv") == 1
    assert asn.lines.get().quantity == 12
    quoted = b'"a' * 40000 + b"\n"
    assert "No header row names the columns" in refused(world, asn, quoted + b"x\n", "lines.csv")


def test_a_csv_past_the_row_limit_is_refused_at_the_first_row_too_many(world):
    _, asn = draft(world)
    rows = "".join("P00011,M8-NUT,1,,,,\n" for _ in range(MAX_ROWS + 1))
    # After the limit: a cell longer than the csv module accepts, which a reader going on would report.
    tail = '"' + "x" * (csv.field_size_limit() + 10) + '"\n'
    message = refused(world, asn, f"{HEADER}\n{rows}{tail}".encode(), "lines.csv")
    assert message.startswith(f"Row {MAX_ROWS + 2:,}: a file holds at most {MAX_ROWS:,} rows")
    assert not asn.lines.filter(quantity=MAX_ROWS + 1).exists()


def test_exactly_the_row_limit_is_imported(world):
    _, asn = draft(world)
    rows = "".join("P00011,M8-NUT,1,,,,\n" for _ in range(MAX_ROWS))
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=f"{HEADER}\n{rows}".encode(), filename="x.csv")
    assert asn.lines.get().quantity == MAX_ROWS and asn.items.count() == MAX_ROWS


def test_a_workbook_of_a_million_tiny_rows_is_refused_without_reading_it_whole(world):
    _, asn = draft(world)

    def sheet():
        yield f"<worksheet {NS}><sheetData>".encode() + header_row()
        for _ in range(20):
            yield b"<row><c><v>1</v></c></row>" * 50_000  # as in the report: one tiny cell a row
        yield b"</sheetData></worksheet>"

    data = workbook(sheet())
    assert len(data) < 400 * 1024  # small packed, as in the report (382 KB)
    message = refused(world, asn, data, "rows.xlsx")
    assert message.startswith(f"Lines, row {MAX_ROWS + 2:,}: a file holds at most {MAX_ROWS:,} rows")
    # The same file broken past row 6,000: the reader never gets there.
    broken = workbook([f"<worksheet {NS}><sheetData>".encode(), header_row(), data_rows(2, 6000), b"<<<not xml"])
    assert refused(world, asn, broken, "rows.xlsx") == message


def test_one_row_of_a_million_cells_is_refused_at_the_first_cell_too_many(world):
    _, asn = draft(world)
    wide = [f"<worksheet {NS}><sheetData>".encode(), header_row(), b'<row r="2">']
    wide += [b"<c><v>1</v></c>" * 100_000 for _ in range(10)]
    wide += [b"</row></sheetData></worksheet>"]
    message = refused(world, asn, workbook(wide), "wide.xlsx")
    assert "row 2 has more than 200 cells" in message
    broken = [f"<worksheet {NS}><sheetData>".encode(), header_row(), b'<row r="2">', b"<c><v>1</v></c>" * 300, b"<<<"]
    assert refused(world, asn, workbook(broken), "wide.xlsx") == message


def test_a_cell_far_to_the_right_is_refused_and_empty_ones_there_are_not(world):
    _, asn = draft(world)
    far = [f"<worksheet {NS}><sheetData>".encode(), header_row(), data_rows(2, 2)]
    empty = [*far, b'<row r="3"><c r="XFD3"/></row></sheetData></worksheet>']
    assert asn_import(membership=world.p1_user, asn_id=asn.pk, data=workbook(empty), filename="far.xlsx") == 1
    filled = [*far, b'<row r="3"><c r="XFD3"><v>7</v></c></row></sheetData></worksheet>']
    assert "cell XFD3 is beyond the 200 columns" in refused(world, asn, workbook(filled), "far.xlsx")


def test_blank_rows_do_not_let_a_file_go_on_forever(world):
    _, asn = draft(world)
    blank = b"".join(b'<row r="%d"/>' % n for n in range(2, 2 * MAX_ROWS + 20))
    data = workbook([f"<worksheet {NS}><sheetData>".encode(), header_row(), blank, data_rows(20_000, 20_000), b"<<<"])
    assert "this one goes on (blank rows included)" in refused(world, asn, data, "blank.xlsx")


def test_a_zip_bomb_is_refused_after_the_unpacked_limit(world):
    _, asn = draft(world)
    # 40 MB of one letter packs into a few dozen KB.
    text = b"A" * (1024 * 1024)
    bomb = [f"<worksheet {NS}><sheetData>".encode(), header_row(), b'<row r="2"><c r="A2" t="inlineStr"><is><t>']
    bomb += [text] * 40 + [b"</t></is></c></row></sheetData></worksheet>"]
    data = workbook(bomb)
    assert len(data) < 200 * 1024
    assert "larger than 32 MB unpacked" in refused(world, asn, data, "bomb.xlsx")


def test_too_many_different_texts_are_refused(world):
    _, asn = draft(world)
    many = "".join(f"<si><t>{n}</t></si>" for n in range(table_files.MAX_SHARED_STRINGS + 1))
    data = workbook(
        [f"<worksheet {NS}><sheetData>".encode(), header_row(), b"</sheetData></worksheet>"],
        shared=f"<sst {NS}>{many}</sst>",
    )
    assert "more than 100,000 different texts" in refused(world, asn, data, "texts.xlsx")


def test_entity_declarations_are_refused_before_any_expansion(world):
    _, asn = draft(world)
    laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    data = workbook([f"<worksheet {NS}><sheetData>".encode(), header_row(), b"</sheetData></worksheet>"], prefix=laughs)
    assert "document type declaration" in refused(world, asn, data, "laughs.xlsx")


def test_a_csv_row_with_too_many_columns_is_refused(world):
    _, asn = draft(world)
    data = f"{HEADER}\nP00011,M8-NUT,1{',' * 500}\n".encode()
    assert "Row 2 has 503 columns; the import reads at most 200" in refused(world, asn, data, "wide.csv")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(world):
    _, asn = draft(world)
    data = (f"{HEADER}\n".encode() + b"P00011,M8-NUT,1,,,,\n" * 300_000)[: table_files.MAX_BYTES + 1]
    assert refused(world, asn, data, "big.csv") == "Files are limited to 5 MB."


def test_a_formula_excel_never_calculated_is_a_row_error(world):
    _, asn = draft(world)
    sheet = [
        f"<worksheet {NS}><sheetData>".encode(),
        header_row(),
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>P00011</t></is></c><c r="B2" t="inlineStr"><is><t>M8-NUT</t>'
        b'</is></c><c r="C2"><f>SUM(D2:D9)</f></c></row></sheetData></worksheet>',
    ]
    with pytest.raises(ValidationError) as caught:
        asn_import(membership=world.p1_user, asn_id=asn.pk, data=workbook(sheet), filename="formula.xlsx")
    assert "formula Excel has not calculated" in caught.value.message_dict["row 2, quantity"][0]


def test_the_api_answers_a_refused_file_with_problem_details(world):
    _, asn = draft(world)
    _, secret = issue(world.p1_admin)
    rows = "".join("P00011,M8-NUT,1,,,,\n" for _ in range(MAX_ROWS + 1))
    upload = io.BytesIO(f"{HEADER}\n{rows}".encode())
    upload.name = "lines.csv"
    answer = bearer(secret).post(f"/api/v1/asns/{asn.pk}/import/", {"file": upload}, format="multipart")
    assert answer.status_code == 400 and answer["Content-Type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["field"] == "file"
    assert "at most 5,000 rows" in answer.json()["errors"][0]["message"]
