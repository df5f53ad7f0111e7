"""The partner API: what a token sees and does, and what it never sees."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from portal.models import ApiToken
from portal.services.tokens import token_revoke, token_rotate
from suppliers.models import Acknowledgement, Asn

from .conftest import bearer, issue, make_order

pytestmark = pytest.mark.django_db


def _problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    return body


def test_token_reads_its_partners_orders_with_filters_and_cursor_pages(api_world, django_assert_max_num_queries):
    client = bearer(api_world.p1_secret)
    make_order(api_world.a, api_world.p2, "P20003")  # another partner's
    listed = client.get("/api/v1/purchase-orders/")
    assert listed.status_code == 200
    names = [po["name"] for po in listed.json()["results"]]
    assert names == ["P20001"]
    assert listed.json()["results"][0]["acknowledgement_status"] == "to_acknowledge"
    assert client.get("/api/v1/purchase-orders/", {"status": "to_acknowledge"}).json()["results"][0]["name"] == "P20001"
    assert client.get("/api/v1/purchase-orders/", {"status": "acknowledged"}).json()["results"] == []
    detail = client.get(f"/api/v1/purchase-orders/{api_world.po.pk}/").json()
    assert detail["lines"][0]["product_code"] == "LAB-LOT-001" and detail["lines"][0]["quantity"] == "10.0000"
    assert client.get(f"/api/v1/purchase-orders/{api_world.po.pk}/lines/").json()[0]["tracking"] == "lot"
    bad = _problem(client.get("/api/v1/purchase-orders/", {"updated_since": "yesterday"}), 400)
    assert bad["errors"][0]["field"] == "updated_since"
    for i in range(3):
        make_order(api_world.a, api_world.p1, f"P21{i:03d}")
    with django_assert_max_num_queries(8) as few:
        page = client.get("/api/v1/purchase-orders/", {"page_size": 2})
    baseline = len(few.captured_queries)
    assert len(page.json()["results"]) == 2 and page.json()["next"]
    second = client.get(page.json()["next"])
    assert len(second.json()["results"]) == 2
    for i in range(3, 40):
        make_order(api_world.a, api_world.p1, f"P21{i:03d}")
    with django_assert_max_num_queries(baseline):
        client.get("/api/v1/purchase-orders/", {"page_size": 50})


def test_acknowledgement_over_the_api_with_field_errors_then_success(api_world):
    client = bearer(api_world.p1_secret)
    line = api_world.po.lines.get()
    url = f"/api/v1/purchase-orders/{api_world.po.pk}/acknowledgements/"
    bad = _problem(
        client.post(url, {"lines": [{"line_id": line.pk, "decision": "change", "promised_qty": "-4"}]}, format="json"),
        400,
    )
    assert bad["errors"] == [{"field": "lines.0.promised_qty", "message": "Promise a quantity above 0 (got -4)."}]
    missing = _problem(client.post(url, {"lines": [{"line_id": line.pk, "decision": "reject"}]}, format="json"), 400)
    assert missing["errors"][0]["field"] == "lines.0.reason"
    assert not Acknowledgement.objects.exists()
    ok = client.post(
        url,
        {"lines": [{"line_id": line.pk, "decision": "change", "promised_qty": "9"}], "supplier_ref": "SO-1"},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert (
        body["status"] == "awaiting_buyer" and body["source"] == "api" and body["lines"][0]["promised_qty"] == "9.0000"
    )
    assert client.get(f"/api/v1/acknowledgements/{body['id']}/").json()["version"] == 1
    assert [a["version"] for a in client.get(url).json()] == [1]


def test_idempotency_key_replays_conflicts_and_is_per_token(api_world):
    client = bearer(api_world.p1_secret)
    url = f"/api/v1/purchase-orders/{api_world.po.pk}/acknowledgements/"
    first = client.post(url, {"accept_all": True}, format="json", HTTP_IDEMPOTENCY_KEY="ack-1")
    again = client.post(url, {"accept_all": True}, format="json", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Acknowledgement.objects.count() == 1
    other = client.post(url, {"accept_all": True, "comment": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="ack-1")
    assert "another request" in _problem(other, 409)["detail"]
    fresh = client.post(url, {"accept_all": True}, format="json", HTTP_IDEMPOTENCY_KEY="ack-2")
    assert fresh.status_code == 201 and Acknowledgement.objects.count() == 2
    # An error answer is replayed too: the same key never runs twice.
    bad = {"lines": [{"line_id": 0}]}
    assert client.post(url, bad, format="json", HTTP_IDEMPOTENCY_KEY="bad-1").status_code == 400
    assert client.post(url, bad, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")["Idempotent-Replayed"] == "true"


def test_shipment_over_the_api_from_draft_to_labels(api_world):
    client = bearer(api_world.p1_secret)
    line = api_world.po.lines.get()
    created = client.post(
        "/api/v1/asns/",
        {
            "orders": [api_world.po.pk],
            "ship_date": "2026-12-01",
            "eta": "2026-12-03T08:00:00Z",
            "carrier": "DHL",
            "packages": [{"kind": "pallet"}, {"kind": "carton", "weight_kg": "4.5"}],
            "lines": [
                {
                    "order_line": line.pk,
                    "quantity": "10",
                    "items": [
                        {"lot_name": "L-1", "quantity": "6", "package": "1"},
                        {"lot_name": "L-2", "quantity": "4", "package": "2"},
                    ],
                }
            ],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="asn-1",
    )
    assert created.status_code == 201, created.content
    asn = created.json()
    assert asn["status"] == "draft" and len(asn["packages"]) == 2 and asn["lines"][0]["items"][1]["lot_name"] == "L-2"
    patched = client.patch(f"/api/v1/asns/{asn['id']}/", {"tracking_number": "JD-9"}, format="json")
    assert patched.json()["tracking_number"] == "JD-9" and len(patched.json()["lines"]) == 1
    submitted = client.post(f"/api/v1/asns/{asn['id']}/submit/", HTTP_IDEMPOTENCY_KEY="submit-1")
    assert submitted.json()["status"] == "submitted"
    replay = client.post(f"/api/v1/asns/{asn['id']}/submit/", HTTP_IDEMPOTENCY_KEY="submit-1")
    assert replay.json()["status"] == "submitted" and replay["Idempotent-Replayed"] == "true"
    again = _problem(client.post(f"/api/v1/asns/{asn['id']}/submit/"), 400)
    assert "“Submitted” already" in again["detail"]
    labels = client.get(f"/api/v1/asns/{asn['id']}/labels/", {"size": "4x6"})
    assert labels["Content-Type"] == "application/pdf"
    sscc = asn["packages"][0]["sscc"]
    assert sscc in PdfReader(io.BytesIO(labels.content)).pages[0].extract_text().replace(" ", "")
    slip = client.get(f"/api/v1/asns/{asn['id']}/packing-slip/")
    assert "L-2" in PdfReader(io.BytesIO(slip.content)).pages[0].extract_text()
    assert client.get("/api/v1/asns/", {"status": "on_the_way"}).json()["results"][0]["number"] == asn["number"]
    cancelled = client.post(f"/api/v1/asns/{asn['id']}/cancel/", {"reason": "Truck broke down"}, format="json")
    assert cancelled.json()["status"] == "cancelled"


def test_shipment_lines_from_csv_over_the_api(api_world):
    client = bearer(api_world.p1_secret)
    asn = client.post("/api/v1/asns/", {"orders": [api_world.po.pk]}, format="json").json()
    bad = io.BytesIO(b"po,product_code,quantity,lot\nP20001,LAB-LOT-001,x,L1\n")
    bad.name = "lines.csv"
    problem = _problem(client.post(f"/api/v1/asns/{asn['id']}/import/", {"file": bad}, format="multipart"), 400)
    assert problem["errors"] == [{"field": "row 2, quantity", "message": "“x” is not a number."}]
    good = io.BytesIO(b"po,product_code,quantity,lot,package\nP20001,LAB-LOT-001,7,L1,1\nP20001,LAB-LOT-001,3,L2,1\n")
    good.name = "lines.csv"
    imported = client.post(f"/api/v1/asns/{asn['id']}/import/", {"file": good}, format="multipart")
    assert imported.status_code == 200, imported.content
    assert imported.json()["lines"][0]["quantity"] == "10.0000" and len(imported.json()["packages"]) == 1


def test_tokens_are_refused_when_unknown_expired_revoked_or_lacking_the_scope(api_world):
    url = f"/api/v1/purchase-orders/{api_world.po.pk}/"
    assert _problem(bearer(None).get(url), 401)
    assert bearer(None).get(url)["WWW-Authenticate"].startswith("Bearer")
    assert _problem(bearer("sqp_nothere_xyz").get(url), 401)
    assert _problem(bearer(api_world.p1_secret[:-2] + "zz").get(url), 401)
    token, secret = issue(api_world.p1_admin, scopes=["asn:read"])
    body = _problem(bearer(secret).get(url), 403)
    assert "po:read" in body["detail"]
    assert _problem(
        bearer(secret).post(
            f"/api/v1/purchase-orders/{api_world.po.pk}/acknowledgements/", {"accept_all": True}, format="json"
        ),
        403,
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1), scopes=["po:read"])
    assert _problem(bearer(secret).get(url), 401)
    token, secret = issue(api_world.p1_admin)
    assert bearer(secret).get(url).status_code == 200
    token_revoke(actor=api_world.p1_admin, token_id=token.pk)
    assert _problem(bearer(secret).get(url), 401)
    token, secret = issue(api_world.p1_admin)
    _, rotated = token_rotate(actor=api_world.p1_admin, token_id=token.pk)
    assert _problem(bearer(secret).get(url), 401) and bearer(rotated).get(url).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_every_endpoint_answers_404_to_another_partner_and_another_tenant(api_world):
    owner = bearer(api_world.p1_secret)
    line = api_world.po.lines.get()
    asn = owner.post(
        "/api/v1/asns/",
        {
            "orders": [api_world.po.pk],
            "packages": [{"kind": "carton"}],
            "lines": [
                {"order_line": line.pk, "quantity": "1", "items": [{"lot_name": "Z", "quantity": "1", "package": "1"}]}
            ],
        },
        format="json",
    ).json()
    ack = owner.post(
        f"/api/v1/purchase-orders/{api_world.po.pk}/acknowledgements/", {"accept_all": True}, format="json"
    ).json()
    po, a = api_world.po.pk, asn["id"]
    reads = [
        f"/api/v1/purchase-orders/{po}/",
        f"/api/v1/purchase-orders/{po}/lines/",
        f"/api/v1/purchase-orders/{po}/acknowledgements/",
        f"/api/v1/acknowledgements/{ack['id']}/",
        f"/api/v1/asns/{a}/",
        f"/api/v1/asns/{a}/labels/",
        f"/api/v1/asns/{a}/packing-slip/",
    ]
    writes = [
        (f"/api/v1/purchase-orders/{po}/acknowledgements/", {"accept_all": True}),
        (f"/api/v1/asns/{a}/submit/", {}),
        (f"/api/v1/asns/{a}/cancel/", {"reason": "x"}),
        ("/api/v1/asns/", {"orders": [po]}),
    ]
    for url in reads:
        assert owner.get(url).status_code == 200, url
    for secret in (api_world.p2_secret, api_world.q1_secret):
        intruder = bearer(secret)
        for url in reads:
            response = intruder.get(url)
            assert response.status_code == 404, (url, response.status_code)
            assert "P20001" not in response.content.decode() and asn["number"] not in response.content.decode()
        for url, data in writes:
            response = intruder.post(url, data, format="json")
            assert response.status_code in (400, 404), (url, response.status_code)
            assert "P20001" not in response.content.decode()
        assert intruder.patch(f"/api/v1/asns/{a}/", {"carrier": "X"}, format="json").status_code == 404
        assert "P20001" not in intruder.get("/api/v1/purchase-orders/").content.decode()
        assert asn["number"] not in intruder.get("/api/v1/asns/").content.decode()
    assert Asn.objects.get(pk=a).status == "draft" and Asn.objects.count() == 1
    assert Acknowledgement.objects.count() == 1


def test_schema_and_docs_are_served_by_the_portal(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/asns/{id}/submit/" in schema.content
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower() and "/static/" in docs


def test_each_token_has_its_own_request_budget(api_world, monkeypatch):
    from portal.api.throttling import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "rate", "3/min", raising=False)
    mine, theirs = bearer(api_world.p1_secret), bearer(api_world.p2_secret)
    assert [mine.get("/api/v1/asns/").status_code for _ in range(3)] == [200, 200, 200]
    throttled = _problem(mine.get("/api/v1/asns/"), 429)
    assert "throttled" in throttled["type"] and int(mine.get("/api/v1/asns/")["Retry-After"]) > 0
    assert theirs.get("/api/v1/asns/").status_code == 200  # another partner's system is not slowed


def test_shipment_list_queries_do_not_grow_with_rows(api_world, django_assert_max_num_queries):
    from suppliers.services.asn_drafts import asn_create

    client = bearer(api_world.p1_secret)
    asn_create(membership=api_world.p1_user, po_ids=[api_world.po.pk])
    with django_assert_max_num_queries(20) as few:
        client.get("/api/v1/asns/")
    baseline = len(few.captured_queries)
    for i in range(12):
        po = make_order(api_world.a, api_world.p1, f"P22{i:03d}")
        asn_create(membership=api_world.p1_user, po_ids=[po.pk])
    with django_assert_max_num_queries(baseline):
        assert len(client.get("/api/v1/asns/").json()["results"]) == 13


def test_accept_all_with_lines_is_refused_not_guessed(api_world):
    client = bearer(api_world.p1_secret)
    url = f"/api/v1/purchase-orders/{api_world.po.pk}/acknowledgements/"
    line = api_world.po.lines.first()
    both = {"accept_all": True, "lines": [{"line_id": line.pk, "decision": "reject", "reason": "no stock"}]}
    problem = _problem(client.post(url, both, format="json"), 400)
    assert "not both" in str(problem)
    assert not Acknowledgement.objects.exists()
    assert client.post(url, {"accept_all": True}, format="json").status_code == 201
