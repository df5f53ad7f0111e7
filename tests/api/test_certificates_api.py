"""Certificates over the API: uploaded to a draft shipment, one of its lines or lots, checked as the
shipment page checks them; downloaded and removed (audited) within the token's scope only."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.models import AuditEntry
from suppliers.models import Certificate

from .conftest import bearer, issue

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% certificate of conformance\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _file(data: bytes, name: str = "coc.pdf") -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


@pytest.fixture
def shipment(api_world):
    client = bearer(api_world.p1_secret)
    line = api_world.po.lines.get()
    asn = client.post(
        "/api/v1/asns/",
        {
            "orders": ["P20001"],
            "ship_date": (date.today() + timedelta(days=1)).isoformat(),
            "eta": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
            "lines": [
                {
                    "order_line": line.pk,
                    "quantity": "10",
                    "items": [{"lot_name": "L-1", "quantity": "6"}, {"lot_name": "L-2", "quantity": "4"}],
                }
            ],
        },
        format="json",
    ).json()
    return client, asn


def _upload(client, asn, **fields):
    return client.post(f"/api/v1/asns/{asn['id']}/certificates/", fields, format="multipart")


def test_a_certificate_for_a_lot_named_by_order_and_product_code(shipment, api_world):
    client, asn = shipment
    response = _upload(
        client, asn, file=_file(PDF), kind="coa", purchase_order="P20001", product_code="LAB-LOT-001", lot_name="L-2"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "coa" and body["lot_name"] == "L-2" and body["content_type"] == "application/pdf"
    assert body["line"] == asn["lines"][0]["id"] and body["order_line"] == api_world.po.lines.get().pk
    assert AuditEntry.objects.filter(action="asn.certificate_added", object_id=str(body["id"])).exists()
    listed = client.get(f"/api/v1/asns/{asn['id']}/").json()["certificates"]
    assert [c["id"] for c in listed] == [body["id"]]
    download = client.get(f"/api/v1/asns/{asn['id']}/certificates/{body['id']}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF


def test_a_certificate_for_the_shipment_a_line_by_its_ids_or_an_order_line(shipment, api_world):
    client, asn = shipment
    whole = _upload(client, asn, file=_file(PNG, "scan.png"))
    assert whole.status_code == 201 and whole.json()["line"] is None and whole.json()["kind"] == "coc"
    by_line = _upload(client, asn, file=_file(PDF), line=str(asn["lines"][0]["id"]))
    assert by_line.status_code == 201 and by_line.json()["line"] == asn["lines"][0]["id"]
    by_order_line = _upload(client, asn, file=_file(PDF), order_line=str(api_world.po.lines.get().pk), lot_name="L-1")
    assert by_order_line.status_code == 201 and by_order_line.json()["lot_name"] == "L-1"
    assert Certificate.objects.count() == 3


def test_the_page_checks_hold_on_the_api(shipment, api_world):
    client, asn = shipment
    cases = [
        ({"file": _file(b"MZ\x90\x00 not a pdf", "coc.pdf")}, "file", "is not a PDF, PNG or JPEG file"),
        ({"file": _file(PDF), "kind": "msds"}, "kind", ""),
        ({"file": _file(PDF), "line": "999999"}, "line", "is not on"),
        ({"file": _file(PDF), "lot_name": "L-9"}, "lot_name", "No lot L-9"),
        ({"file": _file(PDF), "product_code": "NOPE"}, "product_code", "not on a line"),
        ({"file": _file(PDF), "line": "1", "order_line": "1"}, "order_line", "one way"),
        ({"kind": "coc"}, "file", ""),
    ]
    for fields, field, words in cases:
        response = _upload(client, asn, **fields)
        assert response.status_code == 400, (fields, response.content)
        errors = {e["field"]: e["message"] for e in response.json()["errors"]}
        assert field in errors and words in errors[field], (fields, errors)
    assert not Certificate.objects.exists()


def test_a_submitted_shipment_takes_no_more_certificates_and_keeps_its_own(shipment):
    client, asn = shipment
    cert = _upload(client, asn, file=_file(PDF)).json()
    submitted = client.post(f"/api/v1/asns/{asn['id']}/submit/")
    assert submitted.status_code == 200, submitted.content
    refused = _upload(client, asn, file=_file(PDF))
    assert refused.status_code == 400 and "attach documents to drafts" in refused.json()["detail"]
    kept = client.delete(f"/api/v1/asns/{asn['id']}/certificates/{cert['id']}/")
    assert kept.status_code == 400 and Certificate.objects.filter(pk=cert["id"]).exists()


def test_removing_a_certificate_is_explicit_and_audited(shipment):
    client, asn = shipment
    cert = _upload(client, asn, file=_file(PDF)).json()
    assert client.delete(f"/api/v1/asns/{asn['id']}/certificates/{cert['id']}/").status_code == 204
    assert not Certificate.objects.filter(pk=cert["id"]).exists()
    assert AuditEntry.objects.filter(action__startswith="asn.certificate_removed").exists()
    assert client.delete(f"/api/v1/asns/{asn['id']}/certificates/{cert['id']}/").status_code == 404


def test_the_scopes_of_certificates(shipment, api_world):
    client, asn = shipment
    cert = _upload(client, asn, file=_file(PDF)).json()
    _, reader = issue(api_world.p1_admin, scopes=["asn:read"])
    reader_client = bearer(reader)
    assert reader_client.get(f"/api/v1/asns/{asn['id']}/certificates/{cert['id']}/").status_code == 200
    assert _upload(reader_client, asn, file=_file(PDF)).status_code == 403
    assert reader_client.delete(f"/api/v1/asns/{asn['id']}/certificates/{cert['id']}/").status_code == 403
    assert Certificate.objects.count() == 1


def test_the_same_upload_with_the_same_key_is_replayed_not_stored_twice(shipment):
    client, asn = shipment
    first = client.post(
        f"/api/v1/asns/{asn['id']}/certificates/",
        {"file": _file(PDF), "kind": "coc"},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="cert-1",
    )
    again = client.post(
        f"/api/v1/asns/{asn['id']}/certificates/",
        {"kind": "coc", "file": _file(PDF)},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="cert-1",
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Certificate.objects.count() == 1


def test_a_certificate_whose_file_left_storage_is_a_404_on_the_api_and_the_page(shipment, api_world, client):
    """Same kind as the inspection photos: the record is there, the file is gone; 404, never a 500."""
    from django.urls import reverse

    from suppliers.models import Certificate
    from tests.conftest import login

    api, asn = shipment
    body = _upload(api, asn, file=_file(PDF)).json()
    record = Certificate.objects.get(pk=body["id"])
    record.file.storage.delete(record.file.name)
    gone = api.get(f"/api/v1/asns/{asn['id']}/certificates/{body['id']}/")
    assert gone.status_code == 404 and gone["Content-Type"] == "application/problem+json"
    login(client, api_world.p1_admin)
    page = client.get(reverse("asn_certificate", args=[api_world.a.slug, asn["id"], body["id"]]))
    assert page.status_code == 404
