"""A characteristic names its defect code in the plan: an NCR opened from a lot where it failed is coded with
it, and a repeat of that defect on the same partner + product reopens a SCAR in its effectiveness check
with nobody coding the NCR by hand. The plan editor resolves the code against the tenant's catalogue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from quality.models import STEP_CODES, DefectCode, Ncr, Scar, ScarStep
from quality.services.inspections import inspections_from_receipt
from quality.services.plan_editing import characteristic_save, version_create
from quality.services.recording import inspection_sign, result_record
from quality.services.scar_answers import scar_evidence_add
from quality.services.scars import scar_issue, scar_step_accept
from tests.factories.portal import PASSWORD
from tests.quality.receipts import done_receipt
from tests.quality.test_recording import make_inspection
from tests.quality.test_scar_services import answer, pdf, step

pytestmark = pytest.mark.django_db


def reject(world, inspection, length) -> None:
    for unit in (1, 2):
        result_record(
            membership=world.a_inspector,
            inspection=inspection,
            unit=unit,
            characteristic=length,
            client_key=f"bad-{inspection.pk}-{unit}",
            value=Decimal("12"),
        )
    inspection_sign(membership=world.a_inspector, inspection=inspection, password=PASSWORD)


def test_a_rejected_lot_opens_its_ncr_coded_from_the_plan(world):
    inspection, length, finish = make_inspection(world.p1, lot="L-1")
    length.defect_code = DefectCode.objects.create(tenant=world.a, code="DIM-LEN", description="Length out")
    length.save()
    finish.defect_code = DefectCode.objects.create(tenant=world.a, code="FIN", description="Finish")
    finish.save()
    reject(world, inspection, length)
    ncr = Ncr.objects.get(inspection=inspection)
    assert [c.code for c in ncr.defect_codes.all()] == ["DIM-LEN"]  # the finish did not fail


def test_a_repeat_defect_reopens_the_verifying_scar_without_hand_coding(world):
    first, length, _ = make_inspection(world.p1, lot="L-1")
    length.defect_code = DefectCode.objects.create(tenant=world.a, code="DIM-LEN", description="Length out")
    length.save()
    reject(world, first, length)
    ncr = Ncr.objects.get(inspection=first)
    scar = scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[ncr], title="Lengths")
    for code in STEP_CODES:
        if code == "D6":
            scar_evidence_add(membership=world.p1_user, step=step(scar, code), upload=pdf())
        answer(world, scar, code)
        scar_step_accept(membership=world.a_engineer, step=step(scar, code))
    scar.refresh_from_db()
    assert scar.status == Scar.Status.VERIFYING

    receipt = done_receipt(world.p1, [(first.product, [("L-2", 100)])])
    [second] = inspections_from_receipt(receipt=receipt)
    reject(world, second, length)

    repeat = Ncr.objects.get(inspection=second)
    assert [c.code for c in repeat.defect_codes.all()] == ["DIM-LEN"]
    scar.refresh_from_db()
    assert scar.status == Scar.Status.OPEN and scar.reopened_count == 1
    assert f"{repeat.number} found DIM-LEN again on lot L-2" in scar.reopen_reason
    assert step(scar, "D4").status == ScarStep.Status.OPEN and step(scar, "D3").status == ScarStep.Status.ACCEPTED


def test_the_plan_editor_takes_a_catalogue_code_in_any_case_and_refuses_others(world):
    _, length, _ = make_inspection(world.p1)
    version = version_create(membership=world.a_engineer, plan_id=length.version.plan_id, note="codes")
    DefectCode.objects.create(tenant=world.a, code="DIM-LEN", description="Length out")
    DefectCode.objects.create(tenant=world.a, code="OLD", description="Retired", active=False)
    DefectCode.objects.create(tenant=world.b, code="THEIRS", description="Another tenant's")
    fields = {"kind": "attribute", "name": "Thread", "defect_class": "major", "defect_code": "dim-len"}
    saved = characteristic_save(membership=world.a_engineer, version_id=version.pk, fields=fields)
    assert saved.defect_code.code == "DIM-LEN"
    for code in ("THEIRS", "NOPE", "OLD"):
        with pytest.raises(ValidationError) as refused:
            characteristic_save(
                membership=world.a_engineer, version_id=version.pk, fields={**fields, "defect_code": code}
            )
        assert "catalogue" in refused.value.message_dict["defect_code"][0]
    # A code deactivated after it was chosen stays on the characteristic when it is edited.
    DefectCode.objects.filter(code="DIM-LEN").update(active=False)
    kept = characteristic_save(
        membership=world.a_engineer,
        version_id=version.pk,
        characteristic_id=saved.pk,
        fields={**fields, "name": "Thread pitch"},
    )
    assert kept.defect_code.code == "DIM-LEN" and kept.name == "Thread pitch"
    cleared = characteristic_save(
        membership=world.a_engineer,
        version_id=version.pk,
        characteristic_id=saved.pk,
        fields={**fields, "defect_code": ""},
    )
    assert cleared.defect_code is None
