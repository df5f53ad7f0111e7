"""The inspection report as PDF (WeasyPrint), rendered and stored as the order desk's documents are
(``suppliers.services.documents.stored_pdf``: once per version of its HTML, then from storage).

What one report holds is bounded, so the first rendering of a version costs a bounded amount:
at most ``MAX_REPORT_CELLS`` values in the measurement tables, so at most that many units over
the plan's characteristics, and never more than ``MAX_REPORT_UNITS`` (a 100 % inspection of a big
lot prints its first units and names the defective units past them), in tables of at most
``UNITS_PER_TABLE`` units by ``CHARACTERISTICS_PER_TABLE`` characteristics (a table never runs
wider than the page, and each block starts its header again); at most ``MAX_REPORT_PHOTOS``
photos, as thumbnails of at most ``THUMB_PIXELS`` on their longer side, made once per photo and
kept beside it. The reads are a fixed number of queries, whatever the sample size.
"""

from __future__ import annotations

import base64
import io
import logging
from decimal import Decimal

from babel.numbers import format_decimal
from django.utils.translation import pgettext

from portal import l10n
from quality.models import Characteristic, Inspection, InspectionPhoto, InspectionResult
from quality.services.certificates import certificate_values
from quality.services.dispositions import lot_dispositions, lot_totals
from quality.services.recording import characteristics_of, inspection_verdict, units_for
from suppliers.services.documents import in_language_of, stored_pdf

# Measured (2 cores, others busy): 500 units x 5 characteristics is 11 pages in 6-12 s; WeasyPrint
# takes about a second a page of grid, so 1000 x 8 took 51 s for 41 pages. The grid is capped by
# its cells: a bigger sample would be read by nobody and would hold a worker for minutes.
MAX_REPORT_CELLS = 3000
MAX_REPORT_UNITS = 1000
UNITS_PER_TABLE = 50  # one table fills about one A4 page at 7.5 pt
CHARACTERISTICS_PER_TABLE = 6  # columns of 27 mm each fit the page's 178 mm beside the unit column
MAX_DEFECTIVE_LISTED = 200  # defective units past MAX_REPORT_UNITS named by number
MAX_REPORT_PHOTOS = 9
THUMB_PIXELS = 480
ABOVE, BELOW, FAILED = "▲", "▼", "✗"
log = logging.getLogger(__name__)


def inspection_report_pdf(inspection: Inspection) -> bytes:
    """The report of one inspection (any status; a report of an unsigned one says so), as PDF bytes.

    ``inspection`` as ``quality.selectors.inspection_detail`` answers it (partner, product,
    receipt, plan, signer and corrected revision loaded); the caller checks scope. In the language of
    the inspection's supplier (``in_language_of``), its values included.
    """
    with in_language_of(inspection.partner, inspection.tenant):
        return stored_pdf(
            tenant_id=inspection.tenant_id,
            folder=f"inspections/{inspection.pk}",
            name="inspection-report",
            template="documents/inspection_report.html",
            context=report_context(inspection),
        )


def report_context(inspection: Inspection) -> dict:
    """Everything the report prints, read in a fixed number of queries."""
    samplings = list(inspection.samplings.all())
    characteristics = characteristics_of(inspection)
    results = list(
        InspectionResult.objects.filter(inspection=inspection, superseded=False).only(
            "unit", "characteristic_id", "value", "passed", "defect"
        )
    )
    means = _means(results)
    certificates = certificate_values(inspection, characteristics, means)
    for c in characteristics:
        c.certificate = certificates.get(c.pk)
        c.spec = _spec(c)
    n = max((s.sample_size for s in samplings), default=0)
    shown = min(n, MAX_REPORT_UNITS, MAX_REPORT_CELLS // max(len(characteristics), 1))
    past = sorted({r.unit for r in results if r.unit > shown and r.defect})
    photos = list(inspection.photos.order_by("uploaded_at", "id")[: MAX_REPORT_PHOTOS + 1])
    dispositions = list(
        lot_dispositions(inspection).select_related("decided_by", "inspection").order_by("decided_at", "id")
    )
    return {
        "inspection": inspection,
        "tenant": inspection.tenant,
        "po": inspection.receipt.order,
        "samplings": samplings,
        "characteristics": characteristics,
        "tables": _tables(inspection, characteristics, samplings, results, shown),
        "n": n,
        "shown": shown,
        "defective_past": past[:MAX_DEFECTIVE_LISTED],
        "defective_past_more": max(len(past) - MAX_DEFECTIVE_LISTED, 0),
        "verdict": inspection_verdict(inspection, results=results),
        "retyped": InspectionResult.objects.filter(inspection=inspection, superseded=True).count(),
        "photos": [_photo(p) for p in photos[:MAX_REPORT_PHOTOS]],
        "photos_more": inspection.photos.count() - MAX_REPORT_PHOTOS if len(photos) > MAX_REPORT_PHOTOS else 0,
        "dispositions": dispositions,
        "totals": lot_totals(inspection),
        "corrected_by": Inspection.objects.filter(corrects=inspection).only("revision").first(),
        "legend": {"above": ABOVE, "below": BELOW, "failed": FAILED},
    }


def _plain(value: Decimal) -> str:
    """A decimal as written on paper in the active language: 10, 10.05 (de 10,05), -0.1 (no exponent,
    no trailing zeros, no grouping: a drawing's dimension is read digit by digit; all 6 stored places)."""
    return format_decimal(value, format="0.######", locale=l10n.cldr_locale())


def _spec(c: Characteristic) -> str:
    """Nominal and tolerance as a drawing gives them: "10 -0.1/+0.2 mm"; the kind for pass/fail checks."""
    if c.kind != Characteristic.Kind.MEASURED:
        return c.get_kind_display()
    lower = "" if c.lower_tolerance is None else _plain(c.lower_tolerance)
    upper = "" if c.upper_tolerance is None else f"+{_plain(c.upper_tolerance)}"
    return f"{_plain(c.nominal)} {lower}/{upper} {c.unit}".strip()


def _means(results: list[InspectionResult]) -> dict[int, Decimal]:
    sums: dict[int, list] = {}
    for r in results:
        if r.value is not None:
            total = sums.setdefault(r.characteristic_id, [Decimal(0), 0])
            total[0] += r.value
            total[1] += 1
    return {pk: total / count for pk, (total, count) in sums.items()}


def _cell(c: Characteristic, result: InspectionResult | None, applies: bool) -> tuple[str, str]:
    """(text, flag) of one grid cell; flag "bad" for out of tolerance or failed, "na" when not sampled."""
    if not applies:
        return "", "na"
    if result is None:
        return "·", "missing"
    if c.kind != Characteristic.Kind.MEASURED:
        if result.passed:
            return pgettext("result of a pass/fail check", "pass"), ""
        failed = pgettext("result of a pass/fail check", "fail")
        return f"{FAILED} {failed}", "bad"
    text = _plain(result.value)
    if not result.defect:
        return text, ""
    low = c.lower_limit
    return f"{text} {BELOW if low is not None and result.value < low else ABOVE}", "bad"


def _tables(inspection, characteristics, samplings, results, shown: int) -> list[dict]:
    """The measurement grid in blocks: units 1..``shown`` by ``UNITS_PER_TABLE``, characteristics by
    ``CHARACTERISTICS_PER_TABLE``; each block a dict of ``columns`` and ``rows`` (unit, cells)."""
    current = {(r.unit, r.characteristic_id): r for r in results}
    limits = {c.pk: units_for(inspection, c, samplings) for c in characteristics}
    tables = []
    for start in range(0, len(characteristics), CHARACTERISTICS_PER_TABLE):
        columns = characteristics[start : start + CHARACTERISTICS_PER_TABLE]
        for first in range(1, shown + 1, UNITS_PER_TABLE):
            rows = [
                {
                    "unit": unit,
                    "cells": [_cell(c, current.get((unit, c.pk)), unit <= limits[c.pk]) for c in columns],
                }
                for unit in range(first, min(shown, first + UNITS_PER_TABLE - 1) + 1)
            ]
            tables.append({"columns": columns, "rows": rows})
    return tables


def _photo(photo: InspectionPhoto) -> dict:
    """A photo as the report prints it: a JPEG thumbnail as a data URI (None when it cannot be read)."""
    return {"photo": photo, "src": _thumbnail(photo)}


def _thumbnail(photo: InspectionPhoto) -> str | None:
    storage = photo.file.storage
    name = f"{photo.file.name}.thumb.jpg"
    try:
        if not storage.exists(name):
            storage.save(name, io.BytesIO(_thumbnail_bytes(photo)))
        with storage.open(name, "rb") as thumb:
            data = thumb.read()
    except (OSError, ValueError):  # a file gone from storage, or not an image after all
        log.warning("photo %s of inspection %s has no readable file", photo.pk, photo.inspection_id)
        return None
    return "data:image/jpeg;base64," + base64.b64encode(data).decode()


def _thumbnail_bytes(photo: InspectionPhoto) -> bytes:
    from PIL import Image, ImageOps

    with photo.file.open("rb") as source, Image.open(source) as image:
        image.draft("RGB", (THUMB_PIXELS, THUMB_PIXELS))  # a JPEG decodes at a fraction of its size
        image = ImageOps.exif_transpose(image)
        image.thumbnail((THUMB_PIXELS, THUMB_PIXELS))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=78)
    return out.getvalue()
