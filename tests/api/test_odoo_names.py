"""Orders and lines named as a partner's ERP knows them: the order's number in Odoo (P00003) and a
product code on it, besides the portal's ids; always within the token's scope."""

from __future__ import annotations

import pytest

from suppliers.models import Acknowledgement, Asn, PurchaseOrderLine

from .conftest import bearer, make_order

pytestmark = pytest.mark.django_db


def _errors(response) -> dict[str, str]:
    assert response.status_code == 400, response.content
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def test_an_order_is_read_by_its_number_as_by_its_id(api_world):
    client = bearer(api_world.p1_secret)
    po = api_world.po
    by_id = client.get(f"/api/v1/purchase-orders/{po.pk}/").json()
    assert client.get(f"/api/v1/purchase-orders/{po.name}/").json() == by_id
    assert client.get(f"/api/v1/purchase-orders/{po.name.lower()}/").json()["id"] == po.pk
    assert client.get(f"/api/v1/purchase-orders/{po.name}/lines/").json()[0]["id"] == po.lines.get().pk
    assert client.get(f"/api/v1/purchase-orders/{po.name}/acknowledgements/").json() == []
    assert client.get("/api/v1/purchase-orders/", {"name": "p20001"}).json()["results"][0]["id"] == po.pk
    assert client.get("/api/v1/purchase-orders/P99999/").status_code == 404


def test_a_number_with_a_slash_is_found_with_the_name_filter(api_world):
    po = make_order(api_world.a, api_world.p1, "PO/2026/0007")
    client = bearer(api_world.p1_secret)
    assert [o["id"] for o in client.get("/api/v1/purchase-orders/", {"name": "PO/2026/0007"}).json()["results"]] == [
        po.pk
    ]
    created = client.post("/api/v1/asns/", {"orders": ["PO/2026/0007"]}, format="json")
    assert created.status_code == 201 and created.json()["orders"] == [{"id": po.pk, "name": "PO/2026/0007"}]


def test_another_partners_or_tenants_number_is_unknown(api_world):
    make_order(api_world.a, api_world.p2, "P20077")
    for secret in (api_world.p2_secret, api_world.q1_secret):
        client = bearer(secret)
        for url in ("/api/v1/purchase-orders/P20001/", "/api/v1/purchase-orders/P20001/lines/"):
            assert client.get(url).status_code == 404
        assert client.get("/api/v1/purchase-orders/", {"name": "P20001"}).json()["results"] == []
        ack = client.post("/api/v1/purchase-orders/P20001/acknowledgements/", {"accept_all": True}, format="json")
        assert ack.status_code == 404
        errors = _errors(client.post("/api/v1/asns/", {"orders": ["P20001"]}, format="json"))
        assert errors == {"orders.0": "No purchase order P20001 of yours."}
    assert not Asn.objects.exists() and not Acknowledgement.objects.exists()


def test_a_number_two_visible_orders_share_is_refused_with_their_ids(api_world):
    twin = make_order(api_world.a, api_world.p1, "P20001")  # Odoo numbers are unique per company only
    client = bearer(api_world.p1_secret)
    conflict = client.get("/api/v1/purchase-orders/P20001/")
    assert conflict.status_code == 409 and str(twin.pk) in conflict.json()["detail"]
    assert client.get(f"/api/v1/purchase-orders/{twin.pk}/").status_code == 200
    errors = _errors(client.post("/api/v1/asns/", {"orders": ["P20001"]}, format="json"))
    assert "use the id" in errors["orders.0"]


def test_a_shipment_from_numbers_and_product_codes(api_world):
    second = make_order(api_world.a, api_world.p1, "P20010", qty=4)
    line = api_world.po.lines.get()
    client = bearer(api_world.p1_secret)
    created = client.post(
        "/api/v1/asns/",
        {
            "orders": ["P20001", str(second.pk)],  # a number, and an id sent as text
            "lines": [
                {"purchase_order": "P20001", "product_code": "lab-lot-001", "quantity": "6"},
                {"purchase_order": second.pk, "product_code": "LAB-LOT-001", "quantity": "4"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    lines = {row["order_line"]: row["quantity"] for row in created.json()["lines"]}
    assert lines == {line.pk: "6.0000", second.lines.get().pk: "4.0000"}
    # Without purchase_order the code must be on one line of the shipment's orders: here it is on two.
    errors = _errors(
        client.patch(
            f"/api/v1/asns/{created.json()['id']}/",
            {"lines": [{"product_code": "LAB-LOT-001", "quantity": "1"}, {"product_code": "NOPE", "quantity": "1"}]},
            format="json",
        )
    )
    assert "is on 2 lines" in errors["lines.0.product_code"] and "not on a line" in errors["lines.1.product_code"]
    errors = _errors(
        client.patch(
            f"/api/v1/asns/{created.json()['id']}/",
            {"lines": [{"purchase_order": "P20002", "product_code": "LAB-LOT-001", "quantity": "1"}]},
            format="json",
        )
    )
    assert errors == {"lines.0.purchase_order": "P20002 is not an order of this shipment."}  # tenant B's number
    errors = _errors(
        client.patch(
            f"/api/v1/asns/{created.json()['id']}/",
            {"lines": [{"order_line": line.pk, "product_code": "LAB-LOT-001", "quantity": "1"}, {"quantity": "1"}]},
            format="json",
        )
    )
    assert set(errors) == {"lines.0.order_line", "lines.1.order_line"}


def test_an_acknowledgement_names_its_lines_by_product_code(api_world):
    client = bearer(api_world.p1_secret)
    PurchaseOrderLine.objects.filter(order=api_world.po).update(vendor_product_code="PW-RESIN-9")
    ok = client.post(
        "/api/v1/purchase-orders/P20001/acknowledgements/",
        {"lines": [{"product_code": "PW-RESIN-9", "decision": "change", "promised_qty": "9"}]},
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["lines"][0]["line_id"] == api_world.po.lines.get().pk
    assert ok.json()["purchase_order_name"] == "P20001"
    errors = _errors(
        client.post(
            "/api/v1/purchase-orders/P20001/acknowledgements/",
            {"lines": [{"product_code": "M8-NUT"}]},
            format="json",
        )
    )
    assert errors == {"lines.0.product_code": "M8-NUT is not on a line of the order."}


def test_a_shipment_is_named_by_its_number_as_by_its_id(api_world):
    client = bearer(api_world.p1_secret)
    asn = client.post("/api/v1/asns/", {"orders": ["P20001"]}, format="json").json()
    assert client.get(f"/api/v1/asns/{asn['number']}/").json() == client.get(f"/api/v1/asns/{asn['id']}/").json()
    patched = client.patch(f"/api/v1/asns/{asn['number'].lower()}/", {"carrier": "DHL"}, format="json")
    assert patched.status_code == 200 and patched.json()["carrier"] == "DHL"
    for secret in (api_world.p2_secret, api_world.q1_secret):
        assert bearer(secret).get(f"/api/v1/asns/{asn['number']}/").status_code == 404
        assert bearer(secret).post(f"/api/v1/asns/{asn['number']}/cancel/").status_code == 404
    assert client.get(f"/api/v1/asns/{asn['number']}/").json()["status"] == "draft"


def test_naming_lines_by_code_costs_the_same_queries_however_many_lines(api_world, django_assert_max_num_queries):
    from suppliers.api.names import resolve_line_codes

    orders = [make_order(api_world.a, api_world.p1, f"P5{i:04d}").pk for i in range(3)]
    one = [{"purchase_order": "P50000", "product_code": "LAB-LOT-001"}]
    with django_assert_max_num_queries(2) as few:  # the scope, and the lines of the orders
        resolve_line_codes(membership=api_world.p1_user, lines=one, key="order_line", among=orders)
    lines = [{"purchase_order": f"P5{i % 3:04d}", "product_code": "LAB-LOT-001"} for i in range(60)]
    with django_assert_max_num_queries(len(few.captured_queries)):
        resolve_line_codes(membership=api_world.p1_user, lines=lines, key="order_line", among=orders)
    by_order = {po: PurchaseOrderLine.objects.get(order_id=po).pk for po in orders}
    assert [line["order_line"] for line in lines] == [by_order[orders[i % 3]] for i in range(60)]
