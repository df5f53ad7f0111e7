"""The inspection report as PDF (quality.documents): what it prints, who may have it (inspectors and
engineers in scope; anyone else 404), a fixed number of queries, and a bounded document for a
100 % inspection of a big lot."""

from __future__ import annotations

import io
import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from portal.models import Role
from portal.services.memberships import membership_scope_set
from quality.documents import MAX_REPORT_CELLS, MAX_REPORT_UNITS, report_context
from quality.models import Characteristic, DefectClass, InspectionResult, SamplingRule
from quality.selectors import inspection_detail
from quality.services.dispositions import disposition_record
from quality.services.inspections import inspections_from_receipt
from quality.services.recording import inspection_correct, inspection_sign, photo_add
from tests.conftest import login
from tests.factories import CharacteristicFactory, InspectionPlanFactory, InspectionPlanVersionFactory, member
from tests.factories.portal import PASSWORD
from tests.quality.receipts import done_receipt, product
from tests.quality.test_certificate_values import certify
from tests.quality.test_recording import make_inspection, record
from tests.scope import ScopeCase, assert_scoped

pytestmark = pytest.mark.django_db


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), "steelblue").save(buffer, "JPEG")
    return buffer.getvalue()


def _text(pdf: bytes) -> tuple[str, int]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return "\n".join(page.extract_text() for page in pages), len(pages)


@pytest.fixture
def rejected(world):
    """LOT-R9 signed rejected (two lengths out of tolerance), with a certificate, a photo and a decision."""
    inspection, length, finish = make_inspection(world.p1, lot="LOT-R9")
    certify(inspection, {"Length": ("10.05", "mm")})
    inspector = world.a_inspector
    for unit, value in ((1, "10.35"), (2, "9.85"), (3, "10.05")):
        record(inspector, inspection, unit, length, f"l{unit}", value=Decimal(value))
    record(inspector, inspection, 1, finish, "f1", passed=True)
    record(inspector, inspection, 2, finish, "f2", passed=False)
    photo_add(
        membership=inspector,
        inspection=inspection,
        upload=SimpleUploadedFile("p.jpg", _jpeg()),
        unit=1,
        note="Burr on the edge",
    )
    inspection = inspection_sign(membership=inspector, inspection=inspection, password=PASSWORD)
    disposition_record(
        membership=world.a_engineer, inspection=inspection, returned=Decimal(100), reason="Lengths out of tolerance"
    )
    return inspection


def _get(client, inspection):
    return client.get(reverse("inspection_report", args=["alpha", inspection.pk]))


def test_the_report_prints_the_lot_its_sampling_results_verdict_and_decision(client, world, rejected):
    login(client, world.a_inspector)
    response = _get(client, rejected)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="LOT-R9-rev1-report.pdf"' in response["Content-Disposition"]
    text, pages = _text(response.content)
    assert "Alpha Industries" in text and "Incoming inspection report" in text and "LOT-R9" in text
    assert rejected.receipt.name in text and rejected.receipt.order.name in text and "Pinewood Parts" in text
    assert "n=3" in text and "Ac=1" in text and "Re=2" in text and "n=2" in text and "Re=1" in text
    assert "10.35 ▲" in text and "9.85 ▼" in text and "10.05" in text and "✗ fail" in text
    assert "10 -0.1/+0.2 mm" in text and "Supplier's certificate: 10.05 mm" in text
    assert "Rejected" in text and "Inspected and found rejected" in text and "Burr on the edge" in text
    assert "Lengths out of tolerance" in text and "Reject" in text
    assert f"Page 1 of {pages}" in text and "Correction of revision" not in text


def test_a_correction_says_which_revision_it_corrects_and_a_draft_says_it_is_one(client, world, rejected):
    correction = inspection_correct(membership=world.a_inspector, inspection=rejected)
    login(client, world.a_engineer)
    text, _ = _text(_get(client, correction).content)
    assert "Correction of revision 1" in text and "not signed" in text and "rev. 2" in text
    assert "Replaced by its correction, revision 2" in _text(_get(client, rejected).content)[0]


def test_the_report_is_served_again_from_storage_until_something_changes(client, world, rejected):
    login(client, world.a_inspector)
    first = _get(client, rejected).content
    assert _get(client, rejected).content == first  # the same version: not rendered again


def test_only_inspectors_and_engineers_in_scope_get_it(world, rejected):
    url = reverse("inspection_report", args=["alpha", rejected.pk])
    only_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.INSPECTOR), all_partners=False, partners=[world.p2]
    )
    intruders = [world.p1_user, world.p1_admin, world.a_buyer, only_p2, member(world.b, Role.INSPECTOR)]
    assert_scoped(ScopeCase(url=url, owner=world.a_inspector, intruders=intruders))
    assert_scoped(ScopeCase(url=url, owner=world.a_engineer, intruders=[world.p2_user, world.b_admin]))


def _queries(world, inspection) -> int:
    inspection = inspection_detail(membership=world.a_inspector, pk=inspection.pk)
    with CaptureQueriesContext(connection) as queries:
        report_context(inspection)
    return len(queries)


def test_the_queries_do_not_grow_with_the_sample(world, rejected):
    small = _queries(world, rejected)  # 3 units, a photo, a certificate and a decision
    assert small <= 12, small
    big = _hundred_percent_lot(world, 120, 3)
    certify(big, {"Dia 0": ("10", "mm")})
    assert _queries(world, big) <= small  # 360 results, no photo, no decision


def _hundred_percent_lot(world, units: int, characteristics: int):
    """A lot of ``units`` inspected at 100 % on ``characteristics`` measured ones, every value recorded."""
    item = product(world.a, name="Shaft")
    rule = {"defect_class": DefectClass.MAJOR, "mode": SamplingRule.Mode.HUNDRED_PERCENT, "aql": None}
    version = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=item), rules=[rule])
    measured = [CharacteristicFactory(version=version, name=f"Dia {i}", position=i) for i in range(characteristics)]
    [inspection] = inspections_from_receipt(receipt=done_receipt(world.p1, [(item, [("BIG-LOT", units)])]))
    InspectionResult.objects.bulk_create(
        InspectionResult(
            tenant=world.a,
            inspection=inspection,
            unit=unit,
            characteristic=c,
            value=Decimal("10.3") if unit % 97 == 0 else Decimal("10.05"),
            defect=unit % 97 == 0,
            client_key=f"{unit}-{c.pk}",
        )
        for unit in range(1, units + 1)
        for c in measured
    )
    return inspection


def test_a_hundred_percent_lot_of_500_units_stays_a_bounded_document(client, world):
    inspection = _hundred_percent_lot(world, 500, 5)
    assert inspection.sample_size == 500
    login(client, world.a_inspector)
    started = time.monotonic()
    response = _get(client, inspection)
    took = time.monotonic() - started
    text, pages = _text(response.content)
    assert response.status_code == 200 and "500" in text and "Dia 4" in text and "10.3 ▲" in text
    assert pages <= 14 and f"Page {pages} of {pages}" in text, pages  # 10 tables of 50 units, and the rest
    assert took < 60, took


@pytest.mark.parametrize(
    ("units", "characteristics", "shown", "past"),
    [
        (MAX_REPORT_UNITS + 100, 1, MAX_REPORT_UNITS, [1067]),  # capped by units; 97 x 11 is past it
        (700, 5, MAX_REPORT_CELLS // 5, [679]),  # capped by cells: 3000 / 5 = 600 units
    ],
)
def test_past_the_cap_the_report_prints_the_first_units_and_names_the_defective_ones(
    world, units, characteristics, shown, past
):
    inspection = _hundred_percent_lot(world, units, characteristics)
    context = report_context(inspection_detail(membership=world.a_inspector, pk=inspection.pk))
    assert context["shown"] == shown and context["n"] == units
    assert context["tables"][-1]["rows"][-1]["unit"] == shown
    assert context["defective_past"] == sorted(set(past))


def test_a_characteristic_kind_other_than_measured_prints_pass_or_fail(world, rejected):
    context = report_context(inspection_detail(membership=world.a_inspector, pk=rejected.pk))
    finish = next(c for c in context["characteristics"] if c.kind == Characteristic.Kind.VISUAL)
    assert finish.spec == "Visual (pass/fail)"
    assert [row["cells"][1] for row in context["tables"][0]["rows"]] == [("pass", ""), ("✗ fail", "bad"), ("", "na")]
