"""The supplier's answers and evidence (quality.services.scar_answers, quality.scar_content): content
validated by path, files bounded and typed from their bytes, and only the partner's people may act."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.services.errors import NotInScope
from quality.models import ScarEvidence
from quality.scar_content import content_clean, json_schema
from quality.services.scar_answers import EVIDENCE_MAX_BYTES, scar_evidence_add, step_content_errors
from tests.factories import AsnFactory
from tests.quality.test_scar_services import ANSWERS, answer, issue, pdf, step

pytestmark = pytest.mark.django_db


def test_every_step_sample_is_valid_and_cleaned():
    for code, content in ANSWERS.items():
        assert step_content_errors(code, content) == {}, code
    cleaned, _ = content_clean("D1", {"members": [{"name": "  Ana   Lima ", "role": "Lead", "email": ""}]})
    assert cleaned == {"members": [{"name": "Ana Lima", "role": "Lead"}]}


def test_content_errors_name_the_field_path():
    errors = step_content_errors(
        "D4",
        {
            "occurrence_whys": ["1", "2", "3", "4", "5", "6"],
            "detection_whys": ["ok", 7],
            "fishbone": {"machine": ["x" * 201], "weather": ["rain"]},
            "root_cause_occurrence": "x",
            "surprise": True,
        },
    )
    assert set(errors) == {
        "occurrence_whys",
        "detection_whys.1",
        "fishbone.machine.0",
        "fishbone.weather",
        "root_cause_detection",
        "surprise",
    }
    assert "at most 5" in errors["occurrence_whys"] and "at most 200" in errors["fishbone.machine.0"]
    errors = step_content_errors(
        "D5", {"actions": [{"action": "a", "owner": "b", "due": "31.04.2026", "verification": "c"}]}
    )
    assert errors == {"actions.0.due": "Due: '31.04.2026' is not a day; give it as YYYY-MM-DD."}
    errors = step_content_errors("D3", {"actions": [], "stock_at_supplier": {"checked": -1, "found": "3"}})
    assert set(errors) == {"actions", "stock_at_supplier.checked", "stock_at_supplier.found"}
    assert step_content_errors("D2", "text") == {"__all__": "Give an object of named fields."}
    assert json_schema("D4")["properties"]["occurrence_whys"]["maxItems"] == 5


def test_an_invalid_answer_writes_nothing_and_d3_names_only_the_partners_shipments(world):
    scar = issue(world)
    with pytest.raises(ValidationError) as refused:
        answer(world, scar, "D1", {"members": [{"name": "", "role": "Lead"}]})
    assert refused.value.message_dict == {"members.0.name": ["Name is required."]}
    assert not step(scar, "D1").answers.exists()
    mine, theirs = AsnFactory(partner=world.p1), AsnFactory(partner=world.p2)
    rows = [{"asn": mine.number, "checked": 10, "found": 0}, {"asn": theirs.number, "checked": 5, "found": 1}]
    with pytest.raises(ValidationError) as refused:
        answer(world, scar, "D3", {**ANSWERS["D3"], "stock_in_transit": rows})
    assert list(refused.value.message_dict) == ["stock_in_transit.1.asn"]
    assert answer(world, scar, "D3", {**ANSWERS["D3"], "stock_in_transit": rows[:1]}).version == 1


def test_only_the_partners_people_answer_and_add_evidence(world):
    scar = issue(world)
    target = step(scar, "D1")
    for who in (world.p2_user, world.p2_admin, world.q1_admin, world.a_engineer, world.a_admin, world.a_buyer):
        with pytest.raises(NotInScope):
            answer(world, scar, "D1", membership=who)
        with pytest.raises(NotInScope):
            scar_evidence_add(membership=who, step=target, upload=pdf())
    assert not target.answers.exists() and not ScarEvidence.objects.exists()


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_evidence_is_typed_by_its_bytes_bounded_and_its_name_cleaned(world):
    scar = issue(world)
    target = step(scar, "D6")
    png = SimpleUploadedFile("../../etc/photo<1>.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 50)
    item = scar_evidence_add(membership=world.p1_user, step=target, upload=png)
    assert (item.content_type, item.name, item.size) == ("image/png", "photo1.pdf", 58)
    docx = scar_evidence_add(membership=world.p1_user, step=target, upload=SimpleUploadedFile("cp.docx", _docx()))
    assert docx.content_type.endswith("wordprocessingml.document")
    csv = scar_evidence_add(membership=world.p1_user, step=target, upload=SimpleUploadedFile("m.csv", b"a;b\n1;2\n"))
    assert csv.content_type == "text/csv"
    for bad in (b"MZ\x90\x00binary", b"PK\x03\x04not a zip", b""):
        with pytest.raises(ValidationError) as refused:
            scar_evidence_add(membership=world.p1_user, step=target, upload=SimpleUploadedFile("x.pdf", bad))
        assert "is not a PDF, PNG, JPEG, XLSX, DOCX, TXT or CSV file" in refused.value.message_dict["file"][0]
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * EVIDENCE_MAX_BYTES)
    with pytest.raises(ValidationError, match="at most 10 MB"):
        scar_evidence_add(membership=world.p1_user, step=target, upload=big)
    assert ScarEvidence.objects.filter(step=target).count() == 3
    assert answer(world, scar, "D6").version == 1  # evidence there: D6 may be answered
