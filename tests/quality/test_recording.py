"""Recording an inspection (quality.services.recording): results idempotent per client key, values out of
tolerance flagged at once, the verdict computed per defect class against Ac/Re, the signature with
the password, read-only after it, corrections as linked versions, photos checked as images, and
scope (other partner or tenant, suppliers: 404)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.models import AuditEntry, Role
from portal.services.errors import NotInScope
from portal.services.memberships import membership_scope_set
from quality.models import Characteristic, DefectClass, Inspection, InspectionResult, SamplingRule
from quality.services.inspections import inspections_from_receipt
from quality.services.recording import (
    inspection_correct,
    inspection_sign,
    inspection_start,
    inspection_verdict,
    photo_add,
    result_record,
)
from tests.factories import CharacteristicFactory, InspectionPlanFactory, InspectionPlanVersionFactory, member
from tests.factories.portal import PASSWORD
from tests.quality.receipts import done_receipt, product

pytestmark = pytest.mark.django_db

# Majors: 3 units, Ac 1 / Re 2. Minors: 2 units, Ac 0 / Re 1.
RULES = [
    {"defect_class": DefectClass.MAJOR, "mode": SamplingRule.Mode.FIXED, "sample_size": 3, "accept": 1, "aql": None},
    {"defect_class": DefectClass.MINOR, "mode": SamplingRule.Mode.FIXED, "sample_size": 2, "accept": 0, "aql": None},
]


def make_inspection(partner, lot="LOT-1", quantity=100) -> tuple[Inspection, Characteristic, Characteristic]:
    """A waiting inspection of ``partner``'s lot with a measured major (10 mm -0.1/+0.2) and a minor
    visual check."""
    item = product(partner.tenant, name="Bracket")
    version = InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=item), rules=RULES)
    length = CharacteristicFactory(version=version, name="Length", position=1)
    finish = CharacteristicFactory(
        version=version,
        name="Finish",
        position=2,
        kind=Characteristic.Kind.VISUAL,
        defect_class=DefectClass.MINOR,
        nominal=None,
        lower_tolerance=None,
        upper_tolerance=None,
        unit="",
    )
    [inspection] = inspections_from_receipt(receipt=done_receipt(partner, [(item, [(lot, quantity)])]))
    return inspection, length, finish


@pytest.fixture
def lot(world):
    return make_inspection(world.p1)


def record(membership, inspection, unit, characteristic, key, **kw):
    return result_record(
        membership=membership, inspection=inspection, unit=unit, characteristic=characteristic, client_key=key, **kw
    )


def record_all_good(membership, inspection, length, finish):
    for unit in (1, 2, 3):
        record(membership, inspection, unit, length, f"l{unit}", value=Decimal("10.05"))
    for unit in (1, 2):
        record(membership, inspection, unit, finish, f"f{unit}", passed=True)


def test_a_resend_of_a_key_answers_the_same_row_and_adds_nothing(world, lot):
    inspection, length, _ = lot
    first, created = record(world.a_inspector, inspection, 1, length, "k-1", value=Decimal("10.30"))
    again, created_again = record(world.a_inspector, inspection, 1, length, "k-1", value=Decimal("10.30"))
    assert created and not created_again and again.pk == first.pk
    assert InspectionResult.objects.filter(inspection=inspection).count() == 1
    assert first.defect  # 10.30 is above 10.20: flagged at once
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.IN_PROGRESS  # the first result starts it


def test_tolerance_limits_are_inclusive_and_a_new_key_supersedes_the_cell(world, lot):
    inspection, length, finish = lot
    low, _ = record(world.a_inspector, inspection, 1, length, "a", value=Decimal("9.90"))
    assert not low.defect
    high, _ = record(world.a_inspector, inspection, 2, length, "b", value=Decimal("10.201"))
    assert high.defect
    fixed, _ = record(world.a_inspector, inspection, 2, length, "c", value=Decimal("10.2"))
    assert not fixed.defect
    assert InspectionResult.objects.get(pk=high.pk).superseded
    # A late resend of the older key changes nothing: the newer value still counts.
    record(world.a_inspector, inspection, 2, length, "b", value=Decimal("10.201"))
    assert inspection_verdict(inspection).classes[0].defective == 0
    failed, _ = record(world.a_inspector, inspection, 1, finish, "d", passed=False)
    assert failed.defect


def test_the_unit_must_lie_in_its_class_sample_and_the_value_fit_the_kind(world, lot):
    inspection, length, finish = lot
    with pytest.raises(ValidationError, match="1 to 2"):
        record(world.a_inspector, inspection, 3, finish, "x", passed=True)  # minors: 2 units
    with pytest.raises(ValidationError, match="measured value"):
        record(world.a_inspector, inspection, 1, length, "y", passed=True)
    other = CharacteristicFactory(
        version=InspectionPlanVersionFactory(plan=InspectionPlanFactory(product=product(world.a)))
    )
    with pytest.raises(ValidationError, match="not part"):
        record(world.a_inspector, inspection, 1, other, "z", value=Decimal(1))


def test_the_verdict_counts_defective_units_per_class_against_ac_and_re(world, lot):
    inspection, length, finish = lot
    assert inspection_verdict(inspection).outcome == "" and inspection_verdict(inspection).expected == 5
    record(world.a_inspector, inspection, 1, length, "l1", value=Decimal("11"))  # 1 major: Ac 1, still fine
    for unit in (2, 3):
        record(world.a_inspector, inspection, unit, length, f"l{unit}", value=Decimal("10"))
    record(world.a_inspector, inspection, 1, finish, "f1", passed=True)
    verdict = inspection_verdict(inspection)
    assert verdict.outcome == "" and verdict.missing == 1  # not complete
    record(world.a_inspector, inspection, 2, finish, "f2", passed=True)
    verdict = inspection_verdict(inspection)
    assert verdict.outcome == Inspection.Verdict.ACCEPT
    assert {t.defect_class: t.defective for t in verdict.classes} == {"major": 1, "minor": 0}


def test_a_class_reaching_re_rejects_before_the_sample_is_complete(world, lot):
    inspection, length, _ = lot
    record(world.a_inspector, inspection, 1, length, "l1", value=Decimal("9"))
    assert inspection_verdict(inspection).outcome == ""
    record(world.a_inspector, inspection, 2, length, "l2", value=Decimal("12"))  # Re 2 reached
    verdict = inspection_verdict(inspection)
    assert verdict.outcome == Inspection.Verdict.REJECT and not verdict.complete
    signed = inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)
    assert signed.verdict == "reject" and signed.signature_meaning == "Inspected and found rejected"


def test_two_defects_on_one_unit_count_one_defective_unit(world, lot):
    inspection, length, _ = lot
    extra = CharacteristicFactory(version=length.version, name="Width", position=3)
    record(world.a_inspector, inspection, 1, length, "a", value=Decimal("12"))
    record(world.a_inspector, inspection, 1, extra, "b", value=Decimal("12"))
    assert inspection_verdict(inspection).classes[0].defective == 1


def test_signing_needs_the_password_and_a_decided_verdict_then_nothing_changes(world, lot):
    inspection, length, finish = lot
    inspection_start(membership=world.a_inspector, inspection=inspection)
    with pytest.raises(ValidationError, match="not decided"):
        inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)
    record_all_good(world.a_inspector, inspection, length, finish)
    with pytest.raises(ValidationError) as wrong:
        inspection_sign(membership=world.a_inspector, inspection=inspection, password="not-it")
    assert "password" in wrong.value.message_dict
    signed = inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)
    assert signed.status == Inspection.Status.SIGNED and signed.verdict == Inspection.Verdict.ACCEPT
    assert signed.signed_by == world.a_inspector.user and signed.signed_at is not None
    assert signed.signature_meaning == "Inspected and found accepted"
    assert AuditEntry.objects.filter(action="inspection.signed", object_id=str(signed.pk)).exists()
    with pytest.raises(ValidationError, match="read-only"):
        record(world.a_inspector, signed, 1, length, "late", value=Decimal("10"))
    with pytest.raises(ValidationError, match="read-only"):
        inspection_sign(membership=world.a_inspector, inspection=signed, password=PASSWORD)
    # A resend of a key recorded before sign-off still answers its row (the tablet clears its queue).
    _again, created = record(world.a_inspector, signed, 1, length, "l1", value=Decimal("10.05"))
    assert not created


def test_a_correction_is_a_new_linked_version_with_the_results_copied(world, lot):
    inspection, length, finish = lot
    record_all_good(world.a_inspector, inspection, length, finish)
    signed = inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)
    unsigned, *_ = make_inspection(world.p1, lot="LOT-2")
    with pytest.raises(ValidationError, match="Only a signed"):
        inspection_correct(membership=world.a_inspector, inspection=unsigned)
    correction = inspection_correct(membership=world.a_engineer, inspection=signed)
    assert correction.corrects == signed and correction.revision == 2 and correction.status == "in_progress"
    assert correction.results.count() == 5 and correction.samplings.count() == 2
    record(world.a_engineer, correction, 3, length, "fix", value=Decimal("10.5"))
    assert inspection_verdict(correction).outcome == "accept"  # 1 major, Ac 1
    assert InspectionResult.objects.filter(inspection=signed, superseded=False).count() == 5  # the original stays
    with pytest.raises(ValidationError, match="already has a correction"):
        inspection_correct(membership=world.a_engineer, inspection=signed)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_photos_must_be_images_and_go_under_the_var_dir(world, lot, settings):
    inspection, *_ = lot
    photo = photo_add(
        membership=world.a_inspector,
        inspection=inspection,
        upload=SimpleUploadedFile("x.exe", _png(), content_type="application/octet-stream"),
        unit=2,
    )
    assert photo.content_type == "image/png" and photo.file.name.endswith(".png")
    assert Path(photo.file.path).is_relative_to(Path(settings.VAR_DIR) / "media") and photo.size == len(_png())
    with pytest.raises(ValidationError, match="not a JPEG or PNG"):
        photo_add(
            membership=world.a_inspector,
            inspection=inspection,
            upload=SimpleUploadedFile("fake.jpg", b"\xff\xd8\xff\xe0 not really", content_type="image/jpeg"),
        )
    with pytest.raises(ValidationError, match="No such sample unit"):
        photo_add(
            membership=world.a_inspector,
            inspection=inspection,
            upload=SimpleUploadedFile("a.png", _png()),
            unit=99,
        )


@pytest.mark.parametrize("who", ["p1_user", "p1_admin", "a_buyer", "a_admin", "b_admin", "q1_admin"])
def test_only_inspectors_and_engineers_who_see_the_partner_record(world, lot, who):
    inspection, length, _ = lot
    with pytest.raises(NotInScope):
        record(getattr(world, who), inspection, 1, length, "k", value=Decimal(10))
    with pytest.raises(NotInScope):
        inspection_sign(membership=getattr(world, who), inspection=inspection, password=PASSWORD)


def test_an_inspector_limited_to_another_partner_or_tenant_gets_404(world, lot):
    inspection, length, _ = lot
    only_p2 = membership_scope_set(
        actor=world.a_admin, membership=member(world.a, Role.INSPECTOR), all_partners=False, partners=[world.p2]
    )
    with pytest.raises(NotInScope):
        record(only_p2, inspection, 1, length, "k", value=Decimal(10))
    other_tenant = member(world.b, Role.INSPECTOR)
    with pytest.raises(NotInScope):
        inspection_start(membership=other_tenant, inspection=inspection)


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims this size, with one tiny data chunk: what a decompression bomb looks like."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(10_000, 10_000), (100_000, 100_000)])
def test_a_photo_claiming_too_many_pixels_is_refused_from_its_header(world, lot, size):
    inspection, *_ = lot
    with pytest.raises(ValidationError, match="megapixels"):
        photo_add(
            membership=world.a_inspector,
            inspection=inspection,
            upload=SimpleUploadedFile("bomb.png", _png_header(*size), content_type="image/png"),
        )
    assert not inspection.photos.exists()


@pytest.mark.parametrize(
    "value", ["1000000000000", "-1000000000000", "1" * 29, "999999999999.9999996", "999999999999.9996"]
)
def test_a_measurement_past_what_a_result_holds_is_refused_before_anything_is_written(world, lot, value):
    inspection, length, _ = lot
    record(world.a_inspector, inspection, 1, length, "before", value=Decimal("10"))
    with pytest.raises(ValidationError, match=r"999,999,999,999\.999999") as refused:
        record(world.a_inspector, inspection, 1, length, "huge", value=Decimal(value))
    assert set(refused.value.message_dict) == {"value"}
    assert list(InspectionResult.objects.filter(inspection=inspection).values_list("client_key", "superseded")) == [
        ("before", False)
    ]
    largest, _ = record(world.a_inspector, inspection, 2, length, "largest", value=Decimal("-999999999999.99"))
    largest.refresh_from_db()
    assert largest.value == Decimal("-999999999999.99")


@pytest.mark.parametrize("field", ["client_key", "note"])
def test_nul_in_a_key_or_note_is_refused(world, lot, field):
    inspection, length, _ = lot
    texts = {"key": "k\x00" if field == "client_key" else "k", "note": "a\x00b" if field == "note" else ""}
    with pytest.raises(ValidationError) as refused:
        record(world.a_inspector, inspection, 1, length, texts["key"], value=Decimal(10), note=texts["note"])
    assert field in refused.value.message_dict and not InspectionResult.objects.exists()


def test_corrections_of_corrections_copy_64_character_keys_without_collision(world, lot):
    inspection, length, finish = lot
    for unit in (1, 2, 3):
        record(world.a_inspector, inspection, unit, length, f"{unit}" * 64, value=Decimal("10.05"))
    for unit in (1, 2):
        record(world.a_inspector, inspection, unit, finish, f"{unit + 5}" * 64, passed=True)
    current = inspection
    for revision in (2, 3, 4, 5, 6, 7, 8):
        signed = inspection_sign(membership=world.a_inspector, inspection=current, password=PASSWORD)
        current = inspection_correct(membership=world.a_engineer, inspection=signed)
        keys = list(current.results.values_list("client_key", flat=True))
        assert current.revision == revision and len(set(keys)) == 5 and all(len(k) <= 64 for k in keys)
    assert inspection_verdict(current).outcome == "accept"
