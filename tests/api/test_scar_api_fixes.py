"""Fixes of review R2 of the SCAR API (quality.api.scars) beyond the examples in test_scar_api_breakit.py: the
same content again is the version already there (200, not 201), only an open SCAR asks for a next step, a step
takes at most 20 evidence files (409 beyond), and the texts and counts the content rules refuse are 400s
naming the field (the schema's integer counts: tests/quality/test_scar_fixes.py)."""

from __future__ import annotations

import io

import pytest

from quality.models import STEP_CODES, QualityRules, Scar, ScarAnswer, ScarEvidence, ScarStep
from quality.services.scar_answers import EVIDENCE_PER_STEP, scar_evidence_add, scar_step_answer
from quality.services.scars import scar_issue, scar_step_accept
from tests.quality.test_scar_services import ANSWERS

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db

V1 = "/api/v1/scars"
D1 = {"content": {"members": [{"name": "Ana Ruiz", "role": "Team leader"}]}}


@pytest.fixture
def token(api_world):
    _, secret = issue(api_world.p1_admin, scopes=["scar:respond"])
    return secret


def _scar(world):
    return scar_issue(membership=world.a_engineer, partner=world.p1, title="Burrs on bracket edges")


def _pdf():
    upload = io.BytesIO(b"%PDF-1.4\n% evidence\n")
    upload.name = "evidence.pdf"
    return upload


def _problem(response, status):
    assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def test_the_same_content_again_answers_200_with_the_version_already_there(api_world, token):
    scar = _scar(api_world)
    client = bearer(token)
    path = f"{V1}/{scar.pk}/steps/D1/answer/"
    first = client.post(path, D1, format="json")
    again = client.post(path, D1, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["answer"]["version"] == first.json()["answer"]["version"] == 1
    changed = {"content": {"members": [{"name": "Ana Ruiz", "role": "QA lead"}]}}
    assert client.post(path, changed, format="json").status_code == 201
    assert ScarAnswer.objects.filter(step__scar=scar).count() == 2


def test_a_verifying_scar_asks_for_no_next_step(api_world, token):
    QualityRules.objects.update_or_create(tenant=api_world.a, defaults={"scar_verify_lots": 1})
    scar = _scar(api_world)
    for code in STEP_CODES:
        step = scar.steps.get(code=code)
        if code == "D6":
            scar_evidence_add(membership=api_world.p1_user, step=step, upload=_pdf())
        scar_step_answer(membership=api_world.p1_user, step=step, content=ANSWERS[code])
        scar_step_accept(membership=api_world.a_engineer, step=scar.steps.get(code=code))
    # Stale rows cannot say "D4 needs you" on a SCAR no longer open either.
    ScarStep.objects.filter(scar=scar, code="D4").update(status=ScarStep.Status.RETURNED)
    scar.refresh_from_db()
    assert scar.status == Scar.Status.VERIFYING
    client = bearer(token)
    [row] = client.get(f"{V1}/").json()["results"]
    assert row["status"] == "verifying" and row["next_step"] is None
    assert client.get(f"{V1}/{scar.pk}/").json()["next_step"] is None
    open_one = _scar(api_world)
    assert client.get(f"{V1}/{open_one.pk}/").json()["next_step"]["code"] == "D1"


def test_a_step_full_of_evidence_answers_409(api_world, token, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    scar = _scar(api_world)
    step = scar.steps.get(code="D6")
    for _ in range(EVIDENCE_PER_STEP):
        scar_evidence_add(membership=api_world.p1_user, step=step, upload=_pdf())
    added = bearer(token).post(f"{V1}/{scar.pk}/steps/D6/evidence/", {"file": _pdf()}, format="multipart")
    problem = _problem(added, 409)
    assert "20 files already" in problem["detail"]
    assert ScarEvidence.objects.filter(step=step).count() == EVIDENCE_PER_STEP


@pytest.mark.parametrize(
    ("content", "field", "words"),
    [
        ({"what": "Burr \u202e", "where": "a", "when": "b", "how_many": "c"}, "content.what", "direction controls"),
        ({"what": "Burr", "where": "a\x07", "when": "b", "how_many": "c"}, "content.where", "control characters"),
    ],
)
def test_controls_in_an_answer_are_a_400_naming_the_field(api_world, token, content, field, words):
    scar = _scar(api_world)
    answered = bearer(token).post(f"{V1}/{scar.pk}/steps/D2/answer/", {"content": content}, format="json")
    problem = _problem(answered, 400)
    [error] = [e for e in problem["errors"] if e["field"] == field]
    assert words in error["message"]
    assert not ScarAnswer.objects.filter(step__scar=scar).exists()


def test_a_fraction_of_a_piece_is_a_400(api_world, token):
    scar = _scar(api_world)
    content = {**ANSWERS["D3"], "stock_at_supplier": {"checked": 400, "found": 12.5}}
    answered = bearer(token).post(f"{V1}/{scar.pk}/steps/D3/answer/", {"content": content}, format="json")
    problem = _problem(answered, 400)
    assert [e["field"] for e in problem["errors"]] == ["content.stock_at_supplier.found"]
    assert "whole number" in problem["errors"][0]["message"]
