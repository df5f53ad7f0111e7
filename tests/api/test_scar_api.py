"""The partner API's corrective action requests (quality.api.scars), scope ``scar:respond``: the token's
partner's SCARs only, read, a step answered (a new version each time, ``via`` api, Idempotency-Key
honoured), evidence attached and downloaded; problem details for a wrong step, a step that takes no
answer, content that is not the step's and a file too large; the list's queries do not grow with its rows."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quality.models import DefectCode, ScarAnswer, ScarEvidence, ScarStep
from quality.services.ncrs import ncr_open
from quality.services.scars import scar_issue, scar_step_accept, scar_step_send_back
from tests.scope import ApiScopeCase, assert_api_scoped

from .conftest import bearer, issue
from .test_schema_fuzz import schema  # loaded at import: loading it later would close the test's database

pytestmark = pytest.mark.django_db

V1 = "/api/v1/scars"
D1 = {"content": {"members": [{"name": "Ana Ruiz", "role": "Team leader", "email": "ana@pinewood.example"}]}}
PDF = b"%PDF-1.4\n% revised control plan, rev C\n"


@pytest.fixture
def token(api_world):
    _, secret = issue(api_world.p1_admin, scopes=["scar:respond"])
    return secret


def _scar(world, partner=None, title="Burrs on bracket edges"):
    return scar_issue(membership=world.a_engineer, partner=partner or world.p1, title=title)


def _pdf(name="control-plan.pdf", data=PDF):
    upload = io.BytesIO(data)
    upload.name = name
    return upload


def _problem(response, status):
    assert response.status_code == status, (response.status_code, response.content[:400])
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def test_only_scar_respond_reads_and_the_list_holds_the_partners_scars(api_world, token):
    mine = _scar(api_world, title="Burrs on bracket edges")
    DefectCode.objects.create(tenant=api_world.a, code="BURR", description="Burr on an edge")
    mine.defect_codes.add(DefectCode.objects.get(code="BURR"))
    _scar(api_world, api_world.p2, title="P2 only SCAR")
    _, reader = issue(api_world.p1_admin, scopes=["quality:read", "asn:read", "po:read"])
    refused = bearer(reader).get(f"{V1}/")
    assert refused.status_code == 403 and "scar:respond" in refused.json()["detail"]
    answer = bearer(token).get(f"{V1}/")
    assert answer.status_code == 200
    [row] = answer.json()["results"]
    assert (row["id"], row["number"], row["status"], row["title"]) == (mine.pk, mine.number, "open", mine.title)
    assert row["defect_codes"] == [{"code": "BURR", "description": "Burr on an edge"}]
    assert [step["code"] for step in row["steps"]] == ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"]
    first_due = min(step["due_date"] for step in row["steps"] if step["status"] in ("open", "returned"))
    assert row["next_step"]["due_date"] == first_due and row["next_step"]["status"] in ("open", "returned")
    assert row["issued_at"].endswith("Z")
    assert "partner" not in row
    assert [r["title"] for r in bearer(api_world.p2_secret).get(f"{V1}/").json()["results"]] == ["P2 only SCAR"]
    assert bearer(api_world.q1_secret).get(f"{V1}/").json()["results"] == []


def test_the_filters_and_a_wrong_filter_is_a_problem(api_world, token):
    late = _scar(api_world, title="Late one")
    _scar(api_world, title="On time")
    ScarStep.objects.filter(scar=late, code="D1").update(due_date="2001-01-01")
    client = bearer(token)
    assert [r["title"] for r in client.get(f"{V1}/?overdue=true").json()["results"]] == ["Late one"]
    assert [r["title"] for r in client.get(f"{V1}/?overdue=false").json()["results"]] == ["On time"]
    late_row = client.get(f"{V1}/?overdue=true").json()["results"][0]
    assert late_row["next_step"]["code"] == "D1" and late_row["next_step"]["overdue"] is True
    assert client.get(f"{V1}/?status=closed").json()["results"] == []
    assert len(client.get(f"{V1}/?status=open").json()["results"]) == 2
    problem = _problem(client.get(f"{V1}/?status=shipped"), 400)
    assert problem["errors"][0]["field"] == "status"
    assert _problem(client.get(f"{V1}/?overdue=maybe"), 400)["errors"][0]["field"] == "overdue"


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"{V1}/").status_code == 200
    return len(queries)


def test_the_lists_queries_do_not_grow_with_its_rows(api_world, token):
    client = bearer(token)
    _scar(api_world, title="One")
    _scar(api_world, title="Two")
    _list_queries(client)  # the first request of a token warms what is cached per token
    two = _list_queries(client)
    for n in range(4):
        _scar(api_world, title=f"More {n}")
    assert _list_queries(client) == two


def _from_ncr(world):
    """A SCAR to P1 issued from an NCR of lot L-7 (30 affected, 70 suspect) of the order's product, BURR."""
    burr = DefectCode.objects.create(tenant=world.a, code="BURR", description="Burr on an edge")
    ncr = ncr_open(
        membership=world.a_engineer,
        partner=world.p1,
        product=world.po.lines.get().product,
        source="inspection",
        title="Burrs on the resin cups",
        description="Found at the dock.",
        defect_codes=[burr],
        lots=[{"lot_name": "L-7", "affected": Decimal("30"), "suspect": Decimal("70"), "inspection": None}],
        order=world.po,
    )
    return scar_issue(membership=world.a_engineer, partner=world.p1, ncrs=[ncr], title="Burrs on resin cups")


def test_a_scar_in_full_never_shows_internal_notes_costs_or_people(api_world, token):
    scar = _from_ncr(api_world)
    answer = bearer(token).get(f"{V1}/{scar.pk}/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["number"] == scar.number and len(body["steps"]) == 8
    d1 = body["steps"][0]
    assert (d1["code"], d1["title"], d1["answer"], d1["evidence"], d1["review_comment"]) == (
        "D1",
        "Team",
        None,
        [],
        "",
    )
    [ncr] = body["ncrs"]
    assert (ncr["title"], ncr["severity"], ncr["product_code"]) == ("Burrs on the resin cups", "major", "LAB-LOT-001")
    assert ncr["defect_codes"] == [{"code": "BURR", "description": "Burr on an edge"}]
    assert ncr["lots"] == [{"lot_name": "L-7", "affected": "30.0000", "suspect": "70.0000"}]
    assert "BURR" in body["d2_prefill"]["what"] and "L-7" in body["d2_prefill"]["how_many"]
    assert body["defect_codes"] == [{"code": "BURR", "description": "Burr on an edge"}]
    text = answer.content.decode()
    for internal in (api_world.a_engineer.user.email, "unit_price", "handling", "approval", "cost", "currency"):
        assert internal not in text, internal


def test_a_step_sent_back_shows_the_engineers_comment_until_answered_again(api_world, token):
    scar = _scar(api_world)
    client = bearer(token)
    assert client.post(f"{V1}/{scar.pk}/steps/D1/answer/", D1, format="json").status_code == 201
    scar_step_send_back(membership=api_world.a_engineer, step=scar.steps.get(code="D1"), comment="Add a QA member.")
    d1 = client.get(f"{V1}/{scar.pk}/").json()["steps"][0]
    assert (d1["status"], d1["review_comment"], d1["answer"]["version"]) == ("returned", "Add a QA member.", 1)
    listed = client.get(f"{V1}/").json()["results"][0]
    assert listed["next_step"]["code"] == "D1" and listed["next_step"]["status"] == "returned"


def test_a_step_answered_twice_keeps_both_versions_and_says_via_api(api_world, token):
    scar = _scar(api_world)
    client = bearer(token)
    first = client.post(f"{V1}/{scar.pk}/steps/D1/answer/", D1, format="json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["code"], body["status"], body["answer"]["version"], body["answer"]["via"]) == (
        "D1",
        "answered",
        1,
        "api",
    )
    assert body["answer"]["content"]["members"][0]["name"] == "Ana Ruiz"
    again = {"content": {"members": [{"name": "Ana Ruiz", "role": "Team leader"}, {"name": "Li Wei", "role": "QA"}]}}
    second = client.post(f"{V1}/{scar.pk}/steps/D1/answer/", again, format="json")
    assert second.status_code == 201 and second.json()["answer"]["version"] == 2
    assert list(ScarAnswer.objects.filter(step__scar=scar, step__code="D1").values_list("version", "via")) == [
        (1, "api"),
        (2, "api"),
    ]
    detail = client.get(f"{V1}/{scar.pk}/").json()
    assert detail["steps"][0]["answer"]["version"] == 2 and len(detail["steps"][0]["answer"]["content"]["members"]) == 2


def test_the_same_idempotency_key_and_body_answer_once(api_world, token):
    scar = _scar(api_world)
    client = bearer(token)
    url = f"{V1}/{scar.pk}/steps/D1/answer/"
    first = client.post(url, D1, format="json", HTTP_IDEMPOTENCY_KEY="d1-answer-1")
    replay = client.post(url, D1, format="json", HTTP_IDEMPOTENCY_KEY="d1-answer-1")
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    assert ScarAnswer.objects.filter(step__scar=scar, step__code="D1").count() == 1
    other = {"content": {"members": [{"name": "Someone else", "role": "QA"}]}}
    _problem(client.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="d1-answer-1"), 409)
    assert ScarAnswer.objects.filter(step__scar=scar, step__code="D1").count() == 1


def test_content_that_is_not_the_steps_is_400_naming_each_field(api_world, token):
    scar = _scar(api_world)
    client = bearer(token)
    url = f"{V1}/{scar.pk}/steps/D1/answer/"
    bad = {"content": {"members": [{"name": "", "role": "Lead", "email": "not-an-address"}], "colour": "red"}}
    problem = _problem(client.post(url, bad, format="json"), 400)
    fields = {e["field"] for e in problem["errors"]}
    assert {"content.members.0.name", "content.members.0.email", "content.colour"} <= fields
    assert _problem(client.post(url, {"content": ["a list"]}, format="json"), 400)["errors"][0]["field"] == "content"
    problem = _problem(client.post(url, {"answer": {}}, format="json"), 400)
    assert {e["field"] for e in problem["errors"]} == {"content", "answer"}  # missing, and unknown
    # What only the SCAR can check: a shipment that is not the partner's, D6 without evidence.
    d3 = {
        "content": {
            "actions": [{"what": "Sort the stock", "who": "QA", "done_on": "2026-01-05"}],
            "stock_at_supplier": {"checked": 100, "found": 2},
            "stock_in_transit": [{"asn": "ASN-99999", "checked": 10, "found": 0}],
        }
    }
    problem = _problem(client.post(f"{V1}/{scar.pk}/steps/D3/answer/", d3, format="json"), 400)
    assert [e["field"] for e in problem["errors"]] == ["content.stock_in_transit.0.asn"]
    d6 = {"content": {"implemented_on": "2026-01-20", "validation": "30 lots measured"}}
    problem = _problem(client.post(f"{V1}/{scar.pk}/steps/D6/answer/", d6, format="json"), 400)
    assert [e["field"] for e in problem["errors"]] == ["evidence"]
    assert not ScarAnswer.objects.filter(step__scar=scar).exists()


def test_a_wrong_step_another_partners_scar_or_a_step_that_takes_no_answer_is_a_problem(api_world, token):
    scar = _scar(api_world)
    client = bearer(token)
    for code in ("D9", "d1", "D0", "X1"):
        _problem(client.post(f"{V1}/{scar.pk}/steps/{code}/answer/", D1, format="json"), 404)
    theirs = _scar(api_world, api_world.p2, title="Their SCAR")
    assert_api_scoped(
        ApiScopeCase(
            f"{V1}/{theirs.pk}/steps/D1/answer/",
            owner_secret=api_world.p2_secret,
            intruder_secrets=[token, api_world.q1_secret],
            markers=["Ana Ruiz"],
            method="post",
            data=D1,
            owner_status=201,
        )
    )
    assert client.post(f"{V1}/{scar.pk}/steps/D1/answer/", D1, format="json").status_code == 201
    scar_step_accept(membership=api_world.a_engineer, step=scar.steps.get(code="D1"))
    problem = _problem(client.post(f"{V1}/{scar.pk}/steps/D1/answer/", D1, format="json"), 409)
    assert problem["detail"] == "D1 Team is accepted: nothing more to answer."
    assert ScarAnswer.objects.filter(step__scar=scar, step__code="D1").count() == 1
    problem = _problem(client.post(f"{V1}/{scar.pk}/steps/D1/evidence/", {"file": _pdf()}, format="multipart"), 409)
    assert "accepted" in problem["detail"] and not ScarEvidence.objects.exists()
    problem = _problem(
        client.post(f"{V1}/{scar.pk}/steps/D8/answer/", {"content": {"summary": "Done"}}, format="json"), 409
    )
    assert "D1 to D7" in problem["detail"]


def test_evidence_is_attached_listed_and_downloaded_within_the_scope(api_world, token):
    scar = _scar(api_world)
    client = bearer(token)
    added = client.post(f"{V1}/{scar.pk}/steps/D6/evidence/", {"file": _pdf()}, format="multipart")
    assert added.status_code == 201, added.content
    item = added.json()
    assert (item["name"], item["content_type"], item["size"]) == ("control-plan.pdf", "application/pdf", len(PDF))
    assert item["url"].endswith(f"{V1}/{scar.pk}/steps/D6/evidence/{item['id']}/")
    d6 = next(step for step in client.get(f"{V1}/{scar.pk}/").json()["steps"] if step["code"] == "D6")
    assert [e["id"] for e in d6["evidence"]] == [item["id"]]
    download = client.get(f"{V1}/{scar.pk}/steps/D6/evidence/{item['id']}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    _problem(client.get(f"{V1}/{scar.pk}/steps/D5/evidence/{item['id']}/"), 404)  # not that step's
    assert_api_scoped(
        ApiScopeCase(
            f"{V1}/{scar.pk}/steps/D6/evidence/{item['id']}/",
            owner_secret=token,
            intruder_secrets=[api_world.p2_secret, api_world.q1_secret],
            markers=["revised control plan"],
        )
    )


def test_a_file_of_another_type_is_400_naming_the_file(api_world, token):
    scar = _scar(api_world)
    executable = _pdf(name="setup.exe", data=b"MZ\x90\x00\x03\x00\x00\x00\x04\x00")
    problem = _problem(bearer(token).post(f"{V1}/{scar.pk}/steps/D6/evidence/", {"file": executable}), 400)
    assert problem["errors"][0]["field"] == "file" and "setup.exe" in problem["errors"][0]["message"]
    assert not ScarEvidence.objects.exists()


def test_the_same_upload_with_the_same_key_is_stored_once(api_world, token):
    scar = _scar(api_world)
    client = bearer(token)
    url = f"{V1}/{scar.pk}/steps/D6/evidence/"
    first = client.post(url, {"file": _pdf()}, format="multipart", HTTP_IDEMPOTENCY_KEY="evidence-1")
    replay = client.post(url, {"file": _pdf()}, format="multipart", HTTP_IDEMPOTENCY_KEY="evidence-1")
    assert first.status_code == replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    assert ScarEvidence.objects.count() == 1


def test_a_file_too_large_is_413_and_stores_nothing(api_world, token, settings, monkeypatch):
    from quality.api import scars as api

    scar = _scar(api_world)
    client = bearer(token)
    url = f"{V1}/{scar.pk}/steps/D6/evidence/"
    # Over the endpoint's limit: refused on the request's length, before the body is read.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    monkeypatch.setitem(api.ScarViewSet.upload_limits, "evidence_add", 2000)
    problem = _problem(client.post(url, {"file": _pdf(data=PDF + b"x" * 5000)}, format="multipart"), 413)
    assert "at most" in problem["detail"]
    # Within the request's limit but over the file's: refused once the parser has counted it.
    monkeypatch.setattr(api, "EVIDENCE_MAX_BYTES", 100)
    problem = _problem(client.post(url, {"file": _pdf(data=PDF + b"x" * 500)}, format="multipart"), 413)
    assert "at most" in problem["detail"]
    assert not ScarEvidence.objects.exists()


def test_the_schema_documents_the_step_content_and_the_enums(api_world, token):
    import yaml

    document = yaml.safe_load(bearer(None).get("/api/v1/schema/").content)
    components = document["components"]["schemas"]
    assert {"ScarStatusEnum", "ScarStepStatusEnum", "ScarStepCodeEnum"} <= set(components)
    content = components["ScarAnswerInputRequest"]["properties"]["content"]
    assert [option["title"] for option in content["anyOf"]][:2] == ["D1 Team", "D2 Problem description"]
    assert "members" in content["anyOf"][0]["properties"]
    answer = document["paths"]["/api/v1/scars/{id}/steps/{code}/answer/"]["post"]
    assert {"201", "400", "404", "409"} <= set(answer["responses"])
    # A SCAR with an NCR, an answer and evidence, as answered, matches the published schema.
    scar = _from_ncr(api_world)
    client = bearer(token)
    assert client.post(f"{V1}/{scar.pk}/steps/D1/answer/", D1, format="json").status_code == 201
    assert client.post(f"{V1}/{scar.pk}/steps/D6/evidence/", {"file": _pdf()}, format="multipart").status_code == 201
    for path, url in (("/api/v1/scars/{id}/", f"{V1}/{scar.pk}/"), ("/api/v1/scars/", f"{V1}/")):
        schema[path]["GET"].validate_response(_as_schemathesis(client.get(url)))


def _as_schemathesis(response):
    """A test client's answer as schemathesis validates it (it does not read Django's responses)."""
    import requests
    from schemathesis import Response

    request = requests.Request("GET", f"http://testserver{response.request['PATH_INFO']}").prepare()
    headers = {name: [value] for name, value in response.items()}
    return Response(response.status_code, headers, response.content, request, elapsed=0.0, verify=True)
