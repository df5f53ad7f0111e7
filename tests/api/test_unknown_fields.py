"""A field the endpoint does not read is an error naming it, on every write endpoint and at every
level of nesting; nothing is changed."""

from __future__ import annotations

import io
import json

import pytest

from suppliers.models import Acknowledgement, Asn

from .conftest import bearer

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% certificate\n"


def _fields(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    return {e["field"]: e["message"] for e in response.json()["errors"]}


@pytest.fixture
def draft(api_world):
    client = bearer(api_world.p1_secret)
    asn = client.post("/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json").json()
    return client, asn


def test_json_write_endpoints_name_each_unknown_field(api_world, draft):
    client, asn = draft
    line = api_world.po.lines.get()
    a = asn["id"]
    cases = [
        ("post", "/api/v1/asns/", {"orders": [api_world.po.pk], "shipdate": "2026-12-01"}, "shipdate"),
        (
            "post",
            "/api/v1/asns/",
            {"orders": [api_world.po.pk], "lines": [{"order_line": line.pk, "quantity": "1", "lot": "L1"}]},
            "lines.0.lot",
        ),
        (
            "patch",
            f"/api/v1/asns/{a}/",
            {"lines": [{"order_line": line.pk, "quantity": "1", "items": [{"quantity": "1", "serial": "S"}]}]},
            "lines.0.items.0.serial",
        ),
        ("patch", f"/api/v1/asns/{a}/", {"packages": [{"kind": "carton", "colour": "red"}]}, "packages.0.colour"),
        ("patch", f"/api/v1/asns/{a}/", {"status": "submitted"}, "status"),  # read-only is not writable
        ("patch", f"/api/v1/asns/{a}/", {"number": "ASN-99999"}, "number"),
        ("post", f"/api/v1/asns/{a}/submit/", {"force": True}, "force"),
        ("post", f"/api/v1/asns/{a}/cancel/", {"reson": "typo"}, "reson"),
        (
            "post",
            f"/api/v1/purchase-orders/{api_world.po.pk}/acknowledgements/",
            {"accept_all": True, "acknowledged": True},
            "acknowledged",
        ),
        (
            "post",
            f"/api/v1/purchase-orders/{api_world.po.pk}/acknowledgements/",
            {"lines": [{"line_id": line.pk, "qty": "3"}]},
            "lines.0.qty",
        ),
    ]
    for method, url, body, field in cases:
        errors = _fields(getattr(client, method)(url, body, format="json"))
        assert field in errors, (url, errors)
        assert "Unknown field" in errors[field]
    fresh = client.get(f"/api/v1/asns/{a}/").json()
    assert fresh["status"] == "draft" and fresh["number"] == asn["number"] and fresh["lines"] == asn["lines"]
    assert Asn.objects.count() == 1 and not Acknowledgement.objects.exists()


def test_unknown_fields_are_told_beside_the_other_errors(api_world, draft):
    client, asn = draft
    errors = _fields(client.patch(f"/api/v1/asns/{asn['id']}/", {"carier": "DHL", "eta": "soon"}, format="json"))
    assert set(errors) == {"carier", "eta"}
    assert "carrier" in errors["carier"]  # the message lists what is accepted


def test_multipart_endpoints_name_unknown_fields_too(api_world, draft):
    client, asn = draft
    csv = io.BytesIO(b"po,product_code,quantity\nP20001,LAB-LOT-001,1\n")
    csv.name = "lines.csv"
    errors = _fields(client.post(f"/api/v1/asns/{asn['id']}/import/", {"file": csv, "sheet": "2"}, format="multipart"))
    assert set(errors) == {"sheet"}
    pdf = io.BytesIO(PDF)
    pdf.name = "coc.pdf"
    errors = _fields(
        client.post(f"/api/v1/asns/{asn['id']}/certificates/", {"file": pdf, "lot": "L1"}, format="multipart")
    )
    assert set(errors) == {"lot"}
    assert not Asn.objects.get(pk=asn["id"]).certificates.exists()


def test_known_fields_still_work(api_world, draft):
    client, asn = draft
    ok = client.patch(f"/api/v1/asns/{asn['id']}/", {"carrier": "DHL"}, format="json")
    assert ok.status_code == 200 and ok.json()["carrier"] == "DHL"
    assert client.post(f"/api/v1/asns/{asn['id']}/cancel/", {}, format="json").json()["status"] == "cancelled"


def test_an_unknown_name_with_a_nul_is_told_escaped_and_its_answer_kept_for_the_key(api_world):
    """PostgreSQL's jsonb refuses NUL: the name is told back escaped, and the idempotent answer is
    stored and replayed instead of ending in a 500 (found by schemathesis on PostgreSQL)."""
    client = bearer(api_world.p1_secret)
    body = json.dumps({"orders": [api_world.po.pk], "no\x00te": "x", "\ud800": 1, "y" * 500: 2})  # escaped
    first = client.post("/api/v1/asns/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="nul-1")
    errors = _fields(first)
    assert set(errors) == {"no\\u0000te", "\\ud800", "y" * 80 + "…"}
    again = client.post("/api/v1/asns/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="nul-1")
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"
    assert again.json()["errors"] == first.json()["errors"]
    assert not Asn.objects.exists()


def test_what_an_idempotent_answer_stores_is_storable_everywhere():
    from portal.api.idempotency import _storable

    assert _storable({"a\x00": ["b\ud800c", 1, None], "ok": "\U0001d57f"}) == {
        "a\ufffd": ["b\ufffdc", 1, None],
        "ok": "\U0001d57f",  # a whole character outside the BMP stays
    }
