"""An Idempotency-Key is bound to what a request means, not to its bytes: the same file re-sent as a
new multipart request (a new boundary, other part headers), or the same JSON spelt differently, is
the same request and gets the first answer again; a change of meaning is a 409."""

from __future__ import annotations

import json

import pytest

from suppliers.models import Asn, AsnLine

from .conftest import bearer

pytestmark = pytest.mark.django_db

# As order-desk-2026-11/t15_import.csv: a header and one row (with a lot: the product is lot-tracked).
CSV = b"po,product_code,quantity,lot\nP20001,LAB-LOT-001,4,L1\n"


def _multipart(boundary: str, parts: list[tuple[str, str | None, str | None, bytes]]) -> bytes:
    """A multipart body as a client builds it: each part is (name, filename, content type, bytes)."""
    out = b""
    for name, filename, content_type, data in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'Content-Disposition: form-data; name="{name}"'
        if filename:
            disposition += f'; filename="{filename}"'
        out += disposition.encode() + b"\r\n"
        if content_type:
            out += f"Content-Type: {content_type}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def _post(client, url, boundary, parts, key):
    return client.post(
        url,
        _multipart(boundary, parts),
        content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_the_same_import_file_resent_as_a_new_multipart_request_is_replayed(api_world):
    client = bearer(api_world.p1_secret)
    asn = client.post("/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json").json()
    url = f"/api/v1/asns/{asn['id']}/import/"
    first = _post(client, url, "----curl-4f1a", [("file", "t15_import.csv", "text/csv", CSV)], "import-1")
    assert first.status_code == 200, first.content
    assert first.json()["lines"][0]["quantity"] == "4.0000"
    again = _post(
        client,
        url,
        "----WebKitFormBoundary7MA4YWxk",
        [("file", "t15_import.csv", "application/octet-stream", CSV)],
        "import-1",
    )
    assert again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    other = _post(
        client, url, "----curl-77", [("file", "t15_import.csv", "text/csv", CSV.replace(b",4,", b",5,"))], "import-1"
    )
    assert other.status_code == 409 and "another request" in other.json()["detail"]
    renamed = _post(client, url, "----curl-78", [("file", "other.csv", "text/csv", CSV)], "import-1")
    assert renamed.status_code == 409  # the name is part of the meaning (it says CSV or XLSX)
    assert AsnLine.objects.get(asn_id=asn["id"]).quantity == 4


def test_the_same_json_spelt_differently_is_the_same_request(api_world):
    client = bearer(api_world.p1_secret)
    one = json.dumps({"orders": [api_world.po.pk], "carrier": "DHL"})
    two = '{\n  "carrier" : "DHL",\n  "orders" : [ ' + str(api_world.po.pk) + " ]\n}"
    first = client.post("/api/v1/asns/", one, content_type="application/json", HTTP_IDEMPOTENCY_KEY="asn-j")
    again = client.post("/api/v1/asns/", two, content_type="application/json", HTTP_IDEMPOTENCY_KEY="asn-j")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and Asn.objects.count() == 1
    changed = json.dumps({"orders": [api_world.po.pk], "carrier": "UPS"})
    conflict = client.post("/api/v1/asns/", changed, content_type="application/json", HTTP_IDEMPOTENCY_KEY="asn-j")
    assert conflict.status_code == 409 and Asn.objects.count() == 1


def test_an_empty_body_and_an_empty_object_mean_the_same(api_world):
    client = bearer(api_world.p1_secret)
    asn = client.post("/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json").json()
    url = f"/api/v1/asns/{asn['id']}/cancel/"
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="cancel-1")
    again = client.post(url, "{}", content_type="application/json", HTTP_IDEMPOTENCY_KEY="cancel-1")
    assert first.status_code == 200 and again["Idempotent-Replayed"] == "true"
