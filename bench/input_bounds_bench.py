"""What the costly inputs cost now (figures for closing notes; not part of the test suite).

CPU seconds (``time.process_time``) and peak memory (``tracemalloc``) of reading the hostile
files of the order desk report, and of the labels PDF of a shipment with 200 packages, first
rendering and served from storage. The tests prove the bounds by behaviour
(tests/suppliers/test_asn_import_bounds.py, test_documents.py); this shows the sizes.

    .venv/bin/python bench/input_bounds_bench.py

Needs no database: the readers and the label template run on their own.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="bench-bounds-"))
os.environ.setdefault("PORTAL_LOG_LEVEL", "WARNING")

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook(chunks) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="r1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        book.writestr(
            "xl/workbook.xml",
            f'<workbook {NS} xmlns:r="{REL}"><sheets><sheet name="S" sheetId="1" r:id="r1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="r1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with book.open("xl/worksheets/sheet1.xml", "w") as sheet:
            for chunk in chunks:
                sheet.write(chunk)
    return out.getvalue()


HEADER = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>po</t></is></c><c r="B1" t="inlineStr"><is><t>product_code</t>'
    b'</is></c><c r="C1" t="inlineStr"><is><t>quantity</t></is></c></row>'
)


def cases() -> dict[str, tuple[bytes, str]]:
    start = f"<worksheet {NS}><sheetData>".encode()
    end = b"</sheetData></worksheet>"
    return {
        "CSV, first line of 64 KB of quotes": (b'"a' * 32768 + b"\npo,product_code,quantity\nP1,X,1\n", "q.csv"),
        "CSV, 5,001 rows (one too many)": (
            b"po,product_code,quantity\n" + b"P00011,M8-NUT,1\n" * 5001,
            "rows.csv",
        ),
        "XLSX, 1,000,000 tiny rows": (
            workbook([start, HEADER, *([b"<row><c><v>1</v></c></row>" * 50_000] * 20), end]),
            "rows.xlsx",
        ),
        "XLSX, one row of 1,000,000 cells": (
            workbook([start, HEADER, b'<row r="2">', *([b"<c><v>1</v></c>" * 100_000] * 10), b"</row>", end]),
            "wide.xlsx",
        ),
        "XLSX, 40 MB of one letter (zip bomb)": (
            workbook(
                [
                    start,
                    HEADER,
                    b'<row r="2"><c t="inlineStr"><is><t>',
                    *([b"A" * 1048576] * 40),
                    b"</t></is></c></row>",
                    end,
                ]
            ),
            "bomb.xlsx",
        ),
    }


def measure(label: str, work) -> None:
    """CPU of one run, then peak memory of another (tracing slows the first several times over)."""
    outcome = ""
    began = time.process_time()
    for traced in (False, True):
        if traced:
            tracemalloc.start()
        try:
            outcome = work()
        except Exception as exc:  # the refusals are the point
            outcome = f"refused: {str(exc)[:70]}"
        if not traced:
            seconds = time.process_time() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<45} {seconds:7.2f} s CPU  {peak / 1e6:7.1f} MB peak  {outcome}")


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from suppliers.services import documents
    from suppliers.services.table_files import read_table

    for label, (data, name) in cases().items():
        columns = ["po", "product_code", "quantity"]

        def read(data=data, name=name, columns=columns):
            return f"{len(read_table(data, name, columns=columns, required=columns, max_rows=5000).rows)} rows"

        measure(f"{label} ({len(data) / 1024:,.0f} KB)", read)

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-media-")
    asn = SimpleNamespace(
        number="ASN-00001",
        partner=SimpleNamespace(name="Nordic Fasteners AB"),
        ship_date=None,
        eta=None,
        carrier="DHL",
        tracking_number="JD0001",
    )
    tenant = SimpleNamespace(name="Acme Industries", time_zone="UTC", pk=1)
    packages = [
        {
            "package": SimpleNamespace(weight_kg=None, sscc=f"0061414100000{n:04d}0"),
            "svg": documents.sscc_barcode_svg(f"0061414100000{n:04d}0"),
            "human": documents.sscc_human(f"0061414100000{n:04d}0"),
            "items": [],
            "more": 0,
        }
        for n in range(200)
    ]
    context = {"asn": asn, "tenant": tenant, "packages": packages, "width": "105mm", "height": "148mm", "orders": []}

    def labels():
        pdf = documents.stored_pdf(
            tenant_id=1, folder="bench", name="labels", template="documents/labels.html", context=context
        )
        return f"{len(pdf):,} bytes"

    began = time.process_time()
    labels()
    print(f"{'Labels PDF, 200 packages, first rendering':<45} {time.process_time() - began:7.2f} s CPU")
    measure("Labels PDF, 200 packages, from storage", labels)


if __name__ == "__main__":
    main()
