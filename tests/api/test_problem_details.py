"""Every answer of the API that is not a success is a problem document (RFC 9457) with a stable
``type`` per status: also the ones Django gives before or after DRF (500, a body too large, too many
fields, a URL no view matches). Pages keep their HTML."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.test import RequestFactory
from rest_framework.test import APIClient

from portal.api import errors
from portal.api.problems import BASE, TYPES
from suppliers.models import Asn

from .conftest import bearer

pytestmark = pytest.mark.django_db


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    slug, title = TYPES[status]
    assert body["type"] == f"{BASE}{slug}" and body["title"] == title and body["status"] == status
    assert body["detail"] and body["correlation_id"] == response["X-Request-ID"]
    return body


def _raising(*args, **kwargs):
    raise RuntimeError("a bug")


def test_an_unexpected_error_is_a_problem_not_an_html_page(api_world, monkeypatch):
    monkeypatch.setattr("suppliers.api.purchase_orders.po_list", _raising)
    client = bearer(api_world.p1_secret)
    client.raise_request_exception = False
    body = assert_problem(client.get("/api/v1/purchase-orders/"), 500)
    assert "correlation_id" in body["detail"] and "a bug" not in body["detail"]  # nothing of the inside leaks


def test_an_unexpected_error_inside_an_idempotent_post_is_a_problem_and_frees_the_key(api_world, monkeypatch):
    monkeypatch.setattr("suppliers.services.asn_drafts.asn_create", _raising)
    client = bearer(api_world.p1_secret)
    client.raise_request_exception = False
    post = {"path": "/api/v1/asns/", "data": {"orders": [api_world.po.pk]}, "format": "json"}
    assert_problem(client.post(**post, HTTP_IDEMPOTENCY_KEY="k-500"), 500)
    monkeypatch.undo()
    assert client.post(**post, HTTP_IDEMPOTENCY_KEY="k-500").status_code == 201  # a crash is not an answer


def test_pages_keep_their_html_error_pages(world, client):
    response = client.get("/t/alpha/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    request = RequestFactory().get("/t/alpha/")
    assert errors.server_error(request)["Content-Type"].startswith("text/html")
    assert errors.bad_request(request, SuspiciousOperation())["Content-Type"].startswith("text/html")


def test_a_json_body_over_the_limit_is_413_before_anything_is_read(api_world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = bearer(api_world.p1_secret)
    body = json.dumps({"orders": [api_world.po.pk], "note": "x" * 2000})
    problem = assert_problem(client.post("/api/v1/asns/", body, content_type="application/json"), 413)
    assert "at most" in problem["detail"]
    assert not Asn.objects.exists()
    # The same limit holds without a token: the size is checked first, for free.
    assert_problem(APIClient().post("/api/v1/asns/", body, content_type="application/json"), 413)
    small = json.dumps({"orders": [api_world.po.pk]})
    assert client.post("/api/v1/asns/", small, content_type="application/json").status_code == 201


def test_an_upload_over_the_endpoint_limit_is_413(api_world, settings, monkeypatch):
    from suppliers.api.asns import AsnViewSet

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    monkeypatch.setitem(AsnViewSet.upload_limits, "import_lines", 2000)
    client = bearer(api_world.p1_secret)
    asn = client.post("/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json").json()
    big = io.BytesIO(b"po,product_code,quantity\n" + b"P20001,LAB-LOT-001,1\n" * 200)
    big.name = "lines.csv"
    assert_problem(client.post(f"/api/v1/asns/{asn['id']}/import/", {"file": big}, format="multipart"), 413)


def test_too_many_form_fields_is_413_not_an_html_400(api_world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client = bearer(api_world.p1_secret)
    asn = client.post("/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json").json()
    fields = {f"f{i}": "x" for i in range(20)}
    body = assert_problem(client.post(f"/api/v1/asns/{asn['id']}/import/", fields, format="multipart"), 413)
    assert "too many form fields" in body["detail"]


def test_too_many_files_is_413_not_an_html_400(api_world, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1
    client = bearer(api_world.p1_secret)
    asn = client.post("/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json").json()
    files = []
    for name in ("a.csv", "b.csv"):
        upload = io.BytesIO(b"po,product_code,quantity\n")
        upload.name = name
        files.append(upload)
    response = client.post(f"/api/v1/asns/{asn['id']}/import/", {"file": files}, format="multipart")
    assert "too many files" in assert_problem(response, 413)["detail"]


def test_what_django_refuses_outside_drf_is_a_problem_too():
    request = RequestFactory().post("/api/v1/asns/")
    too_big = errors.bad_request(request, RequestDataTooBig())
    assert too_big.status_code == 413 and too_big["Content-Type"] == "application/problem+json"
    other = errors.bad_request(request, SuspiciousOperation())
    assert other.status_code == 400 and other["Content-Type"] == "application/problem+json"
    denied = errors.permission_denied(request)
    assert denied.status_code == 403 and denied["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/api/v1/no-such-thing/", {}, 404),
        ("get", "/api/v1/asns/999999/", {}, 404),
        ("put", "/api/v1/asns/{asn}/", {"data": {}, "format": "json"}, 405),
        ("delete", "/api/v1/asns/{asn}/", {}, 405),
        ("get", "/api/v1/asns/", {"HTTP_ACCEPT": "text/html"}, 406),
        ("post", "/api/v1/asns/", {"data": "orders=1", "content_type": "text/plain"}, 415),
        ("post", "/api/v1/asns/", {"data": "{not json", "content_type": "application/json"}, 400),
        ("get", "/api/v1/asns/", {"HTTP_AUTHORIZATION": "Bearer nope"}, 401),
    ],
)
def test_every_refusal_is_a_problem_with_a_stable_type(api_world, method, path, kwargs, status):
    client = bearer(api_world.p1_secret)
    asn = client.post("/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json").json()
    if "HTTP_AUTHORIZATION" in kwargs:
        client = APIClient()
    response = getattr(client, method)(path.format(asn=asn["id"]), **kwargs)
    assert_problem(response, status)


def test_a_pdf_asked_for_by_its_media_type_is_served_and_its_errors_are_still_json(api_world):
    client = bearer(api_world.p1_secret)
    asn = client.post(
        "/api/v1/asns/", {"orders": [api_world.po.pk], "packages": [{"kind": "carton"}]}, format="json"
    ).json()
    slip = client.get(f"/api/v1/asns/{asn['id']}/packing-slip/", HTTP_ACCEPT="application/pdf")
    assert slip.status_code == 200 and slip["Content-Type"] == "application/pdf"
    assert_problem(client.get("/api/v1/asns/999999/labels/", HTTP_ACCEPT="application/pdf"), 404)


def test_a_url_without_its_slash_keeps_its_method_instead_of_turning_into_a_read(api_world):
    client = bearer(api_world.p1_secret)
    posted = client.post("/api/v1/asns", {"orders": [api_world.po.pk]}, format="json")
    body = assert_problem(posted, 308)
    assert posted["Location"] == "/api/v1/asns/" and "/api/v1/asns/" in body["detail"]
    assert not Asn.objects.exists()  # Django's 301 would have been followed with a GET of the list
    listed = client.get("/api/v1/asns", {"status": "draft"})
    assert listed.status_code == 308 and listed["Location"] == "/api/v1/asns/?status=draft"
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.get("/api/v1"), 404)
